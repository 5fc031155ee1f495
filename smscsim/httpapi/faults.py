"""Faults a test injects into the HTTP API, and where each one acts.

Each is read at one point of a request: before it is read (`before`: down, hanging), with the
address check (`blocking`: ``block_ip``), before the login check (`inject`), and after
it was carried out (`lose`). A new fault kind is a switch here, read at one of those points,
and a line in `apply` (the control API's ``POST /fault``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
import math
import time
from typing import Any

from aiohttp import web

from .records import HttpRequest
from .wire import ApiError

# the kinds of the control API's POST /fault this side knows, in the order its error lists them
KINDS = ("http_down", "http_fail", "http_block")
DOWN_MODES = ("unavailable", "reset", "hang")


class HttpFaults:
    """The HTTP API's faults: down (503, reset, hang), error answers, lost answers, blocks."""

    def __init__(self, notify: Callable[[], None]) -> None:
        self.notify = notify
        self.hanging = 0  # requests held by down("hang")
        self.mode: str | None = None  # down's mode, None when up
        self._fail_code = 0
        self._fail_count = 0
        self._lose = 0  # answers to drop after the request was carried out
        self._block_all_until = 0.0
        self._resume = asyncio.Event()

    # -- switches
    def fail(self, code: int, count: int = 1) -> None:
        """Answer the next ``count`` requests with error ``code`` (after the checks of
        the address: a blocked one still reads 4)."""
        self._fail_code = code
        self._fail_count = count

    def down(self, mode: str = "unavailable") -> None:
        """Stop answering: "unavailable" (HTTP 503), "reset" (connection closed with no
        answer) or "hang" (no answer until ``up()``). Requests left hanging by "hang" get
        what another mode says, at once."""
        if mode not in DOWN_MODES:
            raise ValueError(f"mode must be one of {', '.join(DOWN_MODES)}")
        self.mode = mode
        if mode == "hang":
            self._resume.clear()
        else:
            self._resume.set()

    def lose_answers(self, count: int = 1) -> None:
        """Carry out the next ``count`` requests, then close the connection unanswered (the
        client cannot know whether a message went)."""
        self._lose = count

    def up(self) -> None:
        """Answer again (requests left hanging are answered now)."""
        self.mode = None
        self._resume.set()

    def block_ip(self, duration: float | None = None) -> None:
        """Answer 4 (IP blocked) to every address for ``duration`` seconds (None: until
        cleared)."""
        self._block_all_until = math.inf if duration is None else time.monotonic() + duration

    def clear(self) -> None:
        self._fail_code = self._fail_count = 0
        self._lose = 0
        self._block_all_until = 0.0
        self.up()

    def release(self) -> None:
        """Let every hanging request go (the API stops)."""
        self._resume.set()

    def apply(self, kind: str, data: Mapping[str, Any]) -> bool:
        """Set the fault a ``POST /fault`` body names (ValueError: a bad value); False when
        the kind is not in KINDS."""
        if kind == "http_down":
            self.down(str(data.get("mode", "unavailable")))
        elif kind == "http_fail":
            self.fail(int(data.get("code", 1)), int(data.get("count", 1)))
        elif kind == "http_block":
            duration = data.get("duration")
            self.block_ip(None if duration is None else float(duration))
        else:
            return False
        return True

    # -- where they act
    async def before(self, request: web.Request) -> web.StreamResponse | None:
        """Before a request is read: hold it while hanging; the answer of a down API."""
        if self.mode == "hang":
            self.hanging += 1
            self.notify()
            try:
                await self._resume.wait()
            finally:
                self.hanging -= 1
        if self.mode == "unavailable":
            return web.Response(status=503, text="Service Unavailable")
        if self.mode == "reset":
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError
        return None

    def blocking(self, now: float) -> bool:
        """Every address is blocked (``block_ip``)."""
        return now < self._block_all_until

    def inject(self) -> None:
        """Raise the error an injected failure answers this request with, if any."""
        if self._fail_count > 0:
            self._fail_count -= 1
            raise ApiError(self._fail_code)

    def lose(self, request: web.Request, record: HttpRequest) -> None:
        """After a request was carried out: close its connection unanswered, if asked to."""
        if self._lose > 0 and record.error is None:
            self._lose -= 1
            record.http_status = 0
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError
