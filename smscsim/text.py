"""Text codecs the simulator needs: GSM 03.38 (unpacked), ISO-8859-1, UCS2."""

from __future__ import annotations

GSM_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
assert len(GSM_BASIC) == 128
ESC = 0x1B
GSM_EXTENSION = {
    0x0A: "\f",
    0x14: "^",
    0x28: "{",
    0x29: "}",
    0x2F: "\\",
    0x3C: "[",
    0x3D: "~",
    0x3E: "]",
    0x40: "|",
    0x65: "€",
}
_ENCODE_BASIC = {ch: i for i, ch in enumerate(GSM_BASIC) if i != ESC}
_ENCODE_EXT = {ch: code for code, ch in GSM_EXTENSION.items()}


def gsm_encode(text: str) -> bytes | None:
    """Unpacked GSM 03.38 (one septet per octet, ESC for the extension table); None if unfit."""
    out = bytearray()
    for ch in text:
        code = _ENCODE_BASIC.get(ch)
        if code is not None:
            out.append(code)
            continue
        code = _ENCODE_EXT.get(ch)
        if code is None:
            return None
        out += bytes((ESC, code))
    return bytes(out)


def gsm_decode(data: bytes) -> str:
    """Decode unpacked GSM 03.38; never raises."""
    out: list[str] = []
    escaped = False
    for octet in data:
        if escaped:
            escaped = False
            out.append(GSM_EXTENSION.get(octet, GSM_BASIC[octet & 0x7F]))
        elif octet == ESC:
            escaped = True
        elif octet < 0x80:
            out.append(GSM_BASIC[octet])
        else:
            out.append("\ufffd")
    return "".join(out)


def gsm_cost(ch: str) -> int | None:
    """Septets one character takes in GSM 03.38, None if it is not in the alphabet."""
    if ch in _ENCODE_BASIC:
        return 1
    if ch in _ENCODE_EXT:
        return 2
    return None


def decode(data: bytes, data_coding: int, *, iso: bool = False) -> str:
    """Decode short_message octets by data_coding; never raises."""
    if data_coding == 0:
        return data.decode("latin-1") if iso else gsm_decode(data)
    if data_coding in (3, 4):
        return data.decode("latin-1")
    if data_coding == 8:
        return data.decode("utf-16-be", "replace")
    if data_coding == 1:
        return data.decode("ascii", "replace")
    return data.decode("latin-1")


def choose(text: str, *, iso: bool = False) -> tuple[int, bytes]:
    """Encode text the way the provider does: GSM (ISO-8859-1 for ISO sessions) else UCS2."""
    if iso:
        try:
            return 0, text.encode("latin-1")
        except UnicodeEncodeError:
            return 8, text.encode("utf-16-be")
    encoded = gsm_encode(text)
    if encoded is not None:
        return 0, encoded
    return 8, text.encode("utf-16-be")


def encode(text: str, data_coding: int, *, iso: bool = False) -> bytes:
    """Encode text for an explicit data_coding (unencodable characters become '?')."""
    if data_coding == 8:
        return text.encode("utf-16-be")
    if data_coding in (3, 4) or (data_coding == 0 and iso):
        return text.encode("latin-1", "replace")
    if data_coding == 0:
        encoded = gsm_encode(text)
        if encoded is None:
            encoded = gsm_encode("".join(c if gsm_cost(c) else "?" for c in text))
        assert encoded is not None
        return encoded
    return text.encode("latin-1", "replace")


def split(text: str, data_coding: int, per_part: int, *, iso: bool = False) -> list[bytes]:
    """Split text into encoded chunks of at most per_part units.

    Units: septets for GSM (never splitting an escape pair), UTF-16 code units for UCS2
    (never splitting a surrogate pair), octets otherwise.
    """
    if per_part < 2:
        raise ValueError("per_part must be at least 2")
    chunks: list[str] = []
    current: list[str] = []
    used = 0
    for ch in text:
        if data_coding == 8:
            cost = 2 if ord(ch) > 0xFFFF else 1
        elif data_coding == 0 and not iso:
            cost = gsm_cost(ch) or 1
        else:
            cost = 1
        if used + cost > per_part and current:
            chunks.append("".join(current))
            current, used = [], 0
        current.append(ch)
        used += cost
    if current or not chunks:
        chunks.append("".join(current))
    return [encode(chunk, data_coding, iso=iso) for chunk in chunks]
