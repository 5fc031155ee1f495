"""The Last message sensor: the newest incoming SMS as a state a person can read.

Fed by the dispatcher's incoming signal, so an SMS over SMPP and one through the webhook look
alike. The state is the text, cut to what a state may hold (the whole text stays in the
event); the sender is shown as people write numbers. It is restored after a restart: the last
message is still there to read. Its text is recorded like any state; the sender is not (the
`smscentre_incoming_sms` event keeps it): see the README's "What is stored".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Self

from homeassistant.components.sensor import SensorEntity
from homeassistant.const import MAX_LENGTH_STATE_STATE
from homeassistant.core import callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.restore_state import ExtraStoredData, RestoreEntity

from .dispatch import signal_incoming
from .entity import SmscEntity
from .runtime import SmscConfigEntry
from .smsc.channels import format_phone
from .smsc.shorten import cut

ATTR_SENDER = "sender"
ATTR_RECEIVED_AT = "received_at"
ATTR_PARTS = "parts"


@dataclass(frozen=True, slots=True)
class LastMessage(ExtraStoredData):
    """What the sensor shows, and keeps across a restart."""

    text: str  # as shown: cut to a state's length
    sender: str  # as received: digits, or a sender name
    received_at: datetime
    parts: int

    @classmethod
    def from_event(cls, data: dict[str, Any]) -> Self:
        """From the data of an `smscentre_incoming_sms` event."""
        return cls(
            text=cut(data["text"], MAX_LENGTH_STATE_STATE),
            sender=data["sender"],
            received_at=datetime.fromisoformat(data["received_at"]),
            parts=data["parts"],
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self | None:
        """From what ``as_dict`` stored; None for anything else (nothing is restored)."""
        try:
            return cls(
                text=cut(str(data["text"]), MAX_LENGTH_STATE_STATE),
                sender=str(data["sender"]),
                received_at=datetime.fromisoformat(data["received_at"]),
                parts=int(data["parts"]),
            )
        except (KeyError, TypeError, ValueError):
            return None

    def as_dict(self) -> dict[str, Any]:
        """JSON for the restore-state store."""
        return {
            "text": self.text,
            "sender": self.sender,
            "received_at": self.received_at.isoformat(),
            "parts": self.parts,
        }


class SmscLastMessageSensor(SmscEntity, SensorEntity, RestoreEntity):
    """The newest incoming SMS: its text as the state; sender, time and parts as attributes."""

    _attr_translation_key = "last_message"
    # The text is the state and so recorded; the number stays out, as in the event entities.
    _unrecorded_attributes = frozenset({ATTR_SENDER})

    def __init__(self, entry: SmscConfigEntry) -> None:
        """Keyed `last_message` on the account's device; empty until an SMS comes."""
        super().__init__(entry, "last_message")
        self._message: LastMessage | None = None

    @property
    def native_value(self) -> str | None:
        """The text, cut to 255 characters."""
        return None if self._message is None else self._message.text

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Who wrote it (as people write numbers), when it came, in how many parts."""
        if (message := self._message) is None:
            return None
        return {
            ATTR_SENDER: format_phone(message.sender),
            ATTR_RECEIVED_AT: message.received_at,
            ATTR_PARTS: message.parts,
        }

    @property
    def extra_restore_state_data(self) -> LastMessage | None:
        """The message, kept for the next start."""
        return self._message

    async def async_added_to_hass(self) -> None:
        """Show the message from before the restart; follow incoming SMS."""
        await super().async_added_to_hass()
        if (stored := await self.async_get_last_extra_data()) is not None:
            self._message = LastMessage.from_dict(stored.as_dict())
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass, signal_incoming(self.entry.entry_id), self._incoming
            )
        )

    @callback
    def _incoming(self, data: dict[str, Any]) -> None:
        self._message = LastMessage.from_event(data)
        self.async_write_ha_state()
