"""What the provider's HTTP handler posts, as the same objects the SMPP path makes.

SMS Center can POST each delivery status, incoming SMS and "number confirmation by call" to a
URL named in the account. ``kind_of`` tells them apart by the provider's own rule; ``to_report``,
``to_hlr`` and ``to_incoming`` read their fields tolerantly.

Numeric statuses (the provider's HTTP handler and status pages) map onto the delivery report
event types like this; the number itself is kept as `status_code` in the event data:

| code | provider's meaning | status | stat |
| --- | --- | --- | --- |
| -3 | message not found | unknown | UNKNOWN |
| -2 | stopped (mailing paused; may resume) | accepted | ENROUTE |
| -1 | waiting to be sent | accepted | ENROUTE |
| 0 | passed to the operator | accepted | ACCEPTD |
| 1 | delivered | delivered | DELIVRD |
| 2 | read (e-mail opened): implies delivered | delivered | DELIVRD |
| 3 | expired | expired | EXPIRED |
| 4 | link clicked (confirmed): implies delivered | delivered | DELIVRD |
| 20 | impossible to deliver | undeliverable | UNDELIV |
| 22 | wrong number (refused before sending) | rejected | REJECTD |
| 23 | prohibited (refused before sending) | rejected | REJECTD |
| 24 | insufficient funds (refused before sending) | rejected | REJECTD |
| 25 | unavailable number | undeliverable | UNDELIV |
| other | | unknown | UNKNOWN |
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Literal

from ..encoding import count_parts
from ..incoming import IncomingMessage
from ..reports import (
    ACCEPTED,
    DELIVERED,
    EXPIRED,
    MESSAGE_TYPE_HLR,
    MESSAGE_TYPES,
    PROVIDER_TZ,
    REJECTED,
    UNDELIVERABLE,
    UNKNOWN,
    DeliveryReport,
    HlrResult,
    error_text,
)

Kind = Literal["incoming", "status", "call"]

# provider status code -> (event type, SMPP stat word); see the module docstring
STATUS_CODES: Final[dict[int, tuple[str, str]]] = {
    -3: (UNKNOWN, "UNKNOWN"),
    -2: (ACCEPTED, "ENROUTE"),
    -1: (ACCEPTED, "ENROUTE"),
    0: (ACCEPTED, "ACCEPTD"),
    1: (DELIVERED, "DELIVRD"),
    2: (DELIVERED, "DELIVRD"),
    3: (EXPIRED, "EXPIRED"),
    4: (DELIVERED, "DELIVRD"),
    20: (UNDELIVERABLE, "UNDELIV"),
    22: (REJECTED, "REJECTD"),
    23: (REJECTED, "REJECTD"),
    24: (REJECTED, "REJECTD"),
    25: (UNDELIVERABLE, "UNDELIV"),
}
UNKNOWN_STATUS: Final = (UNKNOWN, "UNKNOWN")
MESSAGE_TYPE_CALL: Final = 7


def kind_of(fields: Mapping[str, str]) -> Kind:
    """The provider's own rule: `mes` -> incoming, `waitcall` -> call confirmation, else status."""
    if "mes" in fields:
        return "incoming"
    if "waitcall" in fields:
        return "call"
    return "status"


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


