"""The outbox's state machine: order, window, rate, what timeouts, late answers and a lost
link do, specs, a random drill, and O(1) work per message (the retry policy, the snapshot and
the HTTP hand-over are tested in test_outbox_retry.py, _snapshot.py and _http.py)."""

from __future__ import annotations

import asyncio
import base64
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
import functools
import gc
import itertools
import json
import operator
import random
import sys
import types
from typing import Any

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.smscentre.smsc import rules, tracker
from custom_components.smscentre.smsc.errors import SmscError
from custom_components.smscentre.smsc.message import (
    MessageSpec,
    OutboundMessage,
    PartRef,
    Priority,
    new_local_id,
)
from custom_components.smscentre.smsc.outbox import (
    Outbox,
    attempts,
    backlog,
    machine,
    outcomes,
    queue,
    retry,
    snapshot,
    wakeup,
)

OK, SYSERR, QFULL, INVDST, SUBMITFAIL, THROTTLED = 0x00, 0x08, 0x14, 0x0B, 0x45, 0x58


class FakeTime:
    """A clock that moves only when the outbox sleeps on it (or the test moves it)."""

    def __init__(self, now: float = 100.0) -> None:
        self.now = now
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        self.slept.append(delay)
        self.now += max(delay, 0.0)
        await asyncio.sleep(0)


def msg(
    n: int = 1,
    *,
    priority: Priority = Priority.NORMAL,
    recipient: str = "79990000001",
    local_id: str | None = None,
) -> OutboundMessage:
    local_id = local_id or new_local_id()
    return OutboundMessage(
        local_id=local_id,
        recipient=recipient,
        channel="sms",
        priority=priority,
        source=None,
        data_coding=0,
        esm_class=0x40 if n > 1 else 0,
        parts=[f"{local_id}:{i}".encode() for i in range(n)],
    )


def make(time: FakeTime | None = None, **kwargs: Any) -> Outbox:
    time = time or FakeTime()
    kwargs.setdefault("throughput", None)
    kwargs.setdefault("jitter", lambda: 1.0)  # the longest delay of each backoff step
    return Outbox(clock=time, wall_clock=time, sleep=time.sleep, **kwargs)


async def still_waiting(awaitable: Any) -> asyncio.Task[Any]:
    """Start ``awaitable`` as a task, let the loop run a little, and check it is blocked."""
    task = asyncio.ensure_future(awaitable)
    for _ in range(5):
        await asyncio.sleep(0)
    assert not task.done()
    return task


async def settle(task: asyncio.Task[Any]) -> Any:
    return await asyncio.wait_for(task, 1.0)


def part_name(ref: PartRef) -> str:
    return ref.short_message.decode()


# --------------------------------------------------------------------------- order


async def test_fifo_and_futures_resolve_with_ids() -> None:
    done: list[OutboundMessage] = []
    box = make(on_done=done.append, window=10)
    messages = [msg() for _ in range(3)]
    futures = box.add(messages)
    assert box.queued == 3
    refs = [await box.next_part() for _ in range(3)]
    assert [r.message for r in refs] == messages
    assert box.pending == 3
    for i, ref in enumerate(refs):
        box.on_response(ref.token, OK, f"id{i}")
    results = [await f for f in futures]
    assert results == messages
    assert [m.state for m in results] == ["sent"] * 3
    assert [m.message_ids for m in results] == [["id0"], ["id1"], ["id2"]]
    assert done == messages
    assert (box.queued, box.pending, box.sent_total, box.failed_total) == (0, 0, 3, 0)
    assert messages[0].attempts == 1
    assert messages[0].finished_at == 100.0


async def test_urgent_overtakes_queued_bulk() -> None:
    box = make(window=1000)
    bulk = [msg() for _ in range(200)]
    box.add(bulk)
    first = [await box.next_part() for _ in range(3)]
    assert [r.message for r in first] == bulk[:3]
    urgent = msg(priority=Priority.URGENT)
    box.add([urgent])
    assert (await box.next_part()).message is urgent
    assert (await box.next_part()).message is bulk[3]


