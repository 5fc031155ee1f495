"""Messages out of the outbox over the HTTP API: paced, a few at once, each once.

One sender per entry serves every route that sends over HTTP: the HTTP fallback (what SMPP
cannot send while it cannot bind) and the HTTP-only route (what SMPP can never carry). Each
route is a ``Source``: it says when it may take and which messages it takes; the sender
decides how they go:

Turns
    The sources take in turn, one message a turn, so neither starves the other.
Pace
    Every request waits for the outbox's rate limiter and counts against it
    (``Outbox.send_delay``, ``count_send``): the provider counts an account's sends over SMPP
    and HTTP alike, so one limiter keeps their sum within the throughput option.
In flight
    At most ``IN_FLIGHT`` requests at once, one message each: one at a time, the round trip
    to the provider (tens to hundreds of milliseconds) would bound the rate below the
    throughput option; the provider answers 9 ("too many requests") to 15 or more at once,
    and the balance and the actions need some too.
Once
    A taken message is in no queue SMPP reads (``smsc/outbox/handover.py``); its id for the
    provider is derived from its local id (``request.client_id_for``). An answer lost on the
    way leaves it uncertain, and before it goes again the provider is asked for it by that
    id (status.php), while the provider refuses the identical request within a minute anyway.
Pauses
    While the HTTP API fails (no answer, a server error, too many requests), nothing goes:
    10 s, doubling to 5 min; one pause per failure of the API, however many requests were in
    flight. The messages wait in the outbox meanwhile. The sources are told (``paused``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import logging
import math
import time
from typing import Any, Protocol

from ..errors import SmscError
from ..message import OutboundMessage
from ..outbox import HttpHandover, Outbox, http_attempts
from ..prepare import FLASH_CLASS_0
from .api import HttpApi
from .errors import ApiDuplicate, ApiError
from .request import client_id_for, message_text

_LOGGER = logging.getLogger(__name__)

FIRST_PAUSE = 10.0  # s after the HTTP API failed, doubling
MAX_PAUSE = 300.0
NOT_FOUND = -3  # status.php: the provider has no such message
IN_FLIGHT = 4  # requests at once (see the module docstring)


class Source(Protocol):
    """A route whose messages go over HTTP: when it may take, what it takes, what it hears."""

    def ready(self) -> float | None:
        """None: it may take now; else seconds until it may (inf: until told)."""

    def take(self, handover: HttpHandover) -> OutboundMessage | None:
        """Its next message, taken out of the outbox; None when it has none now."""

    def sent(self, message: OutboundMessage) -> None:
        """One of its messages went (the outbox knows already)."""

    def failed(self, message: OutboundMessage, err: ApiError) -> None:
        """The API refused one of its messages itself: it failed (the outbox knows)."""

    def paused(self, err: SmscError, retry_in: float) -> None:
        """The HTTP API failed: nothing goes for ``retry_in`` seconds."""


class HttpSender:
    """Sends what its sources take; see the module docstring."""

    def __init__(
        self,
        api: HttpApi,
        outbox: Outbox,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        """For one entry's API client and outbox. ``clock`` times the pauses, ``sleep``
        waits for the rate limiter (tests pass fakes)."""
        self._api = api
        self._outbox = outbox
        self.handover = HttpHandover(outbox)
        self.clock = clock
        self._sleep = sleep
        self._sources: list[Source] = []
        self._turn = 0
        self._paused_until = 0.0
        self._pause = FIRST_PAUSE
        self._wake = asyncio.Event()
        self._timer: asyncio.TimerHandle | None = None
        self._sending: set[asyncio.Task[None]] = set()  # requests in flight
        self.sent_total = 0
        self.failed_total = 0
        self.last_error: str | None = None

    def add_source(self, source: Source) -> None:
        """One more route whose messages go over HTTP (the runtime wires them)."""
        self._sources.append(source)
        self.check()

    @property
    def in_flight(self) -> int:
        """Requests sent and not yet answered."""
        return len(self._sending)

    @property
    def available(self) -> bool:
        """Whether requests may go now (the HTTP API is not failing)."""
        return self._paused_until <= self.clock()

    @property
    def paused_for(self) -> float:
        """Seconds left of the pause after the API failed (0: none)."""
        return max(0.0, round(self._paused_until - self.clock(), 1))

    def check(self) -> None:
        """Look again now (something changed: a message queued, SMPP's state, the clock)."""
        self._wake.set()

    # --- the loop ------------------------------------------------------------------------
    async def run(self) -> None:
        """Send while a source has messages; wait otherwise. Cancelled to stop: requests in
        flight are cancelled with it, their messages back in the outbox as possibly sent."""
        slots = asyncio.Semaphore(IN_FLIGHT)
        sending = self._sending
        try:
            while True:
                self._wake.clear()
                wait = self._wait()
                if wait is not None:
                    self._schedule(wait)
                    await self._wake.wait()
                    continue
                await slots.acquire()
                await self._pace()
                found = self._next()
                if not isinstance(found, tuple):  # nothing to send: the limiter counts nothing
                    slots.release()
                    self._schedule(found)
                    await self._wake.wait()
                    continue
                source, message = found
                self._outbox.count_send()
                task = asyncio.create_task(self._send_in(slots, source, message))
                sending.add(task)
                task.add_done_callback(sending.discard)
        finally:
            self._cancel_timer()
            for task in sending:
                task.cancel()
            if sending:
                await asyncio.gather(*sending, return_exceptions=True)

    def _wait(self) -> float | None:
        """None: a source may take now; else seconds until one may (inf: until told)."""
        now = self.clock()
        if self._paused_until > now:
            return self._paused_until - now
        soonest = math.inf
        for source in self._sources:
            wait = source.ready()
            if wait is None:
                return None
            soonest = min(soonest, wait)
        return soonest

    def _next(self) -> tuple[Source, OutboundMessage] | float:
        """The next message and its source, the sources in turn; else seconds until one
        may take (inf: until told)."""
        now = self.clock()
        if self._paused_until > now:
            return self._paused_until - now
        sources = self._sources
        count = len(sources)
        soonest = math.inf
        for step in range(count):
            source = sources[(self._turn + step) % count]
            wait = source.ready()
            if wait is not None:
                soonest = min(soonest, wait)
                continue
            message = source.take(self.handover)
            if message is not None:
                self._turn = (self._turn + step + 1) % count
                return source, message
        return soonest

    async def _pace(self) -> None:
        """Wait until the throughput option allows one more send (SMPP's count too)."""
        while (delay := self._outbox.send_delay()) > 0:
            await self._sleep(delay)

    async def _send_in(
        self, slots: asyncio.Semaphore, source: Source, message: OutboundMessage
    ) -> None:
        try:
            await self._send(source, message)
        except Exception:  # a bug, not the API: told in the log; the others go on
            _LOGGER.exception("Sending %s over HTTP failed", message.local_id)
        finally:
            slots.release()

    async def _send(self, source: Source, message: OutboundMessage) -> None:
        """One message over HTTP; its outcome reported to the outbox, whatever happens."""
        handover = self.handover
        client_id = str(client_id_for(message.local_id))
        retried = http_attempts(message) > 1
        try:
            if retried:  # an earlier attempt may have gone: ask the provider first
                status = await self._api.status(client_id, message.recipient)
                if status.status != NOT_FOUND:
                    self._sent(source, message, client_id)
                    return
            text = message_text(message.parts, message.data_coding, message.esm_class)
            sent = await self._api.send(
                [message.recipient],
                message.channel,
                text,
                client_id=int(client_id),
                sender=message.source,
                flash=bool(message.data_coding & FLASH_CLASS_0),
            )
        except asyncio.CancelledError:
            handover.give_back(message, maybe_sent=True)
            raise
        except ApiDuplicate as err:
            if retried:  # our own earlier request: it went
                self._sent(source, message, client_id)
            else:  # too many requests
                handover.give_back(message, maybe_sent=False)
                self._paused(err)
        except ApiError as err:
            if err.message_fault:
                self._failed(source, message, err)
            else:
                handover.give_back(message, maybe_sent=err.maybe_sent)
                self._paused(err)
        except SmscError as err:  # not the channel's text: never expected; it waits
            _LOGGER.error("Message %s cannot go over HTTP: %s", message.local_id, err)
            handover.give_back(message, maybe_sent=False)
            self._paused(err)
        else:
            self._sent(source, message, sent.message_id)

    # --- outcomes ----------------------------------------------------------------------
    def _sent(self, source: Source, message: OutboundMessage, message_id: str) -> None:
        self.handover.sent(message, message_id)
        self.sent_total += 1
        self._pause = FIRST_PAUSE
        source.sent(message)

    def _failed(self, source: Source, message: OutboundMessage, err: ApiError) -> None:
        code = err.code if isinstance(err.code, int) else None
        self.handover.failed(message, err.key, code)
        self.failed_total += 1
        source.failed(message, err)

    def _paused(self, err: SmscError) -> None:
        """The HTTP API failed: try again later (10 s, doubling to 5 min). The other
        requests in flight failing as well extend nothing: one pause per failure of the API."""
        self.last_error = err.key
        if self._paused_until > self.clock():
            return
        pause = self._pause
        self._paused_until = self.clock() + pause
        self._pause = min(MAX_PAUSE, pause * 2)
        for source in self._sources:
            source.paused(err, pause)

    # --- the timer ----------------------------------------------------------------------
    def _schedule(self, delay: float) -> None:
        self._cancel_timer()
        if delay != math.inf:
            self._timer = asyncio.get_running_loop().call_later(max(0.0, delay), self.check)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def diagnostics(self) -> dict[str, Any]:
        """Counters for diagnostics (no message content, no numbers)."""
        return {
            "in_flight": self.in_flight,
            "paused_for": self.paused_for,
            "sent": self.sent_total,
            "failed": self.failed_total,
            "last_error": self.last_error,
        }
