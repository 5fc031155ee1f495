"""Tests of the short-message encodings and the planning of concatenated parts."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.smscentre.smsc.encoding import (
    DATA_CODING,
    GSM_BASIC,
    GSM_EXTENSION,
    EncodedText,
    Encoding,
    choose_encoding,
    count_parts,
    decode_text,
    encode_text,
    gsm_septets,
)
from custom_components.smscentre.smsc.errors import InvalidInput

GSM_CHARS = GSM_BASIC.replace("\x1b", "") + "".join(GSM_EXTENSION)
CYRILLIC = "абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ"
EMOJI = "😀"  # U+1F600: one surrogate pair in UTF-16


def bodies(encoded: EncodedText) -> list[bytes]:
    """The parts without their concatenation UDH (checked on the way)."""
    if len(encoded.parts) == 1:
        assert encoded.esm_class == 0
        return list(encoded.parts)
    assert encoded.esm_class == 0x40
    total = len(encoded.parts)
    out = []
    for seq, part in enumerate(encoded.parts, start=1):
        assert part[:6] == bytes((5, 0, 3, part[3], total, seq))
        assert part[3] == encoded.parts[0][3]
        out.append(part[6:])
    return out


def units(encoding: Encoding, body: bytes) -> int:
    """Septets, octets or UTF-16 units of a part's body."""
    return len(body) // 2 if encoding is Encoding.UCS2 else len(body)


def reassemble(encoded: EncodedText, *, iso: bool = False) -> str:
    """Decode each part on its own (as a handset would) and join them."""
    return "".join(decode_text(body, encoded.data_coding, iso=iso) for body in bodies(encoded))


def error_of(call, *args, **kwargs) -> InvalidInput:
    with pytest.raises(InvalidInput) as info:
        call(*args, **kwargs)
    return info.value


# --- the GSM 03.38 tables -----------------------------------------------------------------


def test_gsm_basic_table_is_the_standard_one() -> None:
    assert len(GSM_BASIC) == 128
    assert len(set(GSM_BASIC)) == 128
    spot_checks = {
        0x00: "@",
        0x01: "£",
        0x02: "$",
        0x03: "¥",
        0x09: "Ç",
        0x0A: "\n",
        0x0D: "\r",
        0x10: "Δ",
        0x11: "_",
        0x1B: "\x1b",
        0x1F: "É",
        0x20: " ",
        0x24: "¤",
        0x40: "¡",
        0x41: "A",
        0x5B: "Ä",
        0x5F: "§",
        0x60: "¿",
        0x61: "a",
        0x7B: "ä",
        0x7E: "ü",
        0x7F: "à",
    }
    for septet, char in spot_checks.items():
        assert GSM_BASIC[septet] == char, hex(septet)
    assert GSM_EXTENSION == {
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
    assert not set(GSM_EXTENSION) & set(GSM_BASIC)


@pytest.mark.parametrize("septet", [s for s in range(128) if s != 0x1B])
def test_every_basic_character_round_trips(septet: int) -> None:
    char = GSM_BASIC[septet]
    encoded = encode_text(char)
    assert encoded.encoding is Encoding.GSM7
    assert encoded.parts == (bytes([septet]),)
    assert decode_text(bytes([septet]), 0) == char
    assert gsm_septets(char) == 1


@pytest.mark.parametrize(("char", "code"), list(GSM_EXTENSION.items()))
def test_every_extension_character_costs_two_septets(char: str, code: int) -> None:
    encoded = encode_text(char)
    assert encoded.encoding is Encoding.GSM7
    assert encoded.parts == (bytes([0x1B, code]),)
    assert decode_text(bytes([0x1B, code]), 0) == char
    assert gsm_septets(char) == 2


def test_whole_alphabet_round_trips_in_one_text() -> None:
    encoded = encode_text(GSM_CHARS)
    assert encoded.encoding is Encoding.GSM7
    assert reassemble(encoded) == GSM_CHARS


@pytest.mark.parametrize(
    ("text", "septets"),
    [
        ("", 0),
        ("a", 1),
        ("€", 2),
        ("a€b", 4),
        ("€" * 80, 160),
        ("[]{}", 8),
        ("Hello, World!", 13),
        ("Ж", None),
        ("`", None),  # backtick: ASCII but not GSM
        ("\t", None),
        ("ç", None),  # only the capital Ç is in the alphabet
        (EMOJI, None),
    ],
)
def test_septet_counting(text: str, septets: int | None) -> None:
    assert gsm_septets(text) == septets


# --- choosing the encoding ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "iso", "expected"),
    [
        ("Hello", False, Encoding.GSM7),
        ("Price 5€ [ok] {x} ~^|\\", False, Encoding.GSM7),
        ("ÄÖÜäöüß ÑñÉé Øø Åå Δ", False, Encoding.GSM7),
        ("@£$¥", False, Encoding.GSM7),
        ("ç", False, Encoding.UCS2),
        ("a`b", False, Encoding.UCS2),
        ("tab\there", False, Encoding.UCS2),
        ("Привет", False, Encoding.UCS2),
        (EMOJI, False, Encoding.UCS2),
        ("\x00", False, Encoding.UCS2),  # the character NUL, not the septet "@"
        ("Hello", True, Encoding.LATIN1),
        ("café ç ÿ ¬", True, Encoding.LATIN1),
        ("€", True, Encoding.UCS2),  # GSM has it, ISO-8859-1 does not
        ("Δ", True, Encoding.UCS2),
        ("Привет", True, Encoding.UCS2),
        (EMOJI, True, Encoding.UCS2),
    ],
)
def test_choose_encoding(text: str, iso: bool, expected: Encoding) -> None:
    assert choose_encoding(text, iso=iso) is expected
    assert encode_text(text, iso=iso).encoding is expected
    assert count_parts(text, iso=iso) == (expected, 1)


