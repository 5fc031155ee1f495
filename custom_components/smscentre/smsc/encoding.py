"""Text encodings of SMPP short messages: choice, septet counting, concatenated parts.

Three encodings, as SMS Center numbers them (``data_coding = coding * 4``):

* GSM 03.38 default alphabet, 7-bit, ``data_coding`` 0. SMPP carries it *unpacked*: one
  septet per octet. The characters of the extension table (``€ [ ] { } \\ ^ ~ |`` and form
  feed) cost two septets: ESC (0x1B) followed by their code.
* ISO-8859-1, 8-bit, ``data_coding`` 4. Used instead of GSM when the account's
  ``system_type`` carries the ``ISO`` flag: coding 0 then means ISO-8859-1, so GSM septets
  must never be sent.
* UCS2, ``data_coding`` 8, really UTF-16BE: characters outside the BMP (emoji) are surrogate
  pairs of two 16-bit units.

A message longer than one SMS is split here (aiosmpplib's splitter counts characters, not
septets) into parts that each start with a 6-octet concatenation UDH
``05 00 03 <ref> <total> <seq>`` and are sent with esm_class 0x40 (UDHI). A part never ends
in the middle of an escape pair or of a surrogate pair; such a part is one unit shorter.

Everything here is table-driven (``str.translate``, codecs implemented in C): encoding a
160-character text takes a few microseconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
import re

from .errors import InvalidInput


class Encoding(StrEnum):
    """The alphabet of a short message."""

    GSM7 = "gsm7"
    LATIN1 = "latin1"
    UCS2 = "ucs2"


DATA_CODING: dict[Encoding, int] = {Encoding.GSM7: 0, Encoding.LATIN1: 4, Encoding.UCS2: 8}

ESM_CLASS_UDHI = 0x40
UDH_LENGTH = 6
MAX_UDH_PARTS = 255  # <total> is one octet

# Capacity of one part, in the encoding's units (septets / octets / UTF-16 code units).
SINGLE_LIMIT: dict[Encoding, int] = {Encoding.GSM7: 160, Encoding.LATIN1: 140, Encoding.UCS2: 70}
PART_LIMIT: dict[Encoding, int] = {Encoding.GSM7: 153, Encoding.LATIN1: 134, Encoding.UCS2: 67}

# GSM 03.38 (3GPP TS 23.038 §6.2.1) default alphabet, indexed by septet. 0x1B is ESC.
GSM_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)
GSM_ESCAPE = 0x1B
# Default alphabet extension table: character -> code that follows ESC.
GSM_EXTENSION: dict[str, int] = {
    "\f": 0x0A,
    "^": 0x14,
    "{": 0x28,
    "}": 0x29,
    "\\": 0x2F,
    "[": 0x3C,
    "~": 0x3D,
    "]": 0x3E,
    "|": 0x40,
    "€": 0x65,
}

# A character outside the alphabet is translated to itself if it is not ASCII, and to this
# non-ASCII marker if it is: after translation, "is the text GSM?" is ``str.isascii()``.
_NOT_GSM = "\x80"


def _build_gsm_tables() -> tuple[dict[int, str], dict[int, str], dict[str, str]]:
    encode: dict[int, str] = dict.fromkeys(range(128), _NOT_GSM)
    for septet, char in enumerate(GSM_BASIC):
        if septet != GSM_ESCAPE:
            encode[ord(char)] = chr(septet)
    for char, code in GSM_EXTENSION.items():
        encode[ord(char)] = chr(GSM_ESCAPE) + chr(code)
    # Decoding: octets read as Latin-1 characters 0x00-0xFF, translated to the alphabet.
    # Octets above 0x7F are not septets: the replacement character marks them.
    decode: dict[int, str] = dict(enumerate(GSM_BASIC))
    decode.update(dict.fromkeys(range(0x80, 0x100), "\ufffd"))
    extension = {chr(code): char for char, code in GSM_EXTENSION.items()}
    return encode, decode, extension


_GSM_ENCODE, _GSM_DECODE, _GSM_EXTENSION_DECODE = _build_gsm_tables()
_ESCAPE_PAIR = re.compile(r"\x1b(.?)", re.DOTALL)
_ESC = chr(GSM_ESCAPE)


@dataclass(frozen=True, slots=True)
class EncodedText:
    """A text ready for SUBMIT_SM: one ``short_message`` per part."""

    encoding: Encoding
    data_coding: int
    esm_class: int  # 0x40 (UDHI) when len(parts) > 1, else 0
    parts: tuple[bytes, ...]  # short_message octets of each SUBMIT_SM, UDH included


def gsm_septets(text: str) -> int | None:
    """Return how many septets ``text`` takes in the GSM alphabet, or None if it does not fit."""
    septets = text.translate(_GSM_ENCODE)
    return len(septets) if septets.isascii() else None


def _fits_latin1(text: str) -> bool:
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


def choose_encoding(text: str, *, iso: bool = False) -> Encoding:
    """Return the cheapest encoding that carries ``text`` unchanged.

    ``iso`` off: GSM7 when every character is in the GSM basic or extension table, else UCS2.
    ``iso`` on: LATIN1 when the text fits ISO-8859-1, else UCS2.
    """
    if iso:
        return Encoding.LATIN1 if _fits_latin1(text) else Encoding.UCS2
    return Encoding.GSM7 if text.translate(_GSM_ENCODE).isascii() else Encoding.UCS2


def describe_characters(chars: str) -> str:
    """``"U+D800, U+0007"``: the distinct characters, in order, at most five."""
    unique = list(dict.fromkeys(chars))
    shown = ", ".join(f"U+{ord(char):04X}" for char in unique[:5])
    return shown + (", …" if len(unique) > 5 else "")


def _lone_surrogates(text: str) -> str:
    return "".join(char for char in text if 0xD800 <= ord(char) <= 0xDFFF)


def _to_units(text: str, iso: bool) -> tuple[Encoding, bytes]:
    """Return the encoding and the message body (no UDH); raise for unusable text."""
    if not text:
        raise InvalidInput("empty_message")
    if iso:
        try:
            return Encoding.LATIN1, text.encode("latin-1")
        except UnicodeEncodeError:
            pass
    else:
        septets = text.translate(_GSM_ENCODE)
        if septets.isascii():
            return Encoding.GSM7, septets.encode("ascii")
    try:
        return Encoding.UCS2, text.encode("utf-16-be")
    except UnicodeEncodeError:
        # Only lone surrogates cannot be written in UTF-16.
        raise InvalidInput(
            "invalid_characters", characters=describe_characters(_lone_surrogates(text))
        ) from None


def _cuts(encoding: Encoding, body: bytes) -> list[int]:
    """Return the octet offsets where parts start, plus the end: ``[0, ..., len(body)]``."""
    if encoding is Encoding.UCS2:
        unit = 2
        # A high surrogate (D800-DBFF) must stay with the low surrogate that follows it.
        split_here: tuple[int, ...] = (0xD8, 0xD9, 0xDA, 0xDB)
    elif encoding is Encoding.GSM7:
        unit = 1
        # ESC never follows ESC in our output: an ESC at the end of a part is a pair's first half.
        split_here = (GSM_ESCAPE,)
    else:
        unit = 1
        split_here = ()
    length = len(body)
    if length <= SINGLE_LIMIT[encoding] * unit:
        return [0, length]
    step = PART_LIMIT[encoding] * unit
    cuts = [0]
    start = 0
    while length - start > step:
        end = start + step
        if body[end - unit] in split_here:
            end -= unit
        cuts.append(end)
        start = end
    cuts.append(length)
    return cuts


def _check_parts(count: int, max_parts: int | None) -> None:
    limit = MAX_UDH_PARTS if max_parts is None else min(max_parts, MAX_UDH_PARTS)
    if count > limit:
        raise InvalidInput("too_many_parts", parts=count, max_parts=limit)


def encode_text(
    text: str, *, iso: bool = False, reference: int = 0, max_parts: int | None = None
) -> EncodedText:
    """Encode ``text`` as the short_message of one or more SUBMIT_SMs.

    ``reference`` is the concatenation reference (its low octet is used); ``max_parts``
    caps the number of parts (a UDH can count at most 255). Raises ``InvalidInput`` with
    ``empty_message``, ``invalid_characters`` (lone surrogates) or ``too_many_parts``.
    """
    encoding, body = _to_units(text, iso)
    cuts = _cuts(encoding, body)
    total = len(cuts) - 1
    _check_parts(total, max_parts)
    if total == 1:
        return EncodedText(encoding, DATA_CODING[encoding], 0, (body,))
    ref = reference & 0xFF
    parts = tuple(
        bytes((5, 0, 3, ref, total, seq)) + body[cuts[seq - 1] : cuts[seq]]
        for seq in range(1, total + 1)
    )
    return EncodedText(encoding, DATA_CODING[encoding], ESM_CLASS_UDHI, parts)


def count_parts(text: str, *, iso: bool = False) -> tuple[Encoding, int]:
    """Return the encoding and the number of parts ``encode_text`` would produce.

    Raises ``InvalidInput`` like ``encode_text`` (``empty_message``, ``invalid_characters``)
    but never ``too_many_parts``.
    """
    encoding, body = _to_units(text, iso)
    return encoding, len(_cuts(encoding, body)) - 1


def _decode_gsm(data: bytes) -> str:
    raw = data.decode("latin-1")
    if _ESC not in raw:
        return raw.translate(_GSM_DECODE)
    out: list[str] = []
    position = 0
    for match in _ESCAPE_PAIR.finditer(raw):
        out.append(raw[position : match.start()].translate(_GSM_DECODE))
        code = match.group(1)
        if code in _GSM_EXTENSION_DECODE:
            out.append(_GSM_EXTENSION_DECODE[code])
        elif code in {"", _ESC}:
            # A trailing ESC, or ESC ESC (reserved for another table): shown as a space.
            out.append(" ")
        else:
            # TS 23.038: an unknown extension code shows the default alphabet's character.
            out.append(code.translate(_GSM_DECODE))
        position = match.end()
    out.append(raw[position:].translate(_GSM_DECODE))
    return "".join(out)


def _decode_utf16(data: bytes) -> str:
    return data.decode("utf-16-be", errors="replace")


def decode_text(data: bytes, data_coding: int, *, iso: bool = False) -> str:
    """Decode a received short_message (UDH already removed); never raises.

    0 -> GSM 03.38 unpacked (ISO-8859-1 when ``iso``), 1 (IA5/ASCII), 3 and 4 -> ISO-8859-1,
    8 -> UTF-16BE (odd length and lone surrogates become U+FFFD). The GSM 03.38 coding
    groups with a message class (0x10-0x1B, 0xF0-0xF7, e.g. flash SMS) are read by their
    alphabet bits. Anything else -> ISO-8859-1, which decodes every octet.
    """
    data = bytes(data)
    if 0x10 <= data_coding <= 0x1F or 0xF0 <= data_coding <= 0xFF:
        # General data coding with message class, or "data coding / message class" group.
        alphabet = (data_coding >> 2) & 0x03
        if data_coding >= 0xF0:
            alphabet &= 0x01
        data_coding = (0, 4, 8, 4)[alphabet]
    if data_coding == 0:
        return data.decode("latin-1") if iso else _decode_gsm(data)
    if data_coding == 8:
        return _decode_utf16(data)
    return data.decode("latin-1")