async def test_long_message_parts_consecutive() -> None:
    box = make(window=100)
    a, b, c = msg(1, local_id="a"), msg(3, local_id="b"), msg(1, local_id="c")
    box.add([a, b])
    assert part_name(await box.next_part()) == "a:0"
    assert part_name(await box.next_part()) == "b:0"
    box.add([c])  # arrives while b is half sent: b's parts still go first
    names = [part_name(await box.next_part()) for _ in range(3)]
    assert names == ["b:1", "b:2", "c:0"]


async def test_long_message_needs_every_part_acknowledged() -> None:
    box = make(window=10)
    (future,) = box.add([msg(3)])
    refs = [await box.next_part() for _ in range(3)]
    box.on_response(refs[0].token, OK, "77")
    box.on_response(refs[2].token, OK, "77")
    assert not future.done()
    assert refs[0].message.state == "sending"
    box.on_response(refs[1].token, OK, "77")
    message = await future
    assert message.state == "sent"
    assert message.message_ids == ["77", "77", "77"]
    assert refs[0].total == 3


# --------------------------------------------------------------------------- window and rate


async def test_window_respected() -> None:
    box = make(window=5)
    box.add([msg() for _ in range(20)])
    refs = [await box.next_part() for _ in range(5)]
    assert box.pending == 5
    task = await still_waiting(box.next_part())
    box.on_response(refs[0].token, OK, "1")
    ref = await settle(task)
    assert box.pending == 5
    assert ref.message.local_id not in {r.message.local_id for r in refs}


async def test_window_never_exceeded_under_random_answers() -> None:
    rng = random.Random(7)
    box = make(window=8, jitter=rng.random, max_attempts=100)
    futures = box.add([msg(rng.randint(1, 3)) for _ in range(300)])
    in_flight: list[PartRef] = []
    highest = 0
    while not all(f.done() for f in futures):
        if box.pending < box.window and (not in_flight or rng.random() < 0.5):
            try:
                ref = await asyncio.wait_for(box.next_part(), 0.002)
            except TimeoutError:
                ref = None
            if ref is not None:
                in_flight.append(ref)
        highest = max(highest, box.pending)
        assert box.pending <= box.window
        if in_flight and (box.pending == box.window or rng.random() < 0.5):
            ref = in_flight.pop(rng.randrange(len(in_flight)))
            box.on_response(ref.token, rng.choice([OK, OK, OK, THROTTLED, SYSERR]), "x")
    assert highest == box.window
    assert box.sent_total == 300


async def test_rate_respected() -> None:
    time = FakeTime(0.0)
    box = make(time, throughput=30.0, window=1000)
    box.add([msg() for _ in range(300)])
    stamps = []
    for _ in range(300):
        ref = await box.next_part()
        stamps.append(time.now)
        box.on_response(ref.token, OK, "1")
    assert stamps[0] == 0.0
    assert min(b - a for a, b in itertools.pairwise(stamps)) >= 1 / 30 - 1e-9
    assert stamps[-1] == pytest.approx(299 / 30)  # 300 parts at 30/s: 10 s
    assert box.sent_total == 300


async def test_throttling_halves_rate_then_recovers() -> None:
    time = FakeTime(0.0)
    box = make(time, throughput=10.0, window=100)
    box.add([msg() for _ in range(50)])
    ref = await box.next_part()
    box.on_response(ref.token, THROTTLED, None)
    assert box.effective_throughput == 5.0
    assert box.stats()["effective_throughput"] == 5.0
    box.on_response((await box.next_part()).token, THROTTLED, None)  # within 1 s: no change
    assert box.effective_throughput == 5.0
    last = time.now
    ref = await box.next_part()
    assert time.now - last == pytest.approx(0.2)  # 5/s
    box.on_response(ref.token, OK, "1")
    while box.effective_throughput < 10.0:
        box.on_response((await box.next_part()).token, OK, "1")
        assert time.now < 20
    assert box.sent_total >= 3


class LateTime(FakeTime):
    """A fake clock whose every sleep ends ``late`` seconds after it was due (a busy loop)."""

    def __init__(self, late: float) -> None:
        super().__init__(0.0)
        self.late = late

    async def sleep(self, delay: float) -> None:
        await super().sleep(delay + self.late)


