"""Queued, sent and failed message counters; with the HTTP API, the balance and the messages
sent over HTTP. The Last message sensor lives in last_message.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .account import Account
from .counters import Counters, signal_counters
from .entity import SmscEntity
from .last_message import SmscLastMessageSensor
from .runtime import SmscConfigEntry

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class SmscSensorDescription(SensorEntityDescription):
    """A counter and where to read it."""

    value: Callable[[Counters], int]


SENSORS = (
    SmscSensorDescription(
        key="queued",
        translation_key="queued",
        state_class=SensorStateClass.MEASUREMENT,
        value=lambda c: c.queued,
    ),
    SmscSensorDescription(
        key="sent",
        translation_key="sent",
        state_class=SensorStateClass.TOTAL_INCREASING,
        value=lambda c: c.sent,
    ),
    SmscSensorDescription(
        key="failed",
        translation_key="failed",
        state_class=SensorStateClass.TOTAL_INCREASING,
        value=lambda c: c.failed,
    ),
)
SENT_OVER_HTTP = SmscSensorDescription(
    key="sent_http",
    translation_key="sent_http",
    state_class=SensorStateClass.TOTAL_INCREASING,
    value=lambda c: c.sent_http,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmscConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the counters and the last message; the balance and the HTTP counter when the HTTP
    API is set up."""
    entities: list[SensorEntity] = [
        *(SmscCounterSensor(entry, description) for description in SENSORS),
        SmscLastMessageSensor(entry),
    ]
    runtime = entry.runtime_data
    if runtime.account is not None:
        entities.append(SmscBalanceSensor(entry, runtime.account))
    if runtime.http_sender is not None:
        entities.append(SmscCounterSensor(entry, SENT_OVER_HTTP))
    async_add_entities(entities)


class SmscCounterSensor(SmscEntity, SensorEntity):
    """One counter of the outbox (updated at most once a second)."""

    entity_description: SmscSensorDescription
    _attr_native_unit_of_measurement = "messages"

    def __init__(self, entry: SmscConfigEntry, description: SmscSensorDescription) -> None:
        """Describe the counter."""
        super().__init__(entry, description.key)
        self.entity_description = description

    @property
    def native_value(self) -> int:
        """The counter now."""
        return self.entity_description.value(self.runtime.counters)

    async def async_added_to_hass(self) -> None:
        """Follow counter pushes."""
        self.async_on_remove(
            async_dispatcher_connect(self.hass, signal_counters(self.entry.entry_id), self._changed)
        )

    @callback
    def _changed(self) -> None:
        self.async_write_ha_state()


class SmscBalanceSensor(SmscEntity, CoordinatorEntity[Account], SensorEntity):
    """The account's balance, in the currency the HTTP API names."""

    _attr_translation_key = "balance"
    _attr_device_class = SensorDeviceClass.MONETARY

    def __init__(self, entry: SmscConfigEntry, account: Account) -> None:
        """Follow the account's coordinator."""
        SmscEntity.__init__(self, entry, "balance")
        CoordinatorEntity.__init__(self, account)

    @property
    def available(self) -> bool:
        """Unavailable while the HTTP API does not answer."""
        return super().available and self.coordinator.data is not None

    @property
    def native_value(self) -> float | None:
        """The balance."""
        data = self.coordinator.data
        return None if data is None else data.balance

    @property
    def native_unit_of_measurement(self) -> str | None:
        """The currency the API names."""
        data = self.coordinator.data
        return None if data is None else data.currency
