"""What each kind of the provider's HTTP handler requests must look like.

The provider signs plain ``:``-joins (``id:phone:status``, ``phone:mes:to``, ``phone:ts``) and
the kind is read from which fields are present, so one signature can be re-posted as another
kind: a status's ``100001:79991234567:1`` as ``{phone=100001, mes=79991234567, to=1}``, an
incoming SMS's as ``{phone, ts="mes:to", waitcall=1}``. Checking each kind's shape closes that:
its signed fields must have the form that kind gives them, and no field that belongs only to
another kind may come along. Then no signed string of one kind can be split into a valid
request of another (docs/SECURITY.md shows why, kind by kind).
"""

from __future__ import annotations

from collections.abc import Mapping
import re
from typing import Final

from .callback import Kind

# The fields the provider documents for each kind (page 002); the URL's own parameters are
# echoed too, so fields outside all three sets (fmt, charset, md5...) are allowed anywhere.
STATUS_FIELDS: Final = frozenset(
    {
        "id", "phone", "status", "time", "ts", "err", "syserr", "cnt", "type", "cost", "flag",
        "sender", "dtmf", "cmt", "imsi", "msc", "mcc", "mnc", "cn", "net", "rcn", "rnet",
        "calltime", "callmenu", "ringtime",
    }
)  # fmt: skip
INCOMING_FIELDS: Final = frozenset({"id", "sms_id", "phone", "mes", "to", "smsc", "sent", "time"})
CALL_FIELDS: Final = frozenset({"waitcall", "phone", "ts"})
FIELDS: Final[dict[Kind, frozenset[str]]] = {
    "status": STATUS_FIELDS,
    "incoming": INCOMING_FIELDS,
    "call": CALL_FIELDS,
}
_KNOWN: Final = STATUS_FIELDS | INCOMING_FIELDS | CALL_FIELDS

# A subscriber's number: 3 (short codes) to 15 digits (E.164), an optional "+".
_PHONE = re.compile(r"\+?[0-9]{3,15}")
# The provider's message ids are numbers; SMPP-style ids are short printable words.
_MESSAGE_ID = re.compile(r"[0-9A-Za-z_\-]{1,64}")
# The provider's statuses are -3..25; room for more, never a phone number.
_STATUS = re.compile(r"-?[0-9]{1,3}")
_EMAIL = re.compile(r"[^@\s:]+@[^@\s:]+\.[^@\s:]+")
# An incoming SMS's recipient: a number (the dedicated number, 10 to 15 digits) or a sender
# id (up to 11 Latin letters, digits, spaces and ._-, with a letter, as the account knows it)
_RECIPIENT_NUMBER = re.compile(r"\+?[0-9]{10,15}")
_SENDER_ID = re.compile(r"(?=.*[A-Za-z])[A-Za-z0-9 ._\-]{1,11}")
_EPOCH = re.compile(r"[1-9][0-9]{0,11}")


def _problem_status(fields: Mapping[str, str]) -> str | None:
    if not _MESSAGE_ID.fullmatch(fields.get("id", "").strip()):
        return "a status without a message id"
    phone = fields.get("phone", "").strip()
    if not (_PHONE.fullmatch(phone) or _EMAIL.fullmatch(phone)):
        return "a status without a phone number or e-mail address"
    if not _STATUS.fullmatch(fields.get("status", "").strip()):
        return "a status without a numeric status"
    return None


def _problem_incoming(fields: Mapping[str, str]) -> str | None:
    if not _PHONE.fullmatch(fields.get("phone", "").strip()):
        return "an incoming SMS without a phone number as sender"
    to = fields.get("to", "").strip()
    if not (_RECIPIENT_NUMBER.fullmatch(to) or _SENDER_ID.fullmatch(to)):
        return "an incoming SMS without a number or sender id as recipient"
    return None  # `mes` is present (that made it an incoming SMS); any text, even empty


def _problem_call(fields: Mapping[str, str]) -> str | None:
    if fields.get("waitcall", "").strip() != "1":
        return "a call confirmation without waitcall=1"
    if not _PHONE.fullmatch(fields.get("phone", "").strip()):
        return "a call confirmation without a phone number"
    if not _EPOCH.fullmatch(fields.get("ts", "").strip()):
        return "a call confirmation without a time stamp"
    return None


_CHECKS: Final = {"status": _problem_status, "incoming": _problem_incoming, "call": _problem_call}


def shape_problem(kind: Kind, fields: Mapping[str, str]) -> str | None:
    """What is wrong with a request of this kind, in words (no field values), or None."""
    foreign = sorted((_KNOWN - FIELDS[kind]) & fields.keys())
    if foreign:
        return f"a {kind} request with fields of another kind: {', '.join(foreign)}"
    return _CHECKS[kind](fields)
