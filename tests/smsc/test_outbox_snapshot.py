"""The outbox's snapshot: what a restart keeps, once; a crash makes every part uncertain; old
and malformed files (``smsc/outbox/snapshot.py``, through the outbox)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from custom_components.smscentre.smsc.message import OutboundMessage, Priority
from custom_components.smscentre.smsc.outbox import Outbox
from custom_components.smscentre.smsc.outbox.snapshot import ENTRY_FIELDS

from .test_outbox import (
    OK,
    SUBMITFAIL,
    THROTTLED,
    FakeTime,
    make,
    msg,
    part_name,
    spec,
    stored_entries,
)


async def test_snapshot_restore_mid_flight_keeps_each_unsent_message_once() -> None:
    time = FakeTime(0.0)
    box = make(time, window=20)
    messages = [msg(1 + i % 3, local_id=f"m{i}") for i in range(12)]
    messages.append(msg(2, priority=Priority.URGENT, local_id="u"))
    box.add(messages)
    refs = [await box.next_part() for _ in range(10)]  # u:0 u:1 m0 m1:0 m1:1 m2:0..2 m3 m4:0
    names = [part_name(r) for r in refs]
    assert names[:3] == ["u:0", "u:1", "m0:0"]
    answered = {"u:0", "u:1", "m0:0", "m1:0", "m2:1"}
    for ref in refs:
        if part_name(ref) in answered:
            box.on_response(ref.token, OK, part_name(ref))
    box.on_response(refs[9].token, THROTTLED, None)  # m4:0 waits for a retry
    finished_before = {m.local_id for m in messages if m.done}
    assert finished_before == {"u", "m0"}

    box.close()  # a graceful stop
    data = json.loads(json.dumps(box.snapshot()))
    assert data["sent_total"] == 2
    assert data["clean"] is True
    again = Outbox.restore(
        data, clock=time, wall_clock=time, sleep=time.sleep, throughput=None, window=50
    )
    assert again.queued == 11
    assert again.sent_total == 2
    restored = {m.local_id: m for m in (again.get(f"m{i}") for i in range(12)) if m}
    assert set(restored) == {f"m{i}" for i in range(1, 12)}
    assert list(restored["m1"].acked) == [True, False]
    assert restored["m1"].message_ids == ["m1:0", None]
    assert list(restored["m1"].uncertain) == [False, True]  # was in flight at the snapshot
    assert list(restored["m2"].uncertain) == [True, False, True]
    assert list(restored["m4"].uncertain) == [False, False]  # answered 0x58: not uncertain
    assert list(restored["m4"].part_attempts) == [1, 0]
    assert restored["m2"].state == "sending"
    assert restored["m5"].state == "queued"

    done: list[OutboundMessage] = []
    again.on_done = done.append
    sent_parts: list[str] = []
    while again.queued:
        ref = await again.next_part()
        sent_parts.append(part_name(ref))
        again.on_response(ref.token, SUBMITFAIL if ref.message.uncertain[ref.index] else OK, "x")
    assert len(sent_parts) == len(set(sent_parts))
    assert not {"u:0", "u:1", "m0:0", "m1:0", "m2:1"} & set(sent_parts)
    assert {m.local_id for m in done} == {f"m{i}" for i in range(1, 12)}
    assert all(m.state == "sent" for m in done)
    assert again.get("m1") is None
    assert {m.local_id for m in done if m.duplicate_suppressed} == {"m1", "m2", "m3"}
    assert again.sent_total == 13


async def test_after_a_crash_every_restored_part_is_uncertain() -> None:
    """A snapshot not written at a graceful stop may predate sends: a resend refused as a
    duplicate (0x45) then counts as sent, not failed; an accepted one is sent as usual."""
    time = FakeTime(0.0)
    box = make(time, window=10)
    box.enqueue([spec(local_id="a"), spec(local_id="b"), spec(local_id="c")])
    box.add([msg(2, local_id="long")])
    ref = await box.next_part()
    box.on_response(ref.token, OK, "1")  # a is sent before the last save
    data = json.loads(json.dumps(box.snapshot()))  # the last coalesced save
    assert data["clean"] is False
    # ... b and long:0 went out after it, then the process died
    done: list[OutboundMessage] = []
    again = Outbox.restore(data, clock=time, throughput=None, window=10, on_done=done.append)
    assert again.queued == 3
    assert all(list(again.get(i).uncertain) == [1] for i in "bc")  # type: ignore[union-attr]
    assert list(again.get("long").uncertain) == [1, 1]  # type: ignore[union-attr]
    answers = {"b:0": SUBMITFAIL, "c:0": OK, "long:0": SUBMITFAIL, "long:1": OK}
    while again.queued:
        ref = await again.next_part()
        again.on_response(ref.token, answers[part_name(ref)], "id")
    states = {m.local_id: (m.state, m.duplicate_suppressed) for m in done}
    assert states == {"b": ("sent", True), "c": ("sent", False), "long": ("sent", True)}
    assert again.failed_total == 0


async def test_load_skips_known_malformed_and_unknown_versions() -> None:
    box = make()
    one = msg(local_id="one")
    box.add([one])
    data = json.loads(json.dumps(box.snapshot()))
    good = data["messages"][0]
    assert isinstance(good, list)
    named = dict(zip(ENTRY_FIELDS, good, strict=True))

    def entry(**changes: Any) -> list[Any]:
        return list({**named, **changes}.values())

    data["messages"] += [
        entry(id="bad-part", parts=["***"]),
        entry(id="lengths", ack=[0, 0]),
        entry(id="finished", ack=[1]),
        ["missing"],
        "garbage",
        7,
        entry(id="two"),
    ]
    other = make()
    assert other.load(data) == 2
    assert other.load(data) == 0  # already queued
    assert other.queued == 2
    assert other.load(None) == 0
    with pytest.raises(ValueError, match="unknown version"):
        other.load({"version": 99, "messages": [good]})  # its caller moves the file aside
    assert other.queued == 2
    assert Outbox.restore(None).queued == 0


async def test_load_reads_the_first_format() -> None:
    """Version 1 stored each message as an object; such a file still loads."""
    named = stored_entries(make_with(msg(2, local_id="old")))["old"]
    tried = {**named, "id": "tried", "ack": [1, 0], "att": [1, 1], "ids": ["5", None]}
    box = make()
    assert box.load({"version": 1, "sent_total": 3, "messages": [named, tried]}) == 2
    assert box.sent_total == 3
    message = box.get("tried")
    assert message is not None
    assert (list(message.acked), message.message_ids, message.state) == (
        [1, 0],
        ["5", None],
        "sending",
    )
    assert [part_name(await box.next_part()) for _ in range(3)] == ["old:0", "old:1", "old:1"]


def make_with(*messages: OutboundMessage) -> Outbox:
    box = make()
    box.add(messages)
    return box


async def test_snapshot_of_bytes_round_trips() -> None:
    box = make()
    message = msg()
    message.parts = [bytes(range(256))[:140]]
    message.source = "Home"
    message.priority = Priority.URGENT
    box.add([message])
    again = Outbox.restore(json.loads(json.dumps(box.snapshot())), throughput=None)
    copy = again.get(message.local_id)
    assert copy is not None
    assert list(copy.parts) == list(message.parts)
    assert (copy.source, copy.priority, copy.created_at) == ("Home", Priority.URGENT, 100.0)
