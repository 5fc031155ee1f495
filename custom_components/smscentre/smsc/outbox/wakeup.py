"""Where the link's sender waits for a part: one future per wait, and one timer if it has a limit.

When the window is full, the queue empty or the rate holds parts back, ``Outbox.next_part()``
waits here once, until the outbox wakes it (a new part, room in the window) or until the time
the rate or the next retry needs is up; then it takes every part that fell due meanwhile.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable


class Wakeup:
    """The waiters of ``Outbox.next_part()``."""

    __slots__ = ("_sleep", "_waiters")

    def __init__(self, sleep: Callable[[float], Awaitable[object]] = asyncio.sleep) -> None:
        """``sleep`` waits on the outbox's clock (a test's fake clock advances on it)."""
        self._sleep = sleep
        self._waiters: set[asyncio.Future[None]] = set()

    def wake(self) -> None:
        """End every wait: something may go now."""
        waiters = self._waiters
        if waiters:
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)
            waiters.clear()

    def cancel(self) -> None:
        """End every wait with CancelledError (the outbox is closed)."""
        for waiter in self._waiters:
            if not waiter.done():
                waiter.cancel()
        self._waiters.clear()

    async def wait(self, delay: float | None) -> None:
        """Until ``wake()`` or ``delay`` seconds (None: no limit): one future and, on the event
        loop's clock, one timer that resolves it."""
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        self._waiters.add(waiter)
        try:
            if delay is None:
                await waiter
            elif self._sleep is asyncio.sleep:
                timer = loop.call_later(delay, _release, waiter)
                try:
                    await waiter
                finally:
                    timer.cancel()
            else:  # an injected sleep (a test's fake clock): it has to run as a task
                sleeper = asyncio.ensure_future(self._sleep(delay))
                try:
                    await asyncio.wait((waiter, sleeper), return_when=asyncio.FIRST_COMPLETED)
                finally:
                    sleeper.cancel()
        finally:
            self._waiters.discard(waiter)


def _release(waiter: asyncio.Future[None]) -> None:
    """End a wait whose time is up (unless something woke it first)."""
    if not waiter.done():
        waiter.set_result(None)
