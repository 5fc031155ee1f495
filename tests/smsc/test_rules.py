"""The provider's rules: one-minute duplicates and 50 messages per subscriber."""

from __future__ import annotations

import pytest

from custom_components.smscentre.smsc.errors import InvalidInput, RuleViolation
from custom_components.smscentre.smsc.rules import DuplicateGuard, Rules, SubscriberGuard


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_duplicate_within_window_refused_after_allowed() -> None:
    clock = Clock()
    guard = DuplicateGuard(clock=clock)
    guard.check("79990000001", "hello")
    guard.record("79990000001", "hello")
    clock.now += 59.5
    with pytest.raises(RuleViolation) as err:
        guard.check("79990000001", "hello")
    assert err.value.key == "duplicate_message"
    assert err.value.placeholders == {"recipient": "79990000001", "seconds": "1"}
    assert isinstance(err.value, InvalidInput)
    clock.now += 0.5
    guard.check("79990000001", "hello")  # exactly 60 s later: allowed


def test_duplicate_other_text_or_recipient_allowed() -> None:
    clock = Clock()
    guard = DuplicateGuard(clock=clock)
    guard.record("79990000001", "hello")
    guard.check("79990000001", "hello!")
    guard.check("79990000002", "hello")
    guard.check("79990000001", b"hello!")


def test_duplicate_remaining_seconds_rounds_up() -> None:
    clock = Clock()
    guard = DuplicateGuard(clock=clock)
    guard.record("a", "x")
    clock.now += 10.2
    assert guard.remaining("a", "x") == pytest.approx(49.8)
    with pytest.raises(RuleViolation) as err:
        guard.check("a", "x")
    assert err.value.placeholders["seconds"] == "50"
    assert guard.remaining("b", "x") == 0.0


def test_duplicate_rerecord_extends_window() -> None:
    clock = Clock()
    guard = DuplicateGuard(clock=clock)
    guard.record("a", "x")
    clock.now += 50
    guard.record("a", "x")  # e.g. the rules were off for one send
    clock.now += 50
    with pytest.raises(RuleViolation):
        guard.check("a", "x")


def test_duplicate_memory_is_bounded() -> None:
    clock = Clock()
    guard = DuplicateGuard(clock=clock)
    for i in range(1000):
        guard.record(str(i), "text")
        clock.now += 0.25
    assert len(guard) == 240  # only the last 60 s are kept
    clock.now += 60
    guard.record("x", "y")
    assert len(guard) == 1


def test_subscriber_51st_within_gaps_refused() -> None:
    clock = Clock()
    guard = SubscriberGuard(clock=clock)
    for _ in range(50):
        guard.check("7999")
        guard.record("7999")
        clock.now += 29.0
    assert guard.count("7999") == 50
    with pytest.raises(RuleViolation) as err:
        guard.check("7999")
    assert err.value.key == "subscriber_limit"
    assert err.value.placeholders == {"recipient": "7999", "limit": "50", "seconds": "1"}
    guard.check("8000")  # other subscribers are not affected


def test_subscriber_gap_resets_count() -> None:
    clock = Clock()
    guard = SubscriberGuard(clock=clock)
    for _ in range(50):
        guard.record("7999")
        clock.now += 1.0
    clock.now += 29.0  # 30 s after the last one
    assert guard.count("7999") == 0
    guard.check("7999")
    guard.record("7999")
    assert guard.count("7999") == 1


def test_subscriber_gap_in_the_middle_restarts_run() -> None:
    clock = Clock()
    guard = SubscriberGuard(clock=clock)
    for _ in range(30):
        guard.record("7999")
        clock.now += 1.0
    clock.now += 30.0
    for _ in range(50):
        guard.check("7999")
        guard.record("7999")
        clock.now += 1.0
    with pytest.raises(RuleViolation):
        guard.check("7999")


def test_subscriber_memory_is_bounded() -> None:
    clock = Clock()
    guard = SubscriberGuard(clock=clock)
    for i in range(100):
        guard.record(str(i))
        clock.now += 1.0
    assert len(guard) == 30
    assert guard.count("0") == 0


def test_rules_check_then_record() -> None:
    clock = Clock()
    rules = Rules(clock=clock)
    rules.admit([("a", "hi"), ("b", "hi")])
    # A call with one refused pair records nothing for the others.
    with pytest.raises(RuleViolation) as err:
        rules.check_many([("c", "hi"), ("a", "hi")])
    assert err.value.placeholders["recipient"] == "a"
    with pytest.raises(RuleViolation):
        rules.admit([("c", "hi"), ("a", "hi")])
    rules.check_many([("c", "hi")])
    assert rules.subscriber.count("c") == 0


def test_rules_batch_counts_against_itself() -> None:
    rules = Rules(clock=Clock())
    with pytest.raises(RuleViolation) as err:
        rules.check_many([("a", "hi"), ("a", "hi")])
    assert err.value.key == "duplicate_message"
    assert err.value.placeholders["seconds"] == "60"
    rules.check_many([("a", f"text {i}") for i in range(50)])
    with pytest.raises(RuleViolation) as err:
        rules.check_many([("a", f"text {i}") for i in range(51)])
    assert err.value.key == "subscriber_limit"
    assert err.value.placeholders["seconds"] == "30"


def test_rules_subscriber_limit_across_calls() -> None:
    clock = Clock()
    rules = Rules(clock=clock)
    rules.admit([("a", f"text {i}") for i in range(45)])
    clock.now += 10
    with pytest.raises(RuleViolation) as err:
        rules.admit([("a", f"more {i}") for i in range(6)])
    assert err.value.key == "subscriber_limit"
    assert err.value.placeholders["seconds"] == "20"
    rules.admit([("a", f"more {i}") for i in range(5)])


def test_rules_disabled() -> None:
    rules = Rules(enabled=False, clock=Clock())
    rules.admit([("a", "hi")] * 100)
    rules.admit([("a", "hi")])
    assert len(rules.duplicate) == 0
    rules.enabled = True
    rules.admit([("a", "hi")])
    with pytest.raises(RuleViolation):
        rules.admit([("a", "hi")])


def test_admit_checks_all_then_records_all() -> None:
    clock = Clock()
    rules = Rules(clock=clock)
    rules.admit([("a", "hi"), ("b", "hi")])
    with pytest.raises(RuleViolation) as err:
        rules.admit([("c", "hi"), ("b", "hi")])  # b had it: refused, and c is not recorded
    assert err.value.key == "duplicate_message"
    assert err.value.placeholders == {"recipient": "b", "seconds": "60"}
    assert rules.subscriber.count("c") == 0
    rules.admit([("c", "hi")])
    clock.now += 60
    rules.admit([("a", "hi"), ("b", "hi"), ("c", "hi")])  # the minute is over


def test_admit_keeps_the_subscriber_limit() -> None:
    clock = Clock()
    rules = Rules(clock=clock)
    for index in range(50):
        rules.admit([("a", f"text {index}"), ("b", f"text {index}")])
        clock.now += 1
    with pytest.raises(RuleViolation) as err:
        rules.admit([("c", "one more"), ("a", "one more")])
    assert err.value.key == "subscriber_limit"
    assert err.value.placeholders["recipient"] == "a"
    assert rules.subscriber.count("c") == 0
    assert rules.subscriber.count("a") == 50