def stamp(value: str | None) -> datetime | None:
    """Epoch seconds -> aware UTC datetime."""
    number = _int(value)
    if number is None or number <= 0:
        return None
    try:
        return datetime.fromtimestamp(number, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _status_time(value: str | None) -> datetime | None:
    """`DD.MM.YY hh:mm:ss` in the provider's zone."""
    if not value:
        return None
    try:
        return datetime.strptime(value.strip(), "%d.%m.%y %H:%M:%S").replace(tzinfo=PROVIDER_TZ)
    except ValueError:
        return None


def _message_type(fields: Mapping[str, str]) -> int | None:
    if (value := _int(fields.get("type"))) is not None:
        return value
    if (flag := _int(fields.get("flag"))) is not None:
        return flag & 0x0F
    return None


def _text(fields: Mapping[str, str], name: str) -> str | None:
    value = fields.get(name)
    return value.strip() or None if value is not None else None


def _status(fields: Mapping[str, str]) -> tuple[int | None, str, str]:
    code = _int(fields.get("status"))
    status, stat = STATUS_CODES.get(code, UNKNOWN_STATUS) if code is not None else UNKNOWN_STATUS
    return code, status, stat


@dataclass(slots=True)
class WebhookReport(DeliveryReport):
    """A delivery report from the HTTP handler: adds the provider's numeric status."""

    status_code: int | None = None

    def as_event_data(self) -> dict[str, Any]:
        """The SMPP path's fields plus `status_code`."""
        return DeliveryReport.as_event_data(self) | {"status_code": self.status_code}


@dataclass(slots=True)
class WebhookIncoming(IncomingMessage):
    """An incoming SMS from the HTTP handler: adds the id of the message it answers."""

    reply_to: str | None = None

    def as_event_data(self) -> dict[str, Any]:
        """The SMPP path's fields plus `reply_to` (the provider's `sms_id`)."""
        return IncomingMessage.as_event_data(self) | {"reply_to": self.reply_to}


def is_hlr(fields: Mapping[str, str]) -> bool:
    """A status of an `__HLR__` request: type 4, or HLR fields present."""
    return _message_type(fields) == MESSAGE_TYPE_HLR or "imsi" in fields or "mcc" in fields


def to_report(fields: Mapping[str, str]) -> WebhookReport:
    """A status request as the DeliveryReport the SMPP path makes."""
    code, status, stat = _status(fields)
    error_code = _int(fields.get("err"))
    message_type = _message_type(fields)
    count = _int(fields.get("cnt"))
    return WebhookReport(
        message_id=(fields.get("id") or "").strip(),
        stat=stat,
        status=status,
        error_code=error_code,
        error=error_text(error_code),
        done_at=stamp(fields.get("ts")) or _status_time(fields.get("time")),
        cost=_text(fields, "cost"),
        message_type=None if message_type is None else MESSAGE_TYPES.get(message_type),
        # cnt is the number of parts, or the call's length in seconds for a call
        parts=count if message_type != MESSAGE_TYPE_CALL else None,
        recipient=_text(fields, "phone"),
        status_code=code,
    )


def to_hlr(fields: Mapping[str, str]) -> HlrResult:
    """A status request of an HLR lookup as the HlrResult the SMPP path makes."""
    _code, status, stat = _status(fields)
    error_code = _int(fields.get("err"))
    return HlrResult(
        message_id=(fields.get("id") or "").strip(),
        status=status,
        stat=stat,
        error_code=error_code,
        error=error_text(error_code),
        imsi=_text(fields, "imsi"),
        msc=_text(fields, "msc"),
        mcc=_text(fields, "mcc"),
        mnc=_text(fields, "mnc"),
        country=_text(fields, "cn"),
        network=_text(fields, "net"),
        roaming_country=_text(fields, "rcn"),
        roaming_network=_text(fields, "rnet"),
        phone=_text(fields, "phone"),
    )


def _parts(text: str) -> int:
    try:
        return count_parts(text)[1]
    except Exception:  # an estimate only: never fail an incoming SMS on it
        return 1


def to_incoming(fields: Mapping[str, str], *, now: datetime) -> WebhookIncoming:
    """An incoming-SMS request as the IncomingMessage the SMPP path makes."""
    text = fields.get("mes", "")
    return WebhookIncoming(
        sender=(fields.get("phone") or "").strip(),
        recipient=(fields.get("to") or "").strip(),
        text=text,
        parts=_parts(text),
        received_at=stamp(fields.get("time")) or stamp(fields.get("sent")) or now,
        message_id=_text(fields, "id"),
        reply_to=_text(fields, "sms_id"),
    )