def test_data_coding_values() -> None:
    assert DATA_CODING == {Encoding.GSM7: 0, Encoding.LATIN1: 4, Encoding.UCS2: 8}
    assert [str(e) for e in Encoding] == ["gsm7", "latin1", "ucs2"]


def test_iso_never_sends_gsm_septets() -> None:
    encoded = encode_text("@$_", iso=True)
    assert encoded.encoding is Encoding.LATIN1
    assert encoded.data_coding == 4
    assert encoded.parts == (b"@$_",)  # not 00 02 11
    assert encode_text("@$_").parts == (b"\x00\x02\x11",)


def test_latin1_with_iso() -> None:
    text = "Grüße aus Köln, ça va? ¿Qué tal? ÿ"
    encoded = encode_text(text, iso=True)
    assert encoded.encoding is Encoding.LATIN1
    assert encoded.parts == (text.encode("latin-1"),)
    assert reassemble(encoded, iso=True) == text


def test_ucs2_is_utf16be_with_surrogate_pairs() -> None:
    encoded = encode_text("Я" + EMOJI)
    assert encoded.encoding is Encoding.UCS2
    assert encoded.data_coding == 8
    assert encoded.parts == (b"\x04\x2f\xd8\x3d\xde\x00",)


# --- single part / concatenation boundaries ------------------------------------------------