def most_in_one_second(stamps: list[float]) -> int:
    """The most stamps within any half-open window [t, t + 1 s) (to a microsecond)."""
    most = start = 0
    for end, stamp in enumerate(stamps):
        while stamp - stamps[start] >= 1.0 - 1e-6:
            start += 1
        most = max(most, end - start + 1)
    return most


async def send_batches(box: Outbox, time: FakeTime, count: int) -> tuple[list[float], list[int]]:
    """Drain ``count`` parts as the link does: wait for one, take every other that may go
    now, answer them all; (the time of each send, the size of each batch)."""
    stamps: list[float] = []
    batches: list[int] = []
    while len(stamps) < count:
        refs = [await box.next_part()]
        while (ref := box.next_part_nowait()) is not None:
            refs.append(ref)
        stamps.extend([time.now] * len(refs))
        batches.append(len(refs))
        for ref in refs:
            box.on_response(ref.token, OK, "1")
    return stamps, batches


@pytest.mark.parametrize("rate", [30, 100, 300, 1000])
async def test_rate_kept_when_every_wake_up_is_late(rate: int) -> None:
    """Each wait ends 0.7 ms late: the outbox still sends ``rate`` a second (a token bucket
    of one got 1 / (1/rate + 0.7 ms)), and never more than ``rate`` in any second."""
    time = LateTime(0.0007)
    box = make(time, throughput=float(rate), window=1000)
    count = rate * 5
    box.add([msg() for _ in range(count)])
    stamps, _ = await send_batches(box, time, count)
    assert len([s for s in stamps if s < 5.0]) >= 0.98 * count
    assert most_in_one_second(stamps) <= rate
    assert box.sent_total == count


async def test_parts_that_may_go_go_together() -> None:
    """At 1,000/s the sender waits once per few milliseconds, not once per part."""
    time = FakeTime(0.0)
    box = make(time, throughput=1000.0, window=1000)
    box.add([msg() for _ in range(1000)])
    stamps, batches = await send_batches(box, time, 1000)
    assert len(batches) <= 1000 // 5 + 1
    assert max(batches) >= 5
    assert len(time.slept) == len(batches) - 1  # one wait per batch
    assert most_in_one_second(stamps) <= 1000


async def test_catching_up_never_exceeds_the_window() -> None:
    """A long stall at 1,000/s leaves many parts due at once; still at most ``window`` go."""
    time = LateTime(0.3)
    box = make(time, throughput=1000.0, window=7)
    box.add([msg() for _ in range(100)])
    _, batches = await send_batches(box, time, 100)
    assert max(batches) == 7


# --------------------------------------------------------------------------- outcomes


async def test_retry_does_not_block_other_messages() -> None:
    time = FakeTime(0.0)
    box = make(time, window=10)
    slow, other = msg(local_id="slow"), msg(local_id="other")
    box.add([slow, other])
    ref = await box.next_part()
    box.on_response(ref.token, THROTTLED, None)
    ref = await box.next_part()
    assert ref.message is other
    assert time.now == 0.0
    ref2 = await box.next_part()
    assert ref2.message is slow
    assert time.now == 1.0


async def test_failed_part_drops_the_rest_of_the_message() -> None:
    box = make(window=2)
    long, after = msg(4, local_id="long"), msg(local_id="after")
    (future, _) = box.add([long, after])
    first = await box.next_part()
    second = await box.next_part()
    box.on_response(first.token, INVDST, None)
    assert (await future).state == "failed"
    ref = await box.next_part()
    assert ref.message is after  # long:2 and long:3 are never sent
    box.on_response(second.token, OK, "late")  # answer for a failed message: ignored
    assert long.message_ids == [None, None, None, None]


async def test_timeout_then_resend() -> None:
    time = FakeTime(0.0)
    box = make(time)
    (future,) = box.add([msg()])
    ref = await box.next_part()
    box.on_timeout(ref.token)
    assert box.pending == 0
    assert list(ref.message.uncertain) == [True]
    again = await box.next_part()
    assert again.index == ref.index
    assert again.token != ref.token
    assert time.now == 1.0
    box.on_response(again.token, OK, "5")
    assert (await future).message_ids == ["5"]
    box.on_timeout(again.token)  # unknown now: ignored
    box.on_response(12345, OK, "x")


