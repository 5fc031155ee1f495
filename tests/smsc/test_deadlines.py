"""One timer for many waiters' time limits: expiry order, discards, several wait values.

On a loop whose clock the test moves: which items expire, and how many timers are set, are
counted, not timed.
"""

from __future__ import annotations

import asyncio
from typing import Any

from custom_components.smscentre.smsc.deadlines import Deadlines


class _Timer:
    def __init__(self, loop: FakeLoop, when: float, callback: Any) -> None:
        self._when, self.callback, self.cancelled, self._loop = when, callback, False, loop

    def when(self) -> float:
        return self._when

    def cancel(self) -> None:
        self.cancelled = True


class FakeLoop:
    """``time`` and ``call_at``, run by hand: ``advance`` fires what is due."""

    def __init__(self) -> None:
        self.now = 100.0
        self.timers: list[_Timer] = []

    def time(self) -> float:
        return self.now

    def call_at(self, when: float, callback: Any) -> _Timer:
        timer = _Timer(self, when, callback)
        self.timers.append(timer)
        return timer

    def pending(self) -> list[_Timer]:
        return [t for t in self.timers if not t.cancelled and t.callback is not None]

    def advance(self, seconds: float) -> None:
        self.now += seconds
        while due := [t for t in self.pending() if t.when() <= self.now]:
            for timer in due:
                callback, timer.callback = timer.callback, None
                callback()


def make() -> tuple[FakeLoop, Deadlines[str], list[str]]:
    loop = FakeLoop()
    expired: list[str] = []
    return loop, Deadlines(loop, expired.append), expired  # type: ignore[arg-type]


def test_items_expire_in_their_time_with_one_timer() -> None:
    loop, deadlines, expired = make()
    for index in range(1000):
        loop.now = 100 + index * 0.01
        deadlines.add(f"r{index}", 30)
    assert len(loop.timers) == 1  # later deadlines of the same wait set no timer
    assert len(deadlines) == 1000
    loop.now = 130
    loop.advance(5)  # 35 s after the first: those added in its first 5 s are due, in order
    assert expired == [f"r{index}" for index in range(501)]
    assert len(deadlines) == 499
    assert len(loop.timers) == 2  # one timer at a time: the first, then the next head's
    loop.advance(10)
    assert len(expired) == 1000
    assert not deadlines.timer_set


def test_expiry_follows_each_deadline() -> None:
    loop, deadlines, expired = make()
    deadlines.add("a", 1)
    loop.now += 0.5
    deadlines.add("b", 1)
    loop.advance(0.6)  # a's time is up (1.1 s), b's is not (0.6 s)
    assert expired == ["a"]
    assert deadlines.timer_set
    loop.advance(0.4)
    assert expired == ["a", "b"]
    assert not deadlines.timer_set
    assert len(deadlines) == 0


def test_discarded_items_never_expire_and_the_timer_goes_with_the_last() -> None:
    loop, deadlines, expired = make()
    deadlines.add("a", 5)
    deadlines.add("b", 5)
    deadlines.discard("a", 5)
    deadlines.discard("a", 5)  # twice: nothing
    deadlines.discard("zzz", 7)  # never added: nothing
    assert deadlines.timer_set  # set for a's deadline, which is b's too
    deadlines.discard("b", 5)
    assert not deadlines.timer_set
    assert loop.pending() == []
    loop.advance(10)
    assert expired == []


def test_a_timer_set_for_a_discarded_head_moves_on_to_the_next() -> None:
    loop, deadlines, expired = make()
    deadlines.add("a", 5)
    loop.now += 1
    deadlines.add("b", 5)
    deadlines.discard("a", 5)
    loop.advance(4.5)  # a's deadline: nothing due, the timer is set again for b's
    assert expired == []
    assert deadlines.timer_set
    loop.advance(0.5)
    assert expired == ["b"]


def test_a_shorter_wait_sets_an_earlier_timer() -> None:
    loop, deadlines, expired = make()
    deadlines.add("slow", 30)
    deadlines.add("fast", 2)  # earlier than the timer set: set again
    deadlines.add("medium", 10)
    assert [round(t.when() - 100, 3) for t in loop.pending()] == [2.0]
    loop.advance(2)
    assert expired == ["fast"]
    loop.advance(8)
    assert expired == ["fast", "medium"]
    loop.advance(20)
    assert expired == ["fast", "medium", "slow"]
    assert not deadlines.timer_set


def test_a_timer_that_fires_a_little_early_still_expires_what_is_due() -> None:
    loop, deadlines, expired = make()
    deadlines.add("a", 1)
    (timer,) = loop.pending()
    loop.now += 1 - 0.0005  # asyncio runs a handle within its clock's resolution
    timer.callback, callback = None, timer.callback
    callback()
    assert expired == ["a"]
    assert not deadlines.timer_set


def test_clear_expires_nothing() -> None:
    loop, deadlines, expired = make()
    deadlines.add("a", 1)
    deadlines.add("b", 2)
    deadlines.clear()
    assert not deadlines.timer_set
    assert len(deadlines) == 0
    loop.advance(5)
    assert expired == []


async def test_on_a_real_loop() -> None:
    loop = asyncio.get_running_loop()
    done: asyncio.Future[str] = loop.create_future()
    deadlines: Deadlines[str] = Deadlines(loop, done.set_result)
    deadlines.add("kept", 60)
    deadlines.add("short", 0.01)
    assert await asyncio.wait_for(done, 5) == "short"
    assert len(deadlines) == 1
    deadlines.discard("kept", 60)
    assert not deadlines.timer_set