@pytest.mark.parametrize(
    ("text", "iso", "encoding", "expected_parts"),
    [
        ("a" * 160, False, Encoding.GSM7, 1),
        ("a" * 161, False, Encoding.GSM7, 2),
        ("a" * 158 + "€", False, Encoding.GSM7, 1),  # 160 septets
        ("a" * 159 + "€", False, Encoding.GSM7, 2),  # 161 septets, 160 characters
        ("€" * 80, False, Encoding.GSM7, 1),
        ("€" * 81, False, Encoding.GSM7, 2),
        ("a" * 306, False, Encoding.GSM7, 2),
        ("a" * 307, False, Encoding.GSM7, 3),
        ("a" * 140, True, Encoding.LATIN1, 1),
        ("a" * 141, True, Encoding.LATIN1, 2),
        ("a" * 268, True, Encoding.LATIN1, 2),
        ("a" * 269, True, Encoding.LATIN1, 3),
        ("я" * 70, False, Encoding.UCS2, 1),
        ("я" * 71, False, Encoding.UCS2, 2),
        ("я" * 134, False, Encoding.UCS2, 2),
        ("я" * 135, False, Encoding.UCS2, 3),
        (EMOJI * 35, False, Encoding.UCS2, 1),  # 70 units
        (EMOJI * 35 + "a", False, Encoding.UCS2, 2),  # 71 units, 36 characters
    ],
)
def test_part_boundaries(text: str, iso: bool, encoding: Encoding, expected_parts: int) -> None:
    encoded = encode_text(text, iso=iso)
    assert encoded.encoding is encoding
    assert len(encoded.parts) == expected_parts
    assert count_parts(text, iso=iso) == (encoding, expected_parts)
    assert reassemble(encoded, iso=iso) == text
    limit = {Encoding.GSM7: 153, Encoding.LATIN1: 134, Encoding.UCS2: 67}[encoding]
    if expected_parts == 1:
        assert encoded.esm_class == 0
        assert not encoded.parts[0].startswith(b"\x05\x00\x03")
    else:
        assert encoded.esm_class == 0x40
        assert all(units(encoding, body) <= limit for body in bodies(encoded))


def test_400_gsm_characters_make_three_parts() -> None:
    text = ("The quick brown fox jumps over the lazy dog 0123456789. " * 8)[:400]
    encoded = encode_text(text, reference=0x2A)
    assert encoded.encoding is Encoding.GSM7
    assert encoded.data_coding == 0
    assert encoded.esm_class == 0x40
    assert [part[:6] for part in encoded.parts] == [
        b"\x05\x00\x03\x2a\x03\x01",
        b"\x05\x00\x03\x2a\x03\x02",
        b"\x05\x00\x03\x2a\x03\x03",
    ]
    assert [len(body) for body in bodies(encoded)] == [153, 153, 94]
    assert reassemble(encoded) == text


def test_200_cyrillic_characters_make_three_ucs2_parts() -> None:
    text = (CYRILLIC * 4)[:200]
    encoded = encode_text(text, reference=7)
    assert encoded.encoding is Encoding.UCS2
    assert encoded.data_coding == 8
    assert [units(Encoding.UCS2, body) for body in bodies(encoded)] == [67, 67, 66]
    assert [part[:6] for part in encoded.parts] == [
        bytes((5, 0, 3, 7, 3, seq)) for seq in (1, 2, 3)
    ]
    assert b"".join(bodies(encoded)) == text.encode("utf-16-be")
    assert reassemble(encoded) == text


