"""Event entities: incoming messages and delivery reports of the account.

Fed by the same dispatcher signals as the bus events (``dispatch.Dispatcher``), so SMPP and
webhook deliveries look alike. Phone numbers and message text are state attributes for
automations (`trigger.to_state.attributes.text`) but are kept out of the recorder: the bus
event already stores them once (the README's "What is stored"). The logbook shows of these
entities only the event type; who wrote what is its line for the bus event (logbook.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.const import ATTR_CONFIG_ENTRY_ID
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .compat import EventEntity
from .dispatch import signal_incoming, signal_report
from .entity import SmscEntity
from .runtime import SmscConfigEntry
from .smsc.reports import EVENT_TYPES

PARALLEL_UPDATES = 0

EVENT_TYPE_SMS = "sms"
REPORT_EVENT_TYPES = list(EVENT_TYPES)
# Who wrote, to whom, and what: for automations, never for the database.
PRIVATE_ATTRIBUTES = frozenset(
    {"sender", "recipient", "phone", "text", "local_id", "reply_to", "part_reports"}
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmscConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """One entity of each kind on the account's device."""
    async_add_entities([SmscIncomingMessageEvent(entry), SmscDeliveryReportEvent(entry)])


class _SmscEvent(SmscEntity, EventEntity):
    """Triggers on one of the runtime's dispatcher signals."""

    _unrecorded_attributes = PRIVATE_ATTRIBUTES
    _signal: Callable[[str], str]

    async def async_added_to_hass(self) -> None:
        """Listen to the runtime."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(self.hass, self._signal(self.entry.entry_id), self._handle)
        )

    def _event_type(self, data: dict[str, Any]) -> str:
        return self._attr_event_types[0]

    @callback
    def _handle(self, data: dict[str, Any]) -> None:
        attributes = {k: v for k, v in data.items() if k != ATTR_CONFIG_ENTRY_ID}
        self._trigger_event(self._event_type(data), attributes)
        self.async_write_ha_state()


class SmscIncomingMessageEvent(_SmscEvent):
    """An SMS received from a subscriber."""

    _attr_translation_key = "incoming_message"
    _attr_event_types = [EVENT_TYPE_SMS]
    _signal = staticmethod(signal_incoming)

    def __init__(self, entry: SmscConfigEntry) -> None:
        """Keyed `incoming_message` on the account's device."""
        super().__init__(entry, "incoming_message")


class SmscDeliveryReportEvent(_SmscEvent):
    """A delivery status of a message sent from this account."""

    _attr_translation_key = "delivery_report"
    _attr_event_types = REPORT_EVENT_TYPES
    _signal = staticmethod(signal_report)

    def __init__(self, entry: SmscConfigEntry) -> None:
        """Keyed `delivery_report` on the account's device."""
        super().__init__(entry, "delivery_report")

    def _event_type(self, data: dict[str, Any]) -> str:
        status = data.get("status")
        return status if status in REPORT_EVENT_TYPES else "unknown"
