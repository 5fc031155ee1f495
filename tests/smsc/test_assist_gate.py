"""Who may talk to Assist by SMS: allowed numbers, the PIN, the hourly cap, no loops."""

from __future__ import annotations

import pytest

from custom_components.smscentre.smsc.assist_gate import (
    HOUR,
    Admission,
    AssistGate,
    AssistSettings,
    Refusal,
    international,
    without_pin,
)

OWNER = "79991234567"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def gate(clock: Clock | None = None, **settings: object) -> AssistGate:
    options = {"senders": ("+7 (999) 123-45-67",)} | settings
    return AssistGate(
        AssistSettings(**options),  # type: ignore[arg-type]
        own_sender="HomeDev",
        clock=clock or Clock(),
    )


@pytest.mark.parametrize(
    ("sender", "expected"),
    [
        ("79991234567", "79991234567"),
        ("+79991234567", "79991234567"),
        ("8 999 123-45-67", "79991234567"),
        ("HomeDev", None),
        ("900", None),  # a short code is no international number
        ("", None),
    ],
)
def test_international(sender: str, expected: str | None) -> None:
    assert international(sender) == expected


def test_only_allowed_numbers_whatever_their_writing() -> None:
    assist = gate(senders=("8 (999) 123-45-67", "HomeDev", "+44 7700 900123"))
    assert assist.admit("79991234567", "lights on") == Admission(OWNER, "lights on")
    assert assist.admit("+447700900123", "hi") == Admission("447700900123", "hi")
    assert assist.admit("79990000000", "lights on") is None
    # a name is never a number, even when the list holds it
    assert assist.admit("HomeDev", "lights on") is None


def test_no_conversation_with_our_own_sender_nor_a_receipt() -> None:
    assist = AssistGate(
        AssistSettings(senders=(OWNER, "79990001111")), own_sender="+7 999 000-11-11"
    )
    assert assist.admit("79990001111", "lights on") is None
    receipt = (
        "id:100001 sub:001 dlvrd:001 submit date:2611220102 done date:2611220102"
        " stat:UNDELIV err:000"
    )
    assert assist.admit(OWNER, receipt) is None
    assert assist.admit(OWNER, "id: what is the kitchen temperature") is not None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4711 lights on", "lights on"),
        ("  4711, lights on ", "lights on"),
        ("4711:lights on", "lights on"),
        ("4711\nlights on", "lights on"),
        ("4711", ""),
        ("47110 lights on", None),  # longer: another PIN
        ("4712 lights on", None),
        ("lights on 4711", None),
        ("471 lights on", None),
        ("", None),
    ],
)
def test_pin(text: str, expected: str | None) -> None:
    assert without_pin(text, "4711") == expected


def test_no_pin_set_passes_the_text() -> None:
    assert without_pin("  lights on ", "") == "lights on"


def test_wrong_pin_refused_and_text_withheld() -> None:
    assist = gate(pin="Ab12")
    assert assist.admit(OWNER, "ab12 lights on") == Admission(OWNER, "", Refusal.PIN)
    assert assist.admit(OWNER, "Ab12 lights on") == Admission(OWNER, "lights on")


def test_hourly_cap_per_sender() -> None:
    clock = Clock()
    assist = gate(clock, senders=(OWNER, "447700900123"), replies_per_hour=3, pin="1")
    assert assist.admit(OWNER, "1 a") == Admission(OWNER, "a")
    clock.now += 10
    assert assist.admit(OWNER, "2 b") == Admission(OWNER, "", Refusal.PIN)  # counts
    clock.now += 10
    assert assist.admit(OWNER, "1 c") == Admission(OWNER, "c")
    assert assist.admit(OWNER, "1 d") == Admission(OWNER, "d", Refusal.RATE_LIMIT)
    assert assist.admit(OWNER, "9 e") == Admission(OWNER, "", Refusal.RATE_LIMIT)
    # another sender has a cap of its own
    assert assist.admit("447700900123", "1 f") == Admission("447700900123", "f")
    # an hour after the first, one more is allowed; refusals for the cap did not count
    clock.now += HOUR - 20
    assert assist.admit(OWNER, "1 g") == Admission(OWNER, "g")
    assert assist.admit(OWNER, "1 h").refused is Refusal.RATE_LIMIT  # type: ignore[union-attr]
    clock.now += 20
    assert assist.admit(OWNER, "1 i") == Admission(OWNER, "i")


def test_enabled_only_with_senders() -> None:
    assert not AssistSettings().enabled
    assert AssistSettings(senders=(OWNER,)).enabled
