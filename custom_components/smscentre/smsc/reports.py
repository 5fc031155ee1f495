"""Delivery reports and HLR results: the models, status and error tables, and the
provider's `key:value` receipt text (shared by the SMPP receipts and the HTTP callbacks).

Everything here is tolerant: a report the SMSC sends is a fact that already happened, so an
odd field never raises; it is kept raw and the parsed value is None.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
import re
from typing import Any
from urllib.parse import unquote_to_bytes

# The provider's dates carry no zone; its clock is Moscow time (UTC+3, no DST since 2014).
PROVIDER_TZ = timezone(timedelta(hours=3), "MSK")

DELIVERED = "delivered"
UNDELIVERABLE = "undeliverable"
EXPIRED = "expired"
REJECTED = "rejected"
DELETED = "deleted"
ACCEPTED = "accepted"
UNKNOWN = "unknown"
EVENT_TYPES: tuple[str, ...] = (
    DELIVERED,
    UNDELIVERABLE,
    EXPIRED,
    REJECTED,
    DELETED,
    ACCEPTED,
    UNKNOWN,
)
# Statuses after which nothing more will happen to a message.
FINAL_STATUSES = frozenset({DELIVERED, UNDELIVERABLE, EXPIRED, REJECTED, DELETED, UNKNOWN})

STAT_TO_STATUS: dict[str, str] = {
    "DELIVRD": DELIVERED,
    "UNDELIV": UNDELIVERABLE,
    "EXPIRED": EXPIRED,
    "REJECTD": REJECTED,
    "DELETED": DELETED,
    "ACCEPTD": ACCEPTED,
    "ENROUTE": ACCEPTED,
    "UNKNOWN": UNKNOWN,
}

# TLV message_state (SMPP 3.4 §5.2.28)
MESSAGE_STATE_TO_STATUS: dict[int, str] = {
    1: ACCEPTED,  # ENROUTE
    2: DELIVERED,
    3: EXPIRED,
    4: DELETED,
    5: UNDELIVERABLE,
    6: ACCEPTED,
    7: UNKNOWN,
    8: REJECTED,
}
MESSAGE_STATE_TO_STAT: dict[int, str] = {
    1: "ENROUTE",
    2: "DELIVRD",
    3: "EXPIRED",
    4: "DELETED",
    5: "UNDELIV",
    6: "ACCEPTD",
    7: "UNKNOWN",
    8: "REJECTD",
}

# `err` codes of the provider's statuses. 0-220 are confirmed on its SMPP error
# page; 240-255 come from its wider docs and may need correcting: keep them in this one table.
ERROR_TEXTS: dict[int, str] = {
    0: "No error",
    1: "Subscriber does not exist",
    6: "Subscriber is offline",
    11: "Service not connected",
    12: "Error in the subscriber's phone or SIM card",
    13: "Subscriber is blocked",
    21: "Service not supported",
    200: "Virtual sending (test mode)",
    219: "SIM card replaced (letter sender IDs blocked for 24 hours)",
    220: "Operator's queue for the subscriber overflowed",
    240: "Line busy",
    241: "Sound conversion error",
    242: "Answering machine",
    243: "No contract",
    244: "Mailings forbidden",
    245: "Status not received",
    246: "Time limit",
    247: "Message limit exceeded",
    248: "No route",
    249: "Invalid number format",
    250: "Number forbidden by settings",
    251: "Per-number limit exceeded",
    252: "Number forbidden",
    253: "Rejected by the spam filter",
    254: "Unregistered sender ID",
    255: "Rejected by the operator",
}

# Vendor TLV 0x2001, bits 0-3 (the provider's SMPP status page)
MESSAGE_TYPES: dict[int, str] = {
    0: "sms",
    1: "flash",
    2: "binary",
    3: "wap_push",
    4: "hlr",
    5: "ping",
    6: "mms",
    7: "call",
    8: "email",
    10: "viber",
    12: "social",
}
MESSAGE_TYPE_HLR = 4

# Statuses from best to worst: a folded multi-part report takes the worst of its parts.
STATUS_SEVERITY: dict[str, int] = {
    DELIVERED: 0,
    ACCEPTED: 1,
    UNKNOWN: 2,
    DELETED: 3,
    EXPIRED: 4,
    UNDELIVERABLE: 5,
    REJECTED: 6,
}

# A key starts the text or follows white space; "submit_date" and "submitdate" are seen too.
_FIELD = re.compile(
    r"(?<!\S)(id|sub|dlvrd|submit[ _]?date|done[ _]?date|stat|err|text|imsi|msc|mcc|mnc"
    r"|cn|net|rcn|rnet)[ \t]*:",
    re.IGNORECASE,
)
_DIGITS = re.compile(r"\d+")
_HEX = re.compile(r"[0-9A-Fa-f]+")


def now_utc() -> datetime:
    """The wall clock, aware, in UTC."""
    return datetime.now(UTC)


def error_text(code: int | None) -> str | None:
    """English text of a provider `err` code, None when unknown."""
    if code is None:
        return None
    return ERROR_TEXTS.get(code)


def status_for_stat(stat: str | None) -> str:
    """Event type of a receipt's `stat` word; anything unknown is "unknown"."""
    if not stat:
        return UNKNOWN
    return STAT_TO_STATUS.get(stat.strip().upper(), UNKNOWN)


