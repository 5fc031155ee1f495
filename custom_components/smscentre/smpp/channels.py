"""Channels of SMS Center: the short_message text of each, and its recipients."""

from __future__ import annotations

import re

from .errors import InvalidInput

_PHONE_CHARS = re.compile(r"[\s().\-]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# destination_addr is a C-octet string of at most 21 octets in SMPP 3.4.
MAX_EMAIL_LENGTH = 20
MIN_PHONE_DIGITS = 10
MAX_PHONE_DIGITS = 15


def normalize_phone(raw: str) -> str:
    """Return international digits ("+7 (999) 123-45-67" -> "79991234567").

    A Russian trunk-prefixed number (11 digits starting with 8) is read as +7, the way the
    provider reads it.
    """
    text = _PHONE_CHARS.sub("", str(raw).strip())
    text = text.removeprefix("+")
    if not text.isascii() or not text.isdigit():
        raise InvalidInput("invalid_phone", phone=raw)
    if len(text) == 11 and text.startswith("8"):
        text = "7" + text[1:]
    if not MIN_PHONE_DIGITS <= len(text) <= MAX_PHONE_DIGITS or text.startswith("0"):
        raise InvalidInput("invalid_phone", phone=raw)
    return text


def normalize_email(raw: str) -> str:
    """Return the address, checked to fit SMPP's destination_addr."""
    text = str(raw).strip()
    if not text.isascii() or not _EMAIL.match(text):
        raise InvalidInput("invalid_email", email=raw)
    if len(text) > MAX_EMAIL_LENGTH:
        raise InvalidInput("email_too_long", email=raw, max=MAX_EMAIL_LENGTH)
    return text
