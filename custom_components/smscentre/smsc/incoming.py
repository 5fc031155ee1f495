"""An incoming SMS, whichever way it came (SMPP or the HTTP callback)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
import hashlib
from typing import Any

from .text import clean_text


@dataclass(slots=True)
class IncomingMessage:
    """An SMS received from a subscriber (all its parts joined)."""

    sender: str
    recipient: str
    text: str
    parts: int
    received_at: datetime
    incomplete: bool = False
    message_id: str | None = None

    def __post_init__(self) -> None:
        """Whichever path built it (SMPP, the webhook, reassembly), its text can be saved."""
        self.sender = clean_text(self.sender)
        self.recipient = clean_text(self.recipient)
        self.text = clean_text(self.text)
        if self.message_id is not None:
            self.message_id = clean_text(self.message_id)

    def as_event_data(self) -> dict[str, Any]:
        """Data of the `smscentre_incoming_sms` event (the HA layer adds config_entry_id)."""
        return {
            "sender": self.sender,
            "recipient": self.recipient,
            "text": self.text,
            "received_at": self.received_at.isoformat(),
            "parts": self.parts,
            "incomplete": self.incomplete,
            "message_id": self.message_id,
        }


def text_digest(text: str) -> bytes:
    """A short fixed-size fingerprint of a text, for duplicate keys that hold no message text."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
