"""Reassembly of multi-part SMS and duplicate suppression."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, strategies as st
import pytest

from custom_components.smscentre.smsc.dedup import Deduplicator
from custom_components.smscentre.smsc.incoming import IncomingMessage, text_digest
from custom_components.smscentre.smsc.smpp.pdu import ConcatInfo
from custom_components.smscentre.smsc.smpp.reassembly import MISSING_PART, Reassembler

T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


class Clock:
    """A settable monotonic clock."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def _add(
    reassembler: Reassembler,
    info: ConcatInfo,
    text: str,
    *,
    key: object = ("79991234567", "SMSC"),
    at: datetime = T0,
    message_id: str | None = None,
) -> IncomingMessage | None:
    return reassembler.add(
        key,
        info,
        text,
        sender="79991234567",
        recipient="SMSC",
        received_at=at,
        message_id=message_id,
    )


def test_incoming_as_event_data() -> None:
    message = IncomingMessage("79991234567", "SMSC", "hi", 1, T0)
    assert message.as_event_data() == {
        "sender": "79991234567",
        "recipient": "SMSC",
        "text": "hi",
        "received_at": "2026-01-02T03:04:05+00:00",
        "parts": 1,
        "incomplete": False,
        "message_id": None,
    }


def test_two_parts_in_order(clock: Clock) -> None:
    reassembler = Reassembler(clock=clock)
    assert _add(reassembler, ConcatInfo(1, 2, 1), "Hello, ") is None
    assert len(reassembler) == 1
    message = _add(reassembler, ConcatInfo(1, 2, 2), "world", at=T0 + timedelta(seconds=2))
    assert message == IncomingMessage(
        "79991234567", "SMSC", "Hello, world", 2, T0 + timedelta(seconds=2)
    )
    assert len(reassembler) == 0


def test_twelve_parts_out_of_order_ordered_numerically(clock: Clock) -> None:
    reassembler = Reassembler(clock=clock)
    order = [12, 3, 10, 1, 11, 2, 9, 4, 8, 5, 7, 6]
    results = [_add(reassembler, ConcatInfo(0xBEEF, 12, seq), f"<{seq}>") for seq in order]
    assert results[:-1] == [None] * 11
    message = results[-1]
    assert message is not None
    assert message.text == "".join(f"<{seq}>" for seq in range(1, 13))
    assert message.parts == 12
    assert not message.incomplete


def test_sixteen_bit_refs_are_distinct(clock: Clock) -> None:
    # 0x0101 and 0x0001 would collide if the reference were cut to 8 bits.
    reassembler = Reassembler(clock=clock)
    assert _add(reassembler, ConcatInfo(0x0101, 2, 1), "a1") is None
    assert _add(reassembler, ConcatInfo(0x0001, 2, 2), "b2") is None
    done = _add(reassembler, ConcatInfo(0x0101, 2, 2), "a2")
    assert done is not None
    assert done.text == "a1a2"
    assert len(reassembler) == 1


def test_same_ref_different_senders_or_totals_are_distinct(clock: Clock) -> None:
    reassembler = Reassembler(clock=clock)
    assert _add(reassembler, ConcatInfo(7, 2, 1), "x", key="alice") is None
    assert _add(reassembler, ConcatInfo(7, 2, 2), "y", key="bob") is None
    assert _add(reassembler, ConcatInfo(7, 3, 1), "z", key="alice") is None
    assert len(reassembler) == 3


def test_duplicate_part_ignored(clock: Clock) -> None:
    reassembler = Reassembler(clock=clock)
    assert _add(reassembler, ConcatInfo(1, 3, 1), "one") is None
    assert _add(reassembler, ConcatInfo(1, 3, 1), "ONE AGAIN") is None
    assert _add(reassembler, ConcatInfo(1, 3, 2), "two") is None
    message = _add(reassembler, ConcatInfo(1, 3, 3), "three")
    assert message is not None
    assert message.text == "onetwothree"


def test_message_id_of_first_part_carrying_one(clock: Clock) -> None:
    reassembler = Reassembler(clock=clock)
    _add(reassembler, ConcatInfo(1, 2, 2), "b")
    message = _add(reassembler, ConcatInfo(1, 2, 1), "a", message_id="m1")
    assert message is not None
    assert message.message_id == "m1"


def test_message_id_first_one_kept(clock: Clock) -> None:
    reassembler = Reassembler(clock=clock)
    _add(reassembler, ConcatInfo(1, 2, 1), "a", message_id="m1")
    message = _add(reassembler, ConcatInfo(1, 2, 2), "b", message_id="m2")
    assert message is not None
    assert message.message_id == "m1"


