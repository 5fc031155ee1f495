"""The sent-message tracker: message id -> record, bounded by age, persisted."""

from __future__ import annotations

import json

import pytest

from custom_components.smscentre.smsc.message import OutboundMessage, Priority
from custom_components.smscentre.smsc.tracker import DEFAULT_TTL, SentRecord, SentTracker


class Clock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def record(local_id: str, at: float, *ids: str) -> SentRecord:
    return SentRecord(local_id, "79990000001", "sms", at, len(ids) or 1, list(ids))


def test_add_get_every_id() -> None:
    changes: list[None] = []
    tracker = SentTracker(on_change=lambda: changes.append(None))
    rec = record("l1", 1.0, "100", "101")
    tracker.add(rec)
    assert tracker.get("100") == rec
    assert tracker.get("101") == rec
    assert tracker.get("102") is None
    assert "100" in tracker
    assert tracker.get_local("l1") == rec
    assert len(tracker) == 1
    assert len(changes) == 1


def test_same_id_for_all_parts_indexed_once() -> None:
    tracker = SentTracker()
    rec = SentRecord("l1", "7999", "sms", 1.0, 3, ["55", "55", "55"])
    tracker.add(rec)
    assert tracker.get("55") == rec
    assert len(tracker) == 1


def test_replace_same_local_id() -> None:
    tracker = SentTracker()
    tracker.add(record("l1", 1.0, "100"))
    newer = record("l1", 2.0, "200")
    tracker.add(newer)
    assert tracker.get("100") is None
    assert tracker.get("200") == newer
    assert len(tracker) == 1


def test_expire_drops_old_only_and_keeps_newer_owner_of_an_id() -> None:
    clock = Clock()
    changes: list[None] = []
    tracker = SentTracker(ttl=100.0, clock=clock, on_change=lambda: changes.append(None))
    tracker.add(record("l1", clock.now - 150, "1"))
    tracker.add(record("l2", clock.now - 120, "2", "shared"))
    newer = record("l3", clock.now - 10, "3", "shared")
    tracker.add(newer)
    changes.clear()
    assert tracker.expire() == 2
    assert len(tracker) == 1
    assert tracker.get("1") is None
    assert tracker.get("2") is None
    assert tracker.get("shared") == newer
    assert changes == [None]
    assert tracker.expire() == 0
    assert changes == [None]  # nothing changed, no save
    assert tracker.expire(clock.now + 100) == 1
    assert len(tracker) == 0


def test_round_trip_json() -> None:
    clock = Clock()
    tracker = SentTracker(clock=clock)
    tracker.add(record("l1", clock.now - 5, "1", "2"))
    tracker.add(SentRecord("l2", "a@b.cd", "email", clock.now, 1, []))
    data = json.loads(json.dumps(tracker.as_dict()))
    changes: list[None] = []
    again = SentTracker.from_dict(data, clock=clock, on_change=lambda: changes.append(None))
    assert len(again) == 2
    assert again.get("2") == record("l1", clock.now - 5, "1", "2")
    assert again.get_local("l2") == SentRecord("l2", "a@b.cd", "email", clock.now, 1, [])
    assert changes == []
    again.add(record("l3", clock.now, "9"))
    assert changes == [None]


def test_from_dict_expires_and_tolerates_garbage() -> None:
    clock = Clock()
    data = {
        "version": 1,
        "records": [
            ["old", "7999", "sms", clock.now - 4 * 86400, 1, ["1"]],
            ["bad", "7999"],
            ["worse", "7999", "sms", "not a time", 1, ["2"]],
            ["ok", "7999", "sms", clock.now, 2, ["3"]],
        ],
    }
    tracker = SentTracker.from_dict(data, clock=clock)
    assert len(tracker) == 1
    assert tracker.get("3") is not None
    assert len(SentTracker.from_dict(None)) == 0
    with pytest.raises(ValueError, match="unknown version"):  # its caller moves it aside
        SentTracker.from_dict({"version": 99, "records": [["x"]]})


def test_record_from_message() -> None:
    message = OutboundMessage(
        local_id="abc",
        recipient="79990000001",
        channel="sms",
        priority=Priority.NORMAL,
        source=None,
        data_coding=0,
        esm_class=0x40,
        parts=[b"a", b"b", b"c"],
        message_ids=["9", "9", None],
        finished_at=123.0,
    )
    rec = SentRecord.from_message(message)
    assert rec == SentRecord("abc", "79990000001", "sms", 123.0, 3, ["9"])


def test_expire_is_proportional_to_expired() -> None:
    """Expiring one record looks at two records, however many are kept."""
    clock = Clock()
    tracker = SentTracker(ttl=10.0, clock=clock)
    for i in range(50_000):
        tracker.add(record(str(i), clock.now + i, str(i)))
    # Only the first record is old enough: the loop must stop at the second one.
    assert tracker.expire(clock.now + 10.0) == 1
    assert len(tracker) == 49_999


def test_delivery_status_follows_and_counts_failures_once() -> None:
    """A report's status is kept per message; undelivered ones count once, and persist."""
    now = [1000.0]
    tracker = SentTracker(clock=lambda: now[0])
    tracker.add(SentRecord("a", "79990000001", "sms", 1000.0, 1, ["10"]))
    tracker.add(SentRecord("b", "79990000002", "sms", 1000.0, 2, ["11", "12"]))
    assert tracker.get("10").status is None
    assert not tracker.set_status("a", "accepted")
    assert tracker.set_status("a", "undeliverable")
    assert not tracker.set_status("a", "rejected")  # already counted
    assert not tracker.set_status("b", "delivered")
    assert not tracker.set_status("ghost", "undeliverable")
    assert tracker.failed_reports == 1
    assert tracker.get("10").status == "rejected"
    assert tracker.get("12").status == "delivered"

    again = SentTracker.from_dict(tracker.as_dict(), clock=lambda: now[0])
    assert again.failed_reports == 1
    assert again.get("11").status == "delivered"
    now[0] += DEFAULT_TTL + 1
    again.expire()
    assert again.get_local("a") is None
    assert not again.set_status("a", "undeliverable")
    assert again.failed_reports == 1


def test_at_most_max_records_are_kept_the_oldest_go() -> None:
    """A heavy sender's map stays bounded: in memory, and in the file rewritten on each save."""
    tracker = SentTracker(max_records=3)
    for i in range(5):
        tracker.add(record(f"m{i}", 1000.0 + i, f"id{i}", f"id{i}b"))
    tracker.set_status("m4", "undeliverable")
    assert len(tracker) == 3
    assert [tracker.get_local(f"m{i}") is None for i in range(5)] == [True, True] + [False] * 3
    assert "id0" not in tracker
    assert "id1b" not in tracker
    assert tracker.get("id2b").local_id == "m2"  # type: ignore[union-attr]
    tracker.add(record("m2", 2000.0, "id2"))  # re-added: the newest now, nothing evicted
    assert len(tracker) == 3
    assert "id2b" not in tracker
    tracker.add(record("m5", 2001.0, "id5"))
    assert tracker.get_local("m3") is None  # the oldest went
    assert tracker.get("id4").status == "undeliverable"  # type: ignore[union-attr]
    again = SentTracker.from_dict(
        json.loads(json.dumps(tracker.as_dict())), clock=lambda: 2001.0, max_records=2
    )
    assert [r[0] for r in again.as_dict()["records"]] == ["m2", "m5"]
    assert again.get("id4") is None


def test_max_records_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_records"):
        SentTracker(max_records=0)
