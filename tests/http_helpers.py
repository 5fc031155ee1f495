"""Helpers of the tests that send over the simulator's HTTP API: waiting for a condition, and
the instants the outbox's rate limiter counted."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import time
from typing import Any

from homeassistant.core import HomeAssistant

from custom_components.smscentre.smsc.outbox import Outbox
from custom_components.smscentre.smsc.ratelimit import RateLimiter


async def until(hass: HomeAssistant, condition: Callable[[], bool], timeout: float = 10) -> None:
    """Let Home Assistant run until ``condition`` holds (fails after ``timeout`` s)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await hass.async_block_till_done()
        await asyncio.sleep(0.01)


class StampedLimiter:
    """A rate limiter that notes the instant of each send it is told of."""

    def __init__(self, limiter: RateLimiter) -> None:
        self._limiter = limiter
        self.stamps: list[float] = []

    def sent(self, now: float) -> None:
        self.stamps.append(now)
        self._limiter.sent(now)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._limiter, name)


def stamp_sends(outbox: Outbox) -> list[float]:
    """From now on, the instants of the sends the outbox's limiter counts (SMPP's and
    HTTP's: one limit for both), as its clock reads them."""
    limiter = outbox._limiter = StampedLimiter(outbox._limiter)  # type: ignore[assignment]
    return limiter.stamps


def busiest_second(stamps: list[float]) -> int:
    """The most sends within any one second."""
    return max(sum(1 for other in stamps if stamp <= other < stamp + 1.0) for stamp in stamps)