async def test_late_success_after_timeout_is_kept_and_resend_dropped() -> None:
    time = FakeTime(0.0)
    box = make(time)
    one, two = msg(local_id="one"), msg(local_id="two")
    (future, _) = box.add([one, two])
    ref = await box.next_part()
    box.on_timeout(ref.token)
    box.on_response(ref.token, OK, "late-id")
    assert (await future).message_ids == ["late-id"]
    assert (await box.next_part()).message is two
    task = await still_waiting(box.next_part())  # the queued resend of "one" is gone
    assert box.stats()["delayed"] == 0
    task.cancel()


async def test_late_success_while_resend_in_flight() -> None:
    box = make()
    (future,) = box.add([msg()])
    ref = await box.next_part()
    box.on_timeout(ref.token)
    resend = await box.next_part()
    box.on_response(ref.token, OK, "first")
    assert (await future).message_ids == ["first"]
    box.on_response(resend.token, SUBMITFAIL, None)  # answer to the resend: ignored
    assert box.pending == 0
    assert (box.sent_total, box.failed_total) == (1, 0)


async def test_late_failure_after_timeout_ignored() -> None:
    box = make()
    (future,) = box.add([msg()])
    ref = await box.next_part()
    box.on_timeout(ref.token)
    box.on_response(ref.token, INVDST, None)
    assert not future.done()
    box.on_response((await box.next_part()).token, OK, "1")
    assert (await future).state == "sent"


async def test_link_lost_requeues_every_pending_part_first_in_order() -> None:
    box = make(window=10)
    a, b, c = msg(2, local_id="a"), msg(1, local_id="b"), msg(1, local_id="c")
    futures = box.add([a, b, c])
    refs = [await box.next_part() for _ in range(3)]  # a:0 a:1 b:0
    box.on_response(refs[1].token, OK, "a1")
    box.on_link_lost()
    assert box.pending == 0
    assert list(a.uncertain) == [True, False]
    assert list(b.uncertain) == [True]
    for ref in refs:
        box.on_response(ref.token, OK, "dead session")  # ignored
    names = [part_name(await box.next_part()) for _ in range(3)]
    assert names == ["a:0", "b:0", "c:0"]
    assert list(a.part_attempts) == [2, 1]
    assert not any(f.done() for f in futures)
    box.on_link_lost()
    box.on_link_lost()  # nothing pending: no-op


# --------------------------------------------------------------------------- lifecycle


async def test_close_wakes_waiters() -> None:
    box = make()
    (future,) = box.add([msg()])
    await box.next_part()
    box.on_link_lost()
    box.window = 1
    await box.next_part()  # window full now
    blocked = await still_waiting(box.next_part())
    empty = make()
    idle = await still_waiting(empty.next_part())
    box.close()
    empty.close()
    with pytest.raises(asyncio.CancelledError):
        await settle(blocked)
    with pytest.raises(asyncio.CancelledError):
        await settle(idle)
    assert future.cancelled()
    assert box.closed
    assert box.queued == 1  # still in the snapshot for the next start
    with pytest.raises(asyncio.CancelledError):
        await box.next_part()
    with pytest.raises(SmscError) as err:
        box.add([msg()])
    assert err.value.key == "outbox_closed"


async def test_close_wakes_a_timed_waiter() -> None:
    box = Outbox(throughput=0.001, window=5)  # real clock and sleep
    box.add([msg(), msg()])
    await box.next_part()
    task = await still_waiting(box.next_part())  # waits ~1000 s for the rate
    box.close()
    with pytest.raises(asyncio.CancelledError):
        await settle(task)


async def test_waiting_on_the_real_clock() -> None:
    box = Outbox(throughput=None, window=5, retry_base=0.01, jitter=lambda: 0.0)
    (future,) = box.add([msg()])
    box.on_response((await box.next_part()).token, SYSERR, None)
    ref = await asyncio.wait_for(box.next_part(), 1.0)  # after ~5 ms
    box.on_response(ref.token, OK, "1")
    assert (await future).state == "sent"


