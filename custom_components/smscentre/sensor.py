"""Queued, sent and failed message counters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.sensor import (
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .counters import Counters, signal_counters
from .entity import SmscEntity
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


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmscConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the counters."""
    async_add_entities(SmscCounterSensor(entry, description) for description in SENSORS)


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
