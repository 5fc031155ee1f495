"""Channels of SMS Center: the short_message text of each, and its recipients.

Every channel goes through SUBMIT_SM; the provider picks it by a prefix of the text
(``__CALL__: ...``, ``__HLR__``...). ``compose`` builds that text from an action's fields and
refuses, with a translation key, anything that would be sent differently from what the user
asked: an SMS that starts like another channel's prefix, a text with the comment separator
in it, control characters, a voice the provider does not know.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from enum import StrEnum
import re
from typing import Any
import unicodedata

from .encoding import describe_characters
from .errors import InvalidInput


class Channel(StrEnum):
    """What the provider does with a message."""

    SMS = "sms"
    CALL = "call"
    TELEGRAM_CODE = "telegram_code"
    BOT = "bot"
    VIBER = "viber"
    SOCIAL = "social"
    EMAIL = "email"
    HLR = "hlr"
    PING = "ping"


# Text-to-speech voices of voice calls (from the HTTP docs, not confirmed for SMPP): edit here.
VOICES: tuple[str, ...] = ("m", "m2", "m3", "m4", "w", "w2", "w3", "w4")
DEFAULT_VOICE = "w"

# What follows this is a comment: not sent to the subscriber, shown in the account's history.
# In a voice call it carries the call's ``param``.
COMMENT_SEPARATOR = "\n~~~\n"

# destination_addr is a C-octet string of at most 21 octets in SMPP 3.4: an address longer
# than this goes over the HTTP API (where one is set up) or not at all.
MAX_EMAIL_LENGTH = 20
# The longest address SMTP carries (RFC 5321: a path of 256 octets, its brackets included).
MAX_EMAIL_ADDRESS = 254
MIN_PHONE_DIGITS = 10
MAX_PHONE_DIGITS = 15
MAX_SENDER_ALPHA_LENGTH = 11
MAX_SENDER_DIGITS_LENGTH = 15
# Recipients of one action. Preparing a message costs about 5 µs per recipient in the event
# loop (100,000 recipients held it 0.6 s): 1,000 keep one action near 5 ms, and a mailing
# list larger than that belongs in the provider's own mailing tools, not in one action.
MAX_RECIPIENTS = 1000

_PHONE_CHARS = re.compile(r"[\s().\-]")
_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z0-9-]*[A-Za-z]"
)
_RECIPIENT_SEPARATORS = re.compile(r"[,;\n]")
# Control characters other than tab, LF and CR; C1 controls; lone surrogates.
_BAD_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# Any "__WORD__" at the start: the provider's channel prefixes and whatever it may add.
_CHANNEL_PREFIX = re.compile(r"\s*__[A-Za-z0-9_]*[A-Za-z0-9][A-Za-z0-9_]*__")
# What may stand, unseen, in front of a prefix: invisible format characters (U+FEFF, U+200B,
# U+2060...), combining marks and variation selectors, every kind of space and line break,
# controls, and the Hangul fillers that render as nothing.
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Cc", "Mn", "Me", "Zs", "Zl", "Zp"})
_FILLERS = frozenset("\u115f\u1160\u3164\uffa0")
# ASCII's invisible characters as ``_visible`` drops them: the controls but tab
_ASCII_INVISIBLE = dict.fromkeys(
    ch for ch in range(0x80) if (ch < 0x20 and ch != 0x09) or ch == 0x7F
)
_SEPARATOR_LINE = "~~~"
_SENDER_DIGITS = re.compile(rf"\+?([0-9]{{1,{MAX_SENDER_DIGITS_LENGTH}}})")
_SENDER_ALPHA = re.compile(rf"[A-Za-z0-9 ._\-]{{1,{MAX_SENDER_ALPHA_LENGTH}}}")
_TELEGRAM_CODE = re.compile(r"[0-9]{4,8}")
_TELEGRAM_BOT = re.compile(r"@[A-Za-z0-9_]{5,32}")
_WHATSAPP_PREFIX = "wa:"


def normalize_phone(raw: str) -> str:
    """Return international digits ("+7 (999) 123-45-67" -> "79991234567").

    Spaces, brackets, dashes, dots and one leading ``+`` are dropped; 10 to 15 digits remain.
    A Russian trunk-prefixed number (11 digits starting with 8, written without ``+``) is
    read as +7, the way the provider reads it; "+886..." (Taiwan) stays as written.
    """
    text = _PHONE_CHARS.sub("", str(raw).strip())
    international = text.startswith("+")
    text = text.removeprefix("+")
    if not text.isascii() or not text.isdigit():
        raise InvalidInput("invalid_phone", phone=raw)
    if not international and len(text) == 11 and text.startswith("8"):
        text = "7" + text[1:]
    if not MIN_PHONE_DIGITS <= len(text) <= MAX_PHONE_DIGITS or text.startswith("0"):
        raise InvalidInput("invalid_phone", phone=raw)
    return text


def format_phone(number: str) -> str:
    """Return a number as people write it ("79990000001" -> "+7 999 000-00-01").

    What ``normalize_phone`` reads as a phone number gets its "+"; a +7 number (Russia,
    Kazakhstan) is grouped the way people there write it, others stay whole (grouping them
    needs each country's numbering plan). Anything else, a sender name or a short code such
    as "900", is returned as it came. For people only: events and automations keep digits.
    """
    try:
        digits = normalize_phone(number)
    except InvalidInput:
        return number
    if len(digits) == 11 and digits.startswith("7"):
        return f"+7 {digits[1:4]} {digits[4:7]}-{digits[7:9]}-{digits[9:]}"
    return f"+{digits}"


def normalize_email(raw: str, *, over_http: bool = False) -> str:
    """Return the address (domain in lower case), checked to fit SMPP's destination_addr
    unless ``over_http`` (the HTTP API carries what SMPP cannot: see ``smpp_carries``)."""
    text = str(raw).strip()
    if not text.isascii() or len(text) > MAX_EMAIL_ADDRESS or not _EMAIL.fullmatch(text):
        raise InvalidInput("invalid_email", email=raw)
    local, _, domain = text.rpartition("@")
    text = f"{local}@{domain.lower()}"
    if not over_http and not smpp_carries(text):
        raise InvalidInput("email_too_long", email=raw, max=MAX_EMAIL_LENGTH)
    return text


def smpp_carries(recipient: str) -> bool:
    """Whether SMPP can carry a message to ``recipient``: its destination_addr holds 20
    characters. Any other message goes over the HTTP API or waits for it."""
    return len(recipient) <= MAX_EMAIL_LENGTH


def _channel(channel: Channel | str) -> Channel:
    try:
        return Channel(channel)
    except ValueError:
        raise InvalidInput(
            "invalid_channel", channel=channel, channels=", ".join(Channel)
        ) from None


def normalize_recipient(channel: Channel, raw: str, *, email_over_http: bool = False) -> str:
    """Return the destination_addr of one recipient: an e-mail address or a phone number
    (``email_over_http``: an address too long for SMPP is taken, for the HTTP API)."""
    if _channel(channel) is Channel.EMAIL:
        return normalize_email(raw, over_http=email_over_http)
    return normalize_phone(raw)


def split_recipients(raws: object) -> list[str]:
    """The recipients as written, one each: from a list, or from one string separated by
    commas, semicolons or line breaks (list items may be such strings too); a lone number
    (from YAML) counts as one. Empty items are dropped; nothing is validated."""
    if raws is None:
        items: Iterable[object] = ()
    elif isinstance(raws, str) or not isinstance(raws, Iterable):
        items = (raws,)
    else:
        items = raws
    result: list[str] = []
    for item in items:
        if item is None:
            continue
        result.extend(raw.strip() for raw in _RECIPIENT_SEPARATORS.split(str(item)) if raw.strip())
    return result


def normalize_recipients(
    channel: Channel | str, raws: object, *, email_over_http: bool = False
) -> list[str]:
    """Return the distinct recipients, in order (written as ``split_recipients`` reads them;
    ``email_over_http`` as for ``normalize_recipient``).

    Raises ``no_recipients`` when none is given, ``too_many_recipients`` beyond
    ``MAX_RECIPIENTS`` (counted as written, before any is checked), or the first
    recipient's error.
    """
    channel = _channel(channel)
    written = split_recipients(raws)
    if len(written) > MAX_RECIPIENTS:
        raise InvalidInput("too_many_recipients", max=MAX_RECIPIENTS, count=len(written))
    result = dict.fromkeys(
        normalize_recipient(channel, raw, email_over_http=email_over_http) for raw in written
    )
    if not result:
        raise InvalidInput("no_recipients")
    return list(result)


def unique_phones(raws: object) -> tuple[list[str], list[str]]:
    """(the distinct phone numbers, in order; the items that are not phone numbers)."""
    numbers: dict[str, None] = {}
    invalid: list[str] = []
    for raw in split_recipients(raws):
        try:
            numbers[normalize_phone(raw)] = None
        except InvalidInput:
            invalid.append(raw)
    return list(numbers), invalid


def normalize_sender(value: str | None) -> str | None:
    """The sender id as sent (digits without "+"), None when empty; raises if unfit.

    Up to 15 digits (a number), or up to 11 Latin letters, digits, spaces and ``._-``.
    """
    sender = (value or "").strip()
    if not sender:
        return None
    if digits := _SENDER_DIGITS.fullmatch(sender):
        return digits.group(1)
    if _SENDER_ALPHA.fullmatch(sender):
        return sender
    raise InvalidInput(
        "invalid_sender",
        sender=sender,
        max_alpha=MAX_SENDER_ALPHA_LENGTH,
        max_digits=MAX_SENDER_DIGITS_LENGTH,
    )


# --- texts -----------------------------------------------------------------------------------


def _visible(text: str) -> str:
    """``text`` without invisible characters, in NFKC form: as a reader (or a lenient parser
    at the provider) may take it ("\\ufeff__HLR__" and fullwidth low lines read as "__HLR__")."""
    if text.isascii():
        # the common case, without a lookup per character: of ASCII, only the controls are
        # invisible (categories Cc; the space is Zs but kept), and NFKC changes nothing
        return text.translate(_ASCII_INVISIBLE)
    kept = "".join(
        ch
        for ch in text
        if (ch not in _FILLERS and unicodedata.category(ch) not in _INVISIBLE_CATEGORIES)
        or ch in " \t"
    )
    return unicodedata.normalize("NFKC", kept)


def _looks_like_channel(text: str) -> bool:
    """True when the text starts, once invisible characters are dropped, like "__WORD__"."""
    head = text[:64]  # a prefix is short: what follows cannot change the answer
    return bool(_CHANNEL_PREFIX.match(_visible(head).lstrip()))


def _has_separator_line(text: str) -> bool:
    """True when a line after the first is "~~~", whatever the line break (CR LF, CR, U+2028...)
    and whatever invisible characters or spaces surround it: the provider could read it as
    the comment separator."""
    return any(_visible(line).strip() == _SEPARATOR_LINE for line in text.splitlines()[1:])


def _string(value: object) -> str:
    return "" if value is None else str(value).strip()


def _check_characters(text: str) -> None:
    bad = _BAD_CHARACTERS.findall(text)
    if bad:
        raise InvalidInput("invalid_characters", characters=describe_characters("".join(bad)))


def _message(fields: Mapping[str, Any], *, reserved: str | None = None) -> str:
    """The ``message`` field: stripped, required, printable, no comment separator.

    ``reserved`` is the channel's own trailing key (``voice:``...): a line of the message
    (after the first, which follows the prefix) starting with it could be read as that key,
    so it is refused.
    """
    text = _string(fields.get("message"))
    if not text:
        raise InvalidInput("empty_message")
    _check_characters(text)
    # Ending in "\n~~~" would also merge with a following separator.
    if COMMENT_SEPARATOR in text + "\n" or _has_separator_line(text):
        raise InvalidInput("text_contains_comment_separator")
    if reserved is not None:
        for line in text.splitlines()[1:]:
            if line.lstrip().lower().startswith(reserved):
                raise InvalidInput("text_contains_reserved_line", prefix=reserved)
    return text


def _single_line(value: object, key: str) -> str:
    """An optional one-line field (subject, param): stripped, "" when absent."""
    text = _string(value)
    if "\n" in text or "\r" in text:
        raise InvalidInput(key)
    _check_characters(text)
    return text


def _voice(value: object) -> str:
    voice = _string(value).lower() or DEFAULT_VOICE
    if voice not in VOICES:
        raise InvalidInput("invalid_voice", voice=value, voices=", ".join(VOICES))
    return voice


def _telegram_code(value: object) -> str:
    code = "" if isinstance(value, bool) else _string(value)
    if not _TELEGRAM_CODE.fullmatch(code):
        raise InvalidInput("invalid_telegram_code", code=value)
    return code


def _bot(value: object) -> str:
    bot = _string(value)
    if _TELEGRAM_BOT.fullmatch(bot):
        return bot
    if bot[:3].lower() == _WHATSAPP_PREFIX:
        try:
            return _WHATSAPP_PREFIX + normalize_phone(bot[3:])
        except InvalidInput:
            pass
    raise InvalidInput("invalid_bot", bot=value)


def _compose_sms(fields: Mapping[str, Any]) -> str:
    text = _message(fields)
    if _looks_like_channel(text):
        raise InvalidInput("text_looks_like_channel")
    comment = _string(fields.get("comment"))
    if not comment:
        return text
    _check_characters(comment)
    return text + COMMENT_SEPARATOR + comment


def _compose_call(fields: Mapping[str, Any]) -> str:
    text = f"__CALL__: {_message(fields, reserved='voice:')}\nvoice:{_voice(fields.get('voice'))}"
    param = _single_line(fields.get("param"), "invalid_param")
    return text + COMMENT_SEPARATOR + param if param else text


def _compose_telegram_code(fields: Mapping[str, Any]) -> str:
    return f"__TGM__: {_telegram_code(fields.get('code'))}"


def _compose_bot(fields: Mapping[str, Any]) -> str:
    return f"__BOT__: {_message(fields, reserved='bot:')}\nbot:{_bot(fields.get('bot'))}"


def _compose_viber(fields: Mapping[str, Any]) -> str:
    return f"__VIBER__: {_message(fields)}"


def _compose_social(fields: Mapping[str, Any]) -> str:
    return f"__SOC__: {_message(fields)}"


def _compose_email(fields: Mapping[str, Any]) -> str:
    text = _message(fields, reserved="subj:")
    subject = _single_line(fields.get("subject"), "invalid_subject")
    if not subject:
        raise InvalidInput("invalid_subject")
    return f"__MAIL__: {text}\nsubj:{subject}"


_COMPOSERS: dict[Channel, Callable[[Mapping[str, Any]], str]] = {
    Channel.SMS: _compose_sms,
    Channel.CALL: _compose_call,
    Channel.TELEGRAM_CODE: _compose_telegram_code,
    Channel.BOT: _compose_bot,
    Channel.VIBER: _compose_viber,
    Channel.SOCIAL: _compose_social,
    Channel.EMAIL: _compose_email,
    Channel.HLR: lambda _fields: "__HLR__",
    Channel.PING: lambda _fields: "__PING__",
}


def compose(channel: Channel, fields: Mapping[str, Any]) -> str:
    """Return the short_message text of ``channel`` built from an action's fields.

    Fields: ``message`` (all but telegram_code, hlr, ping), ``comment`` (sms), ``voice`` and
    ``param`` (call), ``code`` (telegram_code), ``bot`` (bot), ``subject`` (email). Texts are
    stripped of surrounding whitespace. Raises ``InvalidInput``.
    """
    return _COMPOSERS[_channel(channel)](fields)