async def test_add_validation() -> None:
    box = make()
    with pytest.raises(ValueError, match="no parts"):
        box.add([msg(0)])
    one = msg()
    box.add([one])
    with pytest.raises(ValueError, match="already queued"):
        box.add([one])
    with pytest.raises(ValueError, match="already queued"):
        box.add([msg(local_id="x"), msg(local_id="x")])
    bad = msg()
    bad.priority = 7  # type: ignore[assignment]
    with pytest.raises(ValueError, match="7"):
        box.add([msg(), bad])
    assert box.queued == 1
    assert box.add([]) == []
    assert box.get(one.local_id) is one
    with pytest.raises(ValueError, match="window"):
        Outbox(window=0)


async def test_on_change_and_on_done_callbacks() -> None:
    changes: list[None] = []

    def broken(_: OutboundMessage) -> None:
        raise RuntimeError("boom")

    box = make(on_change=lambda: changes.append(None), on_done=broken)
    (future,) = box.add([msg()])
    assert len(changes) == 1
    ref = await box.next_part()
    assert len(changes) == 2
    box.on_response(ref.token, OK, "1")
    assert len(changes) == 3
    assert (await future).state == "sent"  # a broken callback loses nothing


# --------------------------------------------------------------------------- snapshot entries


def stored_entries(box: Outbox) -> dict[str, dict[str, Any]]:
    """The snapshot's messages as the JSON file holds them, by local id, fields named."""
    data = json.loads(json.dumps(box.snapshot()))
    assert data["version"] == 2
    return {
        entry[0]: dict(zip(snapshot.ENTRY_FIELDS, entry, strict=True)) for entry in data["messages"]
    }


# --------------------------------------------------------------------------- specs


def spec(n: int = 1, *, local_id: str | None = None, created_at: float = 0.0) -> MessageSpec:
    message = msg(n, local_id=local_id)
    message.created_at = created_at
    return message.to_spec()


async def test_a_spec_sent_at_once_needs_no_object_until_done() -> None:
    done: list[OutboundMessage] = []
    box = make(on_done=done.append, window=10)
    box.enqueue([spec(local_id="a"), spec(local_id="b", created_at=5.0)])
    assert box.queued == 2
    assert box.started("a") is None  # not tried yet
    ref = await box.next_part()
    assert ref.message is None  # no object: the first attempt of a single part
    assert (ref.local_id, ref.index, ref.total, part_name(ref)) == ("a", 0, 1, "a:0")
    assert box.pending == 1
    box.on_response(ref.token, OK, "100")
    [message] = done
    assert (message.local_id, message.state, message.message_ids) == ("a", "sent", ["100"])
    assert (message.attempts, list(message.acked), message.remaining) == (1, [1], 0)
    assert (message.created_at, message.finished_at) == (100.0, 100.0)  # stamped by enqueue
    assert (box.queued, box.pending, box.sent_total) == (1, 0, 1)
    assert box.get("a") is None
    later = box.get("b")  # built from its spec; the outbox updates it from now on
    assert later is not None
    assert (later.state, later.created_at) == ("queued", 5.0)
    ref = await box.next_part()
    assert ref.message is later
    box.on_response(ref.token, OK, "101")
    assert done[-1] is later
    assert later.message_ids == ["101"]


