"""What people read: phone numbers as they write them, texts cut to a length."""

from __future__ import annotations

from hypothesis import given, strategies as st
import pytest

from custom_components.smscentre.smsc.channels import format_phone, normalize_phone
from custom_components.smscentre.smsc.shorten import cut

LONG = "The garden gate was opened at 03:12 by the code of the neighbour's child. " * 5


@pytest.mark.parametrize(
    ("number", "shown"),
    [
        ("79990000001", "+7 999 000-00-01"),
        ("+79991234567", "+7 999 123-45-67"),
        ("77012345678", "+7 701 234-56-78"),  # Kazakhstan shares +7
        ("+7 (999) 123-45-67", "+7 999 123-45-67"),
        ("89991234567", "+7 999 123-45-67"),  # read as the provider reads it
        ("375291234567", "+375291234567"),
        ("+447911123456", "+447911123456"),
        ("7999123456", "+7999123456"),  # ten digits: no +7 grouping to guess
        ("HomeDev", "HomeDev"),
        ("Sber Bank", "Sber Bank"),
        ("900", "900"),  # a short code is no international number
        ("0123456789", "0123456789"),
        ("", ""),
    ],
)
def test_format_phone(number: str, shown: str) -> None:
    assert format_phone(number) == shown


@given(st.text(alphabet="0123456789", min_size=10, max_size=15).filter(lambda s: s[0] != "0"))
def test_format_phone_reads_back(digits: str) -> None:
    """What is shown is read back as the same number: the options form can take it as typed."""
    assert normalize_phone(format_phone(digits)) == normalize_phone(digits)


def test_cut_leaves_short_text() -> None:
    assert cut("Gate opened", 255) == "Gate opened"
    assert cut("x" * 255, 255) == "x" * 255
    assert cut("", 255) == ""


def test_cut_after_a_word() -> None:
    text = cut(LONG, 255)
    assert len(text) <= 255
    assert text.endswith("…")
    assert LONG.startswith(text[:-1])
    assert text[-2] != " "
    assert LONG[len(text) - 1] in " .,'"  # the word before the cut is whole


def test_cut_without_spaces() -> None:
    assert cut("я" * 300, 255) == "я" * 254 + "…"


@pytest.mark.parametrize(
    "tail",
    [
        "e\u0301",  # e with a combining acute accent
        "\U0001f468\u200d\U0001f469\u200d\U0001f467",  # a family: one emoji of three
        "\u2764\ufe0f",  # a heart with its emoji presentation selector
    ],
)
def test_cut_never_splits_what_is_drawn_as_one(tail: str) -> None:
    for pad in range(len(tail) + 1):
        text = "x" * (254 - pad) + tail + "y" * 10
        shown = cut(text, 255)
        assert len(shown) <= 255
        head = shown[:-1]
        assert head.endswith(tail) or head == "x" * len(head), (pad, head[-5:])


@given(st.text(max_size=600), st.integers(min_value=1, max_value=300))
def test_cut_fits(text: str, limit: int) -> None:
    shown = cut(text, limit)
    assert len(shown) <= limit
    assert shown == text or (shown.endswith("…") and text.startswith(shown[:-1]))
