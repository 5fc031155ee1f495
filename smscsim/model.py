"""The simulator's shared types: what it records of SMPP and HTTP traffic, and the provider's
constants both sides use (its clock, the message types, the HLR result).

Both the SMPP side and the HTTP API import this module; it imports neither.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import datetime
from typing import Any

from . import text as textcodec
from .pdu import TLV_MESSAGE_PAYLOAD, Concat, SmBody
from .session import Session

# SMS Center's clock: Moscow time (UTC+3, no daylight saving)
PROVIDER_TZ = datetime.timezone(datetime.timedelta(hours=3))
HLR_RESULT = (
    "imsi:250011234567890 msc:79160000000 mcc:250 mnc:01 cn:Russia net:MTS%20PJSC rcn: rnet:"
)
# message type (TLV 0x2001 bits 0-3) by text prefix; order matters only for readability
CHANNEL_TYPES: tuple[tuple[str, int], ...] = (
    ("__HLR__", 4),
    ("__PING__", 5),
    ("__CALL__:", 7),
    ("__MAIL__:", 8),
    ("__VIBER__:", 10),
    ("__SOC__:", 12),
)


@dataclass(slots=True)
class Submit(SmBody):
    """One SUBMIT_SM as received (field names as in SMPP 3.4, short aliases as properties)."""

    system_id: str = ""
    sequence: int = 0
    udh: Concat | None = None
    message_id: str | None = None
    status: int | None = None  # SUBMIT_SM_RESP status sent; None: no response sent
    received_at: float = 0.0  # time.time()
    iso: bool = False  # the session had system_type ISO
    session_mode: str = ""

    @property
    def content(self) -> bytes:
        """short_message, or message_payload when short_message is empty (UDH included)."""
        return self.short_message or self.tlvs.get(TLV_MESSAGE_PAYLOAD, b"")

    @property
    def payload(self) -> bytes:
        """The user data without the UDH."""
        content = self.content
        if self.udh is not None and self.udh.header_len:
            return content[self.udh.header_len :]
        return content

    @property
    def text(self) -> str:
        """This part's text, decoded."""
        return textcodec.decode(self.payload, self.data_coding, iso=self.iso)

    @property
    def accepted(self) -> bool:
        """Accepted by the simulator (a message id was assigned)."""
        return self.message_id is not None

    # aliases
    @property
    def source(self) -> str:
        return self.source_addr

    @property
    def destination(self) -> str:
        return self.destination_addr

    @property
    def dest_addr(self) -> str:
        return self.destination_addr

    @property
    def source_ton(self) -> int:
        return self.source_addr_ton

    @property
    def source_npi(self) -> int:
        return self.source_addr_npi

    @property
    def destination_ton(self) -> int:
        return self.dest_addr_ton

    @property
    def destination_npi(self) -> int:
        return self.dest_addr_npi

    @property
    def schedule(self) -> str:
        return self.schedule_delivery_time

    @property
    def validity(self) -> str:
        return self.validity_period


@dataclass(slots=True)
class BindAttempt:
    """One bind request and its outcome."""

    system_id: str
    password_ok: bool
    mode: str  # "transceiver" / "receiver" / "transmitter"
    system_type: str
    status: int
    interface_version: int = 0
    tls: bool = False
    peer: Any = None
    at: float = 0.0


@dataclass(slots=True)
class Message:
    """An accepted message: one SUBMIT_SM, or the concatenated parts of a long one."""

    system_id: str
    source: str
    destination: str
    data_coding: int
    total: int
    message_id: str
    iso: bool = False
    ref: int | None = None
    ref16: bool = False
    message_ids: list[str] = field(default_factory=list)
    by_seq: dict[int, Submit] = field(default_factory=dict)
    # sent over the HTTP API: the text as the same message over SMPP would read
    # (``__CALL__: ...``), and the parts the provider counted
    http_text: str | None = None

    @property
    def via(self) -> str:
        """The way the message came in: "smpp" or "http"."""
        return "smpp" if self.http_text is None else "http"

    @property
    def parts(self) -> list[Submit]:
        """The parts received, ordered by part number (none for a message sent over HTTP)."""
        return [self.by_seq[seq] for seq in sorted(self.by_seq)]

    @property
    def complete(self) -> bool:
        return self.http_text is not None or len(self.by_seq) >= self.total

    @property
    def payload(self) -> bytes:
        """User data of all parts received, in part order, UDH removed."""
        return b"".join(part.payload for part in self.parts)

    @property
    def text(self) -> str:
        if self.http_text is not None:
            return self.http_text
        return textcodec.decode(self.payload, self.data_coding, iso=self.iso)

    @property
    def kind(self) -> int:
        """Message type (TLV 0x2001): 0 SMS, 4 HLR, 5 Ping, 7 call, 8 mail, 10 Viber, 12 social."""
        return message_kind(self.text)

    def as_dict(self) -> dict[str, Any]:
        return {
            "system_id": self.system_id,
            "source": self.source,
            "destination": self.destination,
            "data_coding": self.data_coding,
            "message_id": self.message_id,
            "message_ids": list(self.message_ids),
            "parts": self.total if self.http_text is not None else len(self.by_seq),
            "total": self.total,
            "complete": self.complete,
            "text": self.text,
            "via": self.via,
        }


def message_kind(text: str) -> int:
    """Message type code from the channel prefix of the text."""
    if text.startswith("__"):
        for prefix, kind in CHANNEL_TYPES:
            if text.startswith(prefix):
                return kind
    return 0


@dataclass(slots=True)
class MessageRecord:
    """What the simulator knows about a message id (QUERY_SM, receipts)."""

    message_id: str
    system_id: str
    source: str
    destination: str
    submitted_at: float
    parts: int
    message: Message
    session: Session | None
    registered_delivery: int = 0
    state: int = 1  # ENROUTE
    error: int = 0
    final_date: str = ""
    receipts_sent: int = 0
    stat: str = "ENROUTE"  # the latest status, as a receipt's stat
    changed_at: float = 0.0  # time.time() of the latest status (0: none yet)
    cost: float = 0.0  # what the HTTP API charged for it (per recipient)