async def test_a_spec_in_flight_becomes_an_object_when_anything_but_success_comes() -> None:
    time = FakeTime(0.0)
    done: list[OutboundMessage] = []
    box = make(time, on_done=done.append, window=10)
    box.enqueue([spec(local_id=f"s{i}") for i in range(4)])
    refs = [await box.next_part() for _ in range(4)]
    assert all(r.message is None for r in refs)
    box.on_response(refs[0].token, THROTTLED, None)  # retried
    box.on_timeout(refs[1].token)  # uncertain, retried
    box.on_response(refs[2].token, INVDST, None)  # fails at once
    looked = box.started("s3")  # someone looks while it flies
    assert looked is not None
    assert (looked.state, looked.attempts, list(looked.part_attempts)) == ("sending", 1, [1])
    box.on_response(refs[3].token, OK, "3")
    assert (done[0].local_id, done[0].state, done[0].error) == (
        "s2",
        "failed",
        "invalid_destination_address",
    )
    assert done[1] is looked
    assert looked.message_ids == ["3"]
    assert box.started("s1") is not None
    assert list(box.started("s1").uncertain) == [1]  # type: ignore[union-attr]
    time.now += 60.0
    again = {r.local_id: r for r in [await box.next_part(), await box.next_part()]}
    assert set(again) == {"s0", "s1"}
    assert again["s0"].message is not None
    assert again["s0"].message.part_attempts[0] == 2
    box.on_response(again["s1"].token, SUBMITFAIL, None)  # the first attempt was accepted
    box.on_response(again["s0"].token, OK, "0")
    states = {m.local_id: (m.state, m.duplicate_suppressed) for m in done}
    assert states == {
        "s0": ("sent", False),
        "s1": ("sent", True),
        "s2": ("failed", False),
        "s3": ("sent", False),
    }


async def test_a_spec_in_flight_is_stored_as_uncertain_and_link_loss_requeues_it() -> None:
    time = FakeTime(0.0)
    box = make(time, window=10)
    box.enqueue([spec(local_id="flying"), spec(local_id="queued"), spec(2, local_id="long")])
    ref = await box.next_part()
    assert ref.local_id == "flying"
    stored = stored_entries(box)
    assert (stored["flying"]["att"], stored["flying"]["unc"]) == ([1], [1])
    assert (stored["queued"]["att"], stored["queued"]["unc"]) == ([0], [0])
    assert stored["long"]["parts"] == [
        base64.b64encode(b"long:0").decode(),
        base64.b64encode(b"long:1").decode(),
    ]
    restored = Outbox.restore(
        {"version": 1, "clean": True, "messages": list(stored.values())},
        clock=time,
        throughput=None,
    )  # the first format: objects
    assert isinstance(restored._active["queued"], tuple)  # not tried: a spec again
    flying = restored.get("flying")
    assert flying is not None
    assert (flying.state, list(flying.uncertain)) == ("sending", [1])

    box.on_link_lost()
    first = await box.next_part()
    assert first.local_id == "flying"  # back at the head, uncertain
    assert first.message is not None
    assert list(first.message.uncertain) == [1]
    box.on_response(first.token, SUBMITFAIL, None)
    assert box.sent_total == 1
    parts = [await box.next_part() for _ in range(3)]
    assert [part_name(r) for r in parts] == ["queued:0", "long:0", "long:1"]
    assert parts[1].message is parts[2].message is not None  # a long spec is built at once


async def test_enqueue_validation() -> None:
    box = make()
    with pytest.raises(ValueError, match="no parts"):
        box.enqueue([spec(0)])
    box.enqueue([spec(local_id="x")])
    with pytest.raises(ValueError, match="already queued"):
        box.enqueue([spec(local_id="x")])
    with pytest.raises(ValueError, match="already queued"):
        box.enqueue([spec(local_id="y"), spec(local_id="y")])
    bad = spec()
    with pytest.raises(ValueError, match="7"):
        box.enqueue([(*bad[:3], 7, *bad[4:])])  # type: ignore[list-item]
    box.enqueue([])
    assert box.queued == 1
    box.close()
    with pytest.raises(SmscError):
        box.enqueue([spec()])


async def test_a_spec_costs_the_garbage_collector_nothing_while_queued() -> None:
    box = make(window=10)
    box.enqueue(spec(local_id=f"q{i}") for i in range(100))
    gc.collect()
    gc.collect()  # Python 3.13: a tuple seen before a tuple inside it is untracked next pass
    assert not any(gc.is_tracked(entry) for entry in box._active.values())
    ref = await box.next_part()
    gc.collect()
    assert not gc.is_tracked(box._pending[ref.token])  # in flight, still untracked
    box.add([msg(2)])  # an object, with progress
    await box.next_part()
    image = box.snapshot()  # alive while the executor writes it
    gc.collect()
    gc.collect()  # a tuple seen before a tuple inside it is untracked on the next pass
    assert len(image["messages"]) == 101
    assert not any(gc.is_tracked(entry) for entry in image["messages"])