def test_timeout_delivers_incomplete(clock: Clock) -> None:
    reassembler = Reassembler(timeout=60, clock=clock)
    _add(reassembler, ConcatInfo(5, 5, 1), "one ")
    _add(reassembler, ConcatInfo(5, 5, 3), "three ")
    _add(reassembler, ConcatInfo(5, 5, 2), "two ", at=T0 + timedelta(seconds=1))
    clock.now += 59
    assert reassembler.expire() == []
    clock.now += 1
    (message,) = reassembler.expire()
    assert message.incomplete
    assert message.parts == 5
    assert message.text == "one two three " + MISSING_PART  # parts 4 and 5: one marker
    assert message.received_at == T0 + timedelta(seconds=1)
    assert len(reassembler) == 0
    assert reassembler.expire() == []


def test_missing_parts_marked_where_they_were(clock: Clock) -> None:
    reassembler = Reassembler(timeout=1, clock=clock)
    _add(reassembler, ConcatInfo(5, 6, 2), "b")
    _add(reassembler, ConcatInfo(5, 6, 5), "e")
    clock.now += 1
    (message,) = reassembler.expire()
    assert message.text == f"{MISSING_PART}b{MISSING_PART}e{MISSING_PART}"


def test_expire_only_the_old(clock: Clock) -> None:
    reassembler = Reassembler(timeout=60, clock=clock)
    _add(reassembler, ConcatInfo(1, 2, 1), "old")
    clock.now += 30
    _add(reassembler, ConcatInfo(2, 2, 1), "new")
    clock.now += 30
    (message,) = reassembler.expire()
    assert message.text == "old" + MISSING_PART
    assert len(reassembler) == 1
    # The deadline counts from the first part: a later part does not extend it.
    _add(reassembler, ConcatInfo(3, 3, 1), "x")
    clock.now += 29
    _add(reassembler, ConcatInfo(3, 3, 2), "y")
    clock.now += 31
    assert [m.text for m in reassembler.expire()] == ["new" + MISSING_PART, "xy" + MISSING_PART]


def test_late_part_after_timeout_starts_over(clock: Clock) -> None:
    reassembler = Reassembler(timeout=10, clock=clock)
    _add(reassembler, ConcatInfo(1, 2, 1), "a")
    clock.now += 10
    assert len(reassembler.expire()) == 1
    assert _add(reassembler, ConcatInfo(1, 2, 2), "b") is None
    assert len(reassembler) == 1


def test_max_pending_evicts_oldest_as_incomplete(clock: Clock) -> None:
    reassembler = Reassembler(clock=clock, max_pending=3)
    for ref in range(5):
        _add(reassembler, ConcatInfo(ref, 2, 1), f"m{ref}")
    assert len(reassembler) == 3
    evicted = reassembler.expire()
    assert [m.text for m in evicted] == ["m0" + MISSING_PART, "m1" + MISSING_PART]
    assert all(m.incomplete for m in evicted)
    assert reassembler.expire() == []


@given(
    st.integers(min_value=2, max_value=255).flatmap(
        lambda total: st.permutations(list(range(1, total + 1)))
    ),
    st.integers(min_value=0, max_value=0xFFFF),
)
def test_any_order_reassembles(order: list[int], ref: int) -> None:
    reassembler = Reassembler(clock=Clock())
    total = len(order)
    results = [_add(reassembler, ConcatInfo(ref, total, seq), f"[{seq}]") for seq in order]
    assert all(r is None for r in results[:-1])
    message = results[-1]
    assert message is not None
    assert message.text == "".join(f"[{seq}]" for seq in range(1, total + 1))
    assert len(reassembler) == 0


# Deduplicator


def test_dedup_seen(clock: Clock) -> None:
    dedup = Deduplicator(ttl=600, clock=clock)
    assert not dedup.seen("a")
    assert dedup.seen("a")
    assert not dedup.seen("b")
    assert "a" in dedup
    assert len(dedup) == 2


def test_dedup_forgets_after_ttl(clock: Clock) -> None:
    dedup = Deduplicator(ttl=600, clock=clock)
    dedup.seen("a")
    clock.now += 300
    dedup.seen("b")
    clock.now += 299
    assert dedup.seen("a")  # a duplicate does not extend the ttl
    clock.now += 1
    assert "a" not in dedup
    assert "b" in dedup
    assert not dedup.seen("a")
    clock.now += 300
    assert len(dedup) == 1


def test_dedup_bounded(clock: Clock) -> None:
    dedup = Deduplicator(clock=clock, max_entries=100)
    for i in range(1000):
        dedup.seen(i)
    assert len(dedup) == 100
    assert 999 in dedup
    assert 0 not in dedup


def test_dedup_add_keeps_first_expiry(clock: Clock) -> None:
    dedup = Deduplicator(ttl=10, clock=clock)
    dedup.add("a")
    clock.now += 5
    dedup.add("a")
    clock.now += 5
    assert "a" not in dedup


def test_text_digest() -> None:
    assert text_digest("hello") == text_digest("hello")
    assert text_digest("hello") != text_digest("hello!")
    assert len(text_digest("x" * 10_000)) == 16
    assert isinstance(text_digest("\ud800"), bytes)  # a lone surrogate does not raise