def test_euro_signs_never_split_an_escape_pair() -> None:
    text = "€" * 200  # 400 septets
    encoded = encode_text(text)
    parts = bodies(encoded)
    # 153 is odd: each part carries 76 pairs (152 septets), never a lone ESC at the end.
    assert [len(body) for body in parts] == [152, 152, 96]
    for body in parts:
        assert body == b"\x1b\x65" * (len(body) // 2)
        assert decode_text(body, 0) == "€" * (len(body) // 2)
    assert reassemble(encoded) == text


@pytest.mark.parametrize("prefix", ["", "a", "ab"])
def test_escape_pair_at_every_offset_of_the_cut(prefix: str) -> None:
    text = prefix + "x" * (152 - len(prefix)) + "€" + "y" * 100
    encoded = encode_text(text)
    for body in bodies(encoded):
        assert not body.endswith(b"\x1b")
        assert not body.startswith(b"\x65")
        assert len(body) <= 153
    assert reassemble(encoded) == text


@pytest.mark.parametrize("offset", [0, 1])
def test_emoji_are_never_split(offset: int) -> None:
    text = "a" * offset + EMOJI * 100
    encoded = encode_text(text)
    assert encoded.encoding is Encoding.UCS2
    for body in bodies(encoded):
        assert len(body) <= 134
        assert len(body) % 2 == 0
        first = int.from_bytes(body[:2])
        last = int.from_bytes(body[-2:])
        assert not 0xD800 <= last <= 0xDBFF  # no dangling high surrogate
        assert not 0xDC00 <= first <= 0xDFFF  # no orphaned low surrogate
        body.decode("utf-16-be")  # strict: raises on a broken pair
    assert reassemble(encoded) == text


def test_reference_uses_its_low_octet() -> None:
    encoded = encode_text("a" * 200, reference=0x1234)
    assert {part[3] for part in encoded.parts} == {0x34}
    assert encode_text("a" * 200, reference=-1).parts[0][3] == 0xFF


# --- limits and errors ---------------------------------------------------------------------


def test_max_parts() -> None:
    text = "a" * 400
    assert len(encode_text(text, max_parts=3).parts) == 3
    error = error_of(encode_text, text, max_parts=2)
    assert error.key == "too_many_parts"
    assert error.placeholders == {"parts": "3", "max_parts": "2"}
    assert len(encode_text("a" * 160, max_parts=1).parts) == 1
    assert error_of(encode_text, "a" * 161, max_parts=1).placeholders == {
        "parts": "2",
        "max_parts": "1",
    }


def test_a_udh_counts_at_most_255_parts() -> None:
    assert len(encode_text("a" * 153 * 255).parts) == 255
    error = error_of(encode_text, "a" * (153 * 255 + 1))
    assert error.key == "too_many_parts"
    assert error.placeholders == {"parts": "256", "max_parts": "255"}
    error = error_of(encode_text, "a" * (153 * 255 + 1), max_parts=1000)
    assert error.placeholders == {"parts": "256", "max_parts": "255"}


@pytest.mark.parametrize("iso", [False, True])
def test_empty_message(iso: bool) -> None:
    assert error_of(encode_text, "", iso=iso).key == "empty_message"
    assert error_of(count_parts, "", iso=iso).key == "empty_message"


@pytest.mark.parametrize("iso", [False, True])
@pytest.mark.parametrize(
    ("text", "characters"),
    [
        ("\ud800", "U+D800"),
        ("ok \udfff ok", "U+DFFF"),
        ("\udc00" + EMOJI + "\ud83d", "U+DC00, U+D83D"),
        ("\ud800\ud800 \udc01", "U+D800, U+DC01"),
    ],
)
def test_lone_surrogates_are_invalid(iso: bool, text: str, characters: str) -> None:
    error = error_of(encode_text, text, iso=iso)
    assert error.key == "invalid_characters"
    assert error.placeholders == {"characters": characters}
    assert error_of(count_parts, text, iso=iso).key == "invalid_characters"


def test_invalid_characters_placeholder_is_short() -> None:
    text = "".join(chr(0xD800 + i) for i in range(8))
    error = error_of(encode_text, text)
    assert error.placeholders["characters"] == "U+D800, U+D801, U+D802, U+D803, U+D804, …"


# --- decoding ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "coding", "iso", "expected"),
    [
        (b"\x00\x02\x11", 0, False, "@$_"),
        (b"\x00\x02\x11", 0, True, "\x00\x02\x11"),  # ISO flag: coding 0 is ISO-8859-1
        (b"Hi \x1b\x65", 0, False, "Hi €"),
        (b"\x1b\x3c\x1b\x3e", 0, False, "[]"),
        (b"abc\x1b", 0, False, "abc "),  # dangling ESC
        (b"\x1b\x1ba", 0, False, " a"),  # ESC ESC: reserved, shown as a space
        (b"\x1b\x41", 0, False, "A"),  # unknown extension code: the basic character
        (b"\x1b\x00", 0, False, "@"),
        (b"a\x80\xffb", 0, False, "a\ufffd\ufffdb"),  # not septets
        (b"", 0, False, ""),
        (b"Hello", 1, False, "Hello"),
        (b"caf\xe9", 1, False, "café"),  # IA5 read tolerantly
        (b"caf\xe9", 3, False, "café"),
        (b"caf\xe9", 4, False, "café"),
        (b"caf\xe9", 4, True, "café"),
        (b"\x04\x1f\x04\x40", 8, False, "Пр"),
        (b"\xd8\x3d\xde\x00", 8, False, EMOJI),
        (b"\x04\x1f\x04", 8, False, "П\ufffd"),  # odd length
        (b"\xd8\x3d", 8, False, "\ufffd"),  # lone high surrogate
        (b"\xde\x00\x00a", 8, False, "\ufffda"),  # lone low surrogate
        (b"", 8, False, ""),
        (b"\xff\x00", 2, False, "\xff\x00"),  # binary: latin-1
        (b"\xe9", 6, False, "é"),  # Cyrillic ISO-8859-5 etc.: latin-1, never raises
        (b"\xe9", 0xFF, False, "é"),
        (b"\x00A", 0x10, False, "@A"),  # class 0 (flash), GSM alphabet
        (b"\x00A", 0xF0, False, "@A"),  # data coding / message class group, GSM
        (b"\x00A", 0xF4, False, "\x00A"),  # same group, 8-bit data
        (b"\x04\x1f", 0x18, False, "П"),  # class 0 (flash), UCS2
        (b"\xe9", 0x14, False, "é"),
        (b"\xe9", 0x1C, False, "é"),  # reserved alphabet
    ],
)
def test_decode_text(data: bytes, coding: int, iso: bool, expected: str) -> None:
    assert decode_text(data, coding, iso=iso) == expected


def test_decode_accepts_bytes_like() -> None:
    assert decode_text(bytearray(b"\x1b\x65"), 0) == "€"
    assert decode_text(memoryview(b"\x04\x1f"), 8) == "П"


# --- properties ----------------------------------------------------------------------------


@settings(max_examples=500)
@given(data=st.binary(max_size=300), coding=st.integers(-1, 300), iso=st.booleans())
def test_decode_text_never_raises(data: bytes, coding: int, iso: bool) -> None:
    assert isinstance(decode_text(data, coding, iso=iso), str)


@settings(max_examples=300)
@given(text=st.text(alphabet=st.sampled_from(GSM_CHARS), min_size=1, max_size=700))
def test_gsm_text_round_trips(text: str) -> None:
    encoded = encode_text(text, reference=99)
    assert encoded.encoding is Encoding.GSM7
    assert count_parts(text) == (Encoding.GSM7, len(encoded.parts))
    for body in bodies(encoded):
        assert len(body) <= (160 if len(encoded.parts) == 1 else 153)
        assert not body.endswith(b"\x1b")
    assert reassemble(encoded) == text
    # Parts are as full as the escape rule allows: only the last may be much shorter.
    for body in bodies(encoded)[:-1]:
        assert len(body) >= 152


_UNICODE = st.text(alphabet=st.characters(exclude_categories=("Cs",)), min_size=1, max_size=400)


@settings(max_examples=300)
@given(text=_UNICODE, iso=st.booleans())
def test_any_text_round_trips(text: str, iso: bool) -> None:
    encoded = encode_text(text, iso=iso)
    assert encoded.encoding is choose_encoding(text, iso=iso)
    assert encoded.data_coding == DATA_CODING[encoded.encoding]
    if iso:
        assert encoded.encoding is not Encoding.GSM7
    assert count_parts(text, iso=iso) == (encoded.encoding, len(encoded.parts))
    single, per_part = {
        Encoding.GSM7: (160, 153),
        Encoding.LATIN1: (140, 134),
        Encoding.UCS2: (70, 67),
    }[encoded.encoding]
    limit = single if len(encoded.parts) == 1 else per_part
    for body in bodies(encoded):
        assert 0 < units(encoded.encoding, body) <= limit
    assert reassemble(encoded, iso=iso) == text


@given(text=_UNICODE, max_parts=st.integers(1, 5))
def test_max_parts_is_respected(text: str, max_parts: int) -> None:
    _, expected = count_parts(text)
    if expected <= max_parts:
        assert len(encode_text(text, max_parts=max_parts).parts) == expected
    else:
        error = error_of(encode_text, text, max_parts=max_parts)
        assert error.key == "too_many_parts"
        assert error.placeholders == {"parts": str(expected), "max_parts": str(max_parts)}


# --- speed ---------------------------------------------------------------------------------