# --------------------------------------------------------------------------- a random drill


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), window=st.integers(1, 12))
def test_random_drill_every_message_ends_exactly_once(seed: int, window: int) -> None:
    asyncio.run(_drill(seed, window), loop_factory=asyncio.new_event_loop)


async def _drill(seed: int, window: int) -> None:
    rng = random.Random(seed)
    time = FakeTime(0.0)
    finished: list[str] = []
    box = make(
        time,
        window=window,
        jitter=rng.random,
        max_attempts=6,
        on_done=lambda m: finished.append(m.local_id),
    )
    messages = [msg(rng.randint(1, 3)) for _ in range(40)]
    futures = box.add(messages[:20])  # objects with futures
    box.enqueue(m.to_spec() for m in messages[20:])  # specs, as the actions queue them
    accepted: set[tuple[str, int]] = set()
    flying: list[PartRef] = []
    for _ in range(5000):
        if not box.queued:
            break
        roll = rng.random()
        if box.pending < window and can_send(box) and (not flying or roll < 0.5):
            ref = await asyncio.wait_for(box.next_part(), 1.0)
            assert part_state(box, ref) == (False, False)
            flying.append(ref)
        elif not flying:
            continue
        elif roll < 0.97:
            ref = flying.pop(rng.randrange(len(flying)))
            status = rng.choice([OK, OK, OK, OK, THROTTLED, SYSERR, SUBMITFAIL, INVDST, None])
            if status is None:
                box.on_timeout(ref.token)
            else:
                if status == OK and part_state(box, ref) == (False, False):
                    key = (ref.local_id, ref.index)
                    assert key not in accepted
                    accepted.add(key)
                box.on_response(ref.token, status, "id")
            if rng.random() < 0.1:  # someone looks at a message: a spec in flight is built
                box.get(rng.choice(messages).local_id)
        else:
            box.on_link_lost()
            flying.clear()
        assert box.pending <= window
        if rng.random() < 0.05:
            box = _reload(box, time, rng, finished, window)
            flying.clear()
    assert box.queued == 0
    assert sorted(finished) == sorted(set(finished))
    assert len(finished) == len(messages)
    assert box.sent_total + box.failed_total == len(messages)
    assert all(f.done() for f in futures)


def part_state(box: Outbox, ref: PartRef) -> tuple[bool, bool]:
    """(message finished, part accepted) as the outbox knows them now."""
    message = ref.message or box._active.get(ref.local_id)
    if message is None:
        return True, True  # finished since
    if isinstance(message, tuple):
        return False, False  # still a spec: its one part on its first attempt
    return message.done, bool(message.acked[ref.index])


def can_send(box: Outbox) -> bool:
    """Whether a part is queued or waits for a retry (next_part() would return)."""
    if box._queue.head() is not None:
        return True
    return any(not m.done and not m.acked[i] for _, _, m, i in box._queue._delayed)


def _reload(
    box: Outbox, time: FakeTime, rng: random.Random, finished: list[str], window: int
) -> Outbox:
    """Restart: snapshot, close, restore into a fresh outbox."""
    data = json.loads(json.dumps(box.snapshot()))
    on_done = box.on_done
    for future in box._backlog._futures.values():  # the callers of the old process are gone
        future.cancel()
    box._backlog._futures.clear()
    box.close()
    return Outbox.restore(
        data,
        clock=time,
        wall_clock=time,
        sleep=time.sleep,
        throughput=None,
        window=window,
        jitter=rng.random,
        max_attempts=6,
        on_done=on_done,
    )


# --------------------------------------------------------------------------- O(1), counted


