"""What every part of the demo shares: the repository, the error, the log line, bounded polling."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
import sys
import time

import aiohttp

ROOT = Path(__file__).resolve().parents[3]
DOMAIN = "smscentre"
STEP_TIMEOUT = 30.0  # s: one step (a request, an event, a state to reach)


class DemoError(Exception):
    """Home Assistant or the simulator did not do what a step expected."""


def log(message: str) -> None:
    print(f"[develop] {message}", file=sys.stderr, flush=True)


async def wait_for[T](
    what: str, probe: Callable[[], Awaitable[T | None]], timeout: float = STEP_TIMEOUT
) -> T:
    """Poll `probe` until it returns something other than None; bounded."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            if (result := await probe()) is not None:
                return result
        except (aiohttp.ClientError, OSError, DemoError) as err:
            last_error = err
        await asyncio.sleep(0.25)
    raise DemoError(f"timed out after {timeout:.0f} s waiting for {what} ({last_error or ''})")