def worst_status(statuses: list[str]) -> str:
    """The worst of several statuses ("unknown" when there are none)."""
    return max(statuses, key=lambda s: STATUS_SEVERITY.get(s, 2), default=UNKNOWN)


def parse_fields(text: str) -> dict[str, str]:
    """Split receipt text into its `key:value` fields, in any order.

    Keys are lower-cased with "submit date"/"done date" normalised; the first of a repeated key
    wins; `text:` runs to the end (it is last by convention and may hold anything).
    """
    fields: dict[str, str] = {}
    matches = list(_FIELD.finditer(text))
    for index, match in enumerate(matches):
        key = match.group(1).lower().replace("_", " ")
        if key in ("submitdate", "donedate"):
            key = key[:-4] + " date"
        if key == "text":
            fields.setdefault(key, text[match.end() :])
            break
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        value = text[match.end() : end].strip()
        fields.setdefault(key, value.split()[0] if value else "")
    return fields


def parse_error_code(value: str | None) -> int | None:
    """`err` as the provider writes it (three decimal digits) or in hex (`err:00B`)."""
    if not value:
        return None
    value = value.strip()
    if _DIGITS.fullmatch(value):
        return int(value)
    if _HEX.fullmatch(value):
        return int(value, 16)
    if value[:2].lower() == "0x" and _HEX.fullmatch(value[2:]):
        return int(value[2:], 16)
    return None


def _candidate(year: int, month: int, day: int, hour: int, minute: int, second: int) -> datetime:
    return datetime(2000 + year, month, day, hour, minute, second, tzinfo=PROVIDER_TZ)


def _absolute_time(text: str) -> datetime | None:
    """SMPP absolute time `YYMMDDhhmmsstnnp` (§7.1.1): nn quarter-hours from UTC, p + or -."""
    if len(text) != 16 or text[15] not in "+-" or not text[:15].isdigit():
        return None
    quarters = int(text[13:15])
    if quarters > 48:
        return None
    offset = timedelta(minutes=15 * quarters) * (1 if text[15] == "+" else -1)
    value = datetime(
        2000 + int(text[0:2]),
        int(text[2:4]),
        int(text[4:6]),
        int(text[6:8]),
        int(text[8:10]),
        int(text[10:12]),
        int(text[12]) * 100_000,
        tzinfo=timezone(offset),
    )
    return value.astimezone(PROVIDER_TZ)