@contextmanager
def count_steps(*modules: types.ModuleType) -> Iterator[Callable[[], int]]:
    """Count the steps Python takes inside ``modules``: lines, jumps and branches.

    Uses sys.monitoring, so it involves no timing. A loop counts once per iteration even when
    it is written on one line (a jump back is an event).
    """
    mon = sys.monitoring
    # Python 3.14 split BRANCH into BRANCH_LEFT and BRANCH_RIGHT
    branches = (
        (mon.events.BRANCH_LEFT, mon.events.BRANCH_RIGHT)
        if sys.version_info >= (3, 14)
        else (mon.events.BRANCH,)
    )
    kinds = (mon.events.LINE, mon.events.JUMP, *branches)
    events = functools.reduce(operator.or_, kinds)
    tool = next(i for i in range(5, 0, -1) if mon.get_tool(i) is None)
    codes: list[types.CodeType] = []

    def collect(code: types.CodeType) -> None:
        codes.append(code)
        for const in code.co_consts:
            if isinstance(const, types.CodeType):
                collect(const)

    def visit(obj: object, file: str) -> None:
        if isinstance(obj, staticmethod | classmethod):
            obj = obj.__func__
        if isinstance(obj, property):
            for f in (obj.fget, obj.fset):
                if f is not None:
                    visit(f, file)
        elif isinstance(obj, types.FunctionType) and obj.__code__.co_filename == file:
            collect(obj.__code__)

    for module in modules:
        for obj in vars(module).values():
            if isinstance(obj, type) and obj.__module__ == module.__name__:
                for attr in vars(obj).values():
                    visit(attr, module.__file__)
            else:
                visit(obj, module.__file__)
    count = 0

    def on_event(*_: object) -> None:
        nonlocal count
        count += 1

    mon.use_tool_id(tool, "step-counter")
    for event in kinds:
        mon.register_callback(tool, event, on_event)
    for code in codes:
        mon.set_local_events(tool, code, events)
    try:
        yield lambda: count
    finally:
        for code in codes:
            mon.set_local_events(tool, code, 0)
        for event in kinds:
            mon.register_callback(tool, event, None)
        mon.free_tool_id(tool)


async def _steps_per_part(queued: int) -> float:
    """Steps of outbox code per part sent, with ``queued`` messages waiting behind."""
    box = make(window=1000)
    box.add([msg(1 + i % 3) for i in range(queued)])
    flying = deque([await box.next_part() for _ in range(box.window)])  # a full window
    batch = [msg(1 + i % 3) for i in range(1000)]
    with count_steps(machine, attempts, backlog, outcomes, queue, retry, wakeup) as steps:
        box.add(batch)
        for i in range(2000):
            ref = flying.popleft()
            box.on_response(ref.token, THROTTLED if i % 97 == 0 else OK, "id")
            flying.append(await box.next_part())
        total = steps()
    assert box.sent_total > 900
    assert box.stats()["delayed"] == box.retries_total == 21  # none came due: fake clock
    return total / 2000


async def test_outbox_work_per_message_is_flat() -> None:
    """Steps of outbox code per part: the same with 1k and 100k messages queued.

    Counted, not timed: a scan of the queue, the window or the retries would show here.
    """
    loop = asyncio.get_running_loop()
    debug = loop.get_debug()
    loop.set_debug(False)  # debug mode records a traceback for each of the 100k futures
    try:
        small = await _steps_per_part(1_000)
        large = await _steps_per_part(100_000)
    finally:
        loop.set_debug(debug)
    assert large == pytest.approx(small, rel=0.01), (small, large)


def test_rules_and_tracker_work_per_message_is_flat() -> None:
    """The same for the rules and the tracker, holding 1k or 100k live entries."""

    def per_message(live: int) -> float:
        now = [0.0]
        step = 60.0 / live  # so that ``live`` entries are within the windows
        guard = rules.Rules(clock=lambda: now[0])
        sent = tracker.SentTracker(ttl=60.0, clock=lambda: now[0], max_records=2 * live)

        def one(i: int) -> None:
            pair = [(f"7999{i}", f"text {i}")]
            guard.admit(pair)
            sent.add(tracker.SentRecord(str(i), pair[0][0], "sms", now[0], 1, [str(i)]))
            assert sent.get(str(i)) is not None
            sent.expire()  # one old record goes each time
            now[0] += step

        for i in range(live + 10):  # fill the windows; old entries now expire one by one
            one(-i)
        assert len(sent) >= live - 1
        with count_steps(rules, tracker) as steps:
            for i in range(3000):
                one(i)
            return steps() / 3000

    small, large = per_message(1_000), per_message(100_000)
    assert large == pytest.approx(small, rel=0.01), (small, large)
