"""Answers made to fit the SMS parts allowed."""

from __future__ import annotations

from hypothesis import given, strategies as st
import pytest

from custom_components.smscentre.smsc.encoding import Encoding, count_parts
from custom_components.smscentre.smsc.shorten import shorten, sms_text

LATIN = "The kitchen light is on, the hall light is off and the garden gate is closed. " * 6
CYRILLIC = "Свет на кухне включён, в коридоре выключен, калитка в саду закрыта. " * 6


def test_short_text_unchanged() -> None:
    assert shorten("Turned on the light", 1) == "Turned on the light"
    assert shorten("Свет включен", 1) == "Свет включен"


def test_empty_stays_empty() -> None:
    assert shorten("", 2) == ""
    assert shorten(" \t ", 2) == ""


@pytest.mark.parametrize("parts", [1, 2, 3])
def test_latin_cut_at_a_word_with_dots(parts: int) -> None:
    reply = shorten(LATIN, parts)
    encoding, count = count_parts(reply)
    assert (encoding, count) == (Encoding.GSM7, parts)
    assert reply.endswith("...")
    head = reply.removesuffix("...")
    assert LATIN.startswith(head)
    assert LATIN[len(head)] in " ,."  # cut between words
    limit = 160 if parts == 1 else 153 * parts
    assert len(reply) > limit - 20  # not much lost


@pytest.mark.parametrize("parts", [1, 2])
def test_cyrillic_cut_with_an_ellipsis(parts: int) -> None:
    reply = shorten(CYRILLIC, parts)
    assert count_parts(reply) == (Encoding.UCS2, parts)
    assert reply.endswith("…")
    assert CYRILLIC.startswith(reply.removesuffix("…"))


def test_latin_head_of_a_unicode_text_stays_gsm() -> None:
    """Cutting off the only non-GSM character makes the rest cheaper: no "…" to undo that."""
    text = "a" * 200 + " ёж"
    reply = shorten(text, 2)
    assert count_parts(reply)[0] is Encoding.GSM7
    assert reply.endswith("...")


def test_iso_accounts_count_latin1() -> None:
    text = "Café ouvert, lumière allumée. " * 20
    reply = shorten(text, 1, iso=True)
    assert count_parts(reply, iso=True) == (Encoding.LATIN1, 1)


def test_what_sms_cannot_carry_is_replaced() -> None:
    assert sms_text("a\tb\x00c\ud800d  e\n f") == "a b c d e\n f"


@given(st.text(min_size=1, max_size=700), st.integers(min_value=1, max_value=10))
def test_always_fits(text: str, parts: int) -> None:
    reply = shorten(text, parts)
    if reply:
        assert count_parts(reply)[1] <= parts