def parse_smpp_date(text: str | None, *, now: datetime) -> datetime | None:
    """Read a receipt date: `yyMMddHHmm[ss]` (SMPP 3.4 appendix) or `ddMMyyHHmm[ss]`.

    The provider's own example (`1108202241`) is day-first, the standard is year-first: both
    are tried and the valid one closest to `now` wins. Also reads SMPP absolute time. The
    result is in the provider's zone (PROVIDER_TZ). Never raises; garbage gives None.
    """
    try:
        if not text:
            return None
        text = text.strip()
        if len(text) == 16:
            return _absolute_time(text)
        if len(text) not in (10, 12) or not text.isascii() or not text.isdigit():
            return None
        a, b, c, hour, minute = (int(text[i : i + 2]) for i in range(0, 10, 2))
        second = int(text[10:12]) if len(text) == 12 else 0
        if now.tzinfo is None:
            now = now.replace(tzinfo=UTC)
        candidates = []
        for year, month, day in ((a, b, c), (c, b, a)):
            try:
                candidates.append(_candidate(year, month, day, hour, minute, second))
            except ValueError:
                continue
        return min(candidates, key=lambda d: abs(d - now), default=None)
    except (ValueError, TypeError, OverflowError):
        return None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass(slots=True)
class DeliveryReport:
    """One delivery status (or several parts' statuses folded into one, see part_reports)."""

    message_id: str
    stat: str | None = None
    status: str = UNKNOWN
    error_code: int | None = None
    error: str | None = None
    submitted_at: datetime | None = None
    done_at: datetime | None = None
    sub: str | None = None
    dlvrd: str | None = None
    text: str = ""
    message_state: int | None = None
    network_error_code: str | None = None
    cost: str | None = None
    message_type: str | None = None
    parts: int | None = None
    extra_tlvs: dict[int, bytes] = field(default_factory=dict)
    recipient: str | None = None
    channel: str | None = None
    part_reports: list[DeliveryReport] = field(default_factory=list)

    def as_event_data(self) -> dict[str, Any]:
        """Data of the `smscentre_delivery_report` event (the HA layer adds config_entry_id)."""
        data: dict[str, Any] = {
            "message_id": self.message_id,
            "recipient": self.recipient,
            "status": self.status,
            "stat": self.stat,
            "error_code": self.error_code,
            "error": self.error,
            "submitted_at": _iso(self.submitted_at),
            "done_at": _iso(self.done_at),
            "parts": self.parts,
            "channel": self.channel or self.message_type,
            "cost": self.cost,
        }
        if self.part_reports:
            data["part_reports"] = [
                {
                    "message_id": part.message_id,
                    "status": part.status,
                    "stat": part.stat,
                    "error_code": part.error_code,
                    "error": part.error,
                    "done_at": _iso(part.done_at),
                }
                for part in self.part_reports
            ]
        return data


def sum_costs(costs: list[str | None]) -> str | None:
    """Total of several `n.nnnn` costs; None when any is missing or unreadable."""
    total = Decimal(0)
    for cost in costs:
        if cost is None:
            return None
        try:
            value = Decimal(cost)
        except InvalidOperation:
            return None
        if not value.is_finite():
            return None
        total += value
    return str(total)


@dataclass(slots=True)
class HlrResult:
    """The answer to an `__HLR__` request: the subscriber's network and roaming."""

    message_id: str
    status: str = UNKNOWN
    stat: str | None = None
    error_code: int | None = None
    error: str | None = None
    imsi: str | None = None
    msc: str | None = None
    mcc: str | None = None
    mnc: str | None = None
    country: str | None = None
    network: str | None = None
    roaming_country: str | None = None
    roaming_network: str | None = None
    phone: str | None = None
    text: str = ""

    def as_event_data(self) -> dict[str, Any]:
        """Data of the `smscentre_hlr_result` event (the HA layer adds config_entry_id)."""
        return {
            "message_id": self.message_id,
            "phone": self.phone,
            "status": self.status,
            "stat": self.stat,
            "error_code": self.error_code,
            "error": self.error,
            "imsi": self.imsi,
            "msc": self.msc,
            "mcc": self.mcc,
            "mnc": self.mnc,
            "country": self.country,
            "network": self.network,
            "roaming_country": self.roaming_country,
            "roaming_network": self.roaming_network,
        }


def url_decode(value: str | None) -> str | None:
    """Decode an urlencoded HLR value (`+` is a space); UTF-8, else Windows-1251.

    Empty gives None.
    """
    if not value:
        return None
    raw = unquote_to_bytes(value.replace("+", " "))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("cp1251", errors="replace")
    return text.strip() or None
