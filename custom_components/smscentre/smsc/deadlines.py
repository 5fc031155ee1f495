"""Time limits of many waiters with one timer: what ``asyncio.timeout`` does, without a
timer, a context manager and a callback per waiter.

A send action waits up to ``wait`` seconds for its messages. A burst of calls (an automation
that notifies 5,000 numbers one by one) would otherwise hold a ``Timeout``, a ``TimerHandle``
and its bound method per call, each an object the cyclic garbage collector tracks, and pay
for scheduling and cancelling each timer. Here the waiters of one ``wait`` value are kept in
the order they came, which is the order their time runs out, so the earliest of all is one of
a few heads: one timer, set for that, serves them all. Adding, removing and expiring are O(1)
per waiter (O(distinct ``wait`` values) to find the next head).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable

# A timer may fire this much before its time (asyncio runs handles due within its clock's
# resolution): what is due by then counts as due, so a head is never rescheduled for a
# fraction of a millisecond.
_EARLY = 0.001


class Deadlines[T: Hashable]:
    """Calls ``on_expire(item)`` once for each item whose ``wait`` ran out before it was
    discarded. Items are compared by equality: give each waiter its own object."""

    def __init__(self, loop: asyncio.AbstractEventLoop, on_expire: Callable[[T], None]) -> None:
        """Start with nothing to time."""
        self._loop = loop
        self._on_expire = on_expire
        self._groups: dict[float, dict[T, float]] = {}  # wait -> {item: deadline}, in order
        self._timer: asyncio.TimerHandle | None = None

    def __len__(self) -> int:
        """Items being timed."""
        return sum(len(group) for group in self._groups.values())

    @property
    def timer_set(self) -> bool:
        """Whether the one timer is set (only while something is timed)."""
        return self._timer is not None

    def add(self, item: T, wait: float) -> None:
        """Time ``item``: ``on_expire(item)`` in ``wait`` seconds unless discarded first."""
        deadline = self._loop.time() + wait
        group = self._groups.get(wait)
        if group is None:
            group = self._groups[wait] = {}
        group[item] = deadline
        timer = self._timer
        if timer is None or deadline < timer.when():
            self._set_timer(deadline)

    def discard(self, item: T, wait: float) -> None:
        """Stop timing ``item`` (added with this ``wait``); nothing if it is not timed."""
        group = self._groups.get(wait)
        if group is None or group.pop(item, None) is None:
            return
        if not group:
            del self._groups[wait]
            if not self._groups:
                self._cancel_timer()
        # else the timer may be set for this item's deadline: it fires, finds nothing due
        # and moves on to the next head, cheaper than looking for it now

    def clear(self) -> None:
        """Stop timing everything, expiring nothing."""
        self._groups.clear()
        self._cancel_timer()

    def _set_timer(self, when: float) -> None:
        self._cancel_timer()
        self._timer = self._loop.call_at(when, self._fire)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _fire(self) -> None:
        self._timer = None
        due_by = self._loop.time() + _EARLY
        expired: list[T] = []
        groups = self._groups
        for wait in list(groups):
            group = groups[wait]
            due: list[T] = []
            for item, deadline in group.items():  # in deadline order: stop at the first not due
                if deadline > due_by:
                    break
                due.append(item)
            for item in due:
                del group[item]
            if not group:
                del groups[wait]
            expired.extend(due)
        if groups:
            self._set_timer(min(next(iter(group.values())) for group in groups.values()))
        for item in expired:
            self._on_expire(item)
