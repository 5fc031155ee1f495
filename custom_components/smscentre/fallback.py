"""The HTTP fallback: while SMPP cannot bind, queued messages leave over the HTTP API.

Off unless the ``http_fallback`` option is on. Once SMPP has not been bound for
``http_fallback_after`` seconds, messages that never went over SMPP are taken from the outbox
one at a time, urgent first, at most ``throughput`` a second, and sent over HTTP (up to
``IN_FLIGHT`` requests at once, one message each) with an id
derived from their local id. Each goes once: a taken message is in no queue SMPP reads; an
answer lost on the way leaves it uncertain, and before it goes again the provider is asked
for it by that id (status.php), while the provider refuses the identical request within a
minute anyway. A part SMPP ever tried never goes over HTTP. When SMPP binds again, nothing
more is taken: SMPP sends the rest. A channel the HTTP API cannot carry waits for SMPP.
While the HTTP API fails, the fallback pauses (10 s, doubling to 5 min) and the messages
wait for either way to come back.

It costs money on the user's behalf, so every step is told on the bus
(``smscentre_http_fallback``): ``started``, ``stopped`` (with what was sent, failed and left
waiting), ``refused`` (a channel HTTP cannot carry, once per message), ``failed`` (the API
refused a message itself) and ``paused`` (the API failed; when it is tried again).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import logging
import time
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_call_later

from .const import EVENT_HTTP_FALLBACK
from .smsc.errors import SmscError
from .smsc.http.api import HttpApi
from .smsc.http.errors import ApiDuplicate, ApiError
from .smsc.http.provider import http_channels
from .smsc.http.request import client_id_for, message_text
from .smsc.message import OutboundMessage
from .smsc.outbox import HttpHandover, Outbox, http_attempts
from .smsc.prepare import FLASH_CLASS_0
from .smsc.ratelimit import MARGIN, RateLimiter
from .smsc.smpp.link import LinkStatus

_LOGGER = logging.getLogger(__name__)

FIRST_PAUSE = 10.0  # s after the HTTP API failed, doubling
MAX_PAUSE = 300.0
NOT_FOUND = -3  # status.php: the provider has no such message
REFUSED_REMEMBERED = 10_000  # local ids already told as refused
# Requests in flight at once: one at a time, the round trip to the provider (tens to hundreds
# of milliseconds) would bound the rate below the throughput option; the provider answers 9
# ("too many requests") to 15 or more at once, and the balance and the actions need some too.
IN_FLIGHT = 4

STARTED = "started"
STOPPED = "stopped"
REFUSED = "refused"
FAILED = "failed"
PAUSED = "paused"


class HttpFallback:
    """Sends what SMPP cannot while it cannot; see the module docstring."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        *,
        api: HttpApi,
        outbox: Outbox,
        after: float,
        rate: float | None,
        on_counters: Callable[[], None],
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        """For one entry. ``clock`` measures how long SMPP has been down, ``sleep`` spaces
        the sends (tests pass fakes)."""
        self._hass = hass
        self._entry = entry
        self._api = api
        self._outbox = outbox
        self._handover = HttpHandover(outbox)
        self.after = after
        self._limiter = RateLimiter(rate, margin=MARGIN)  # as the SMPP sender keeps it
        self._on_counters = on_counters
        self.clock = clock
        self._sleep = sleep
        self._carried = frozenset(str(c) for c in http_channels())
        self._bound = False
        self._unbound_since: float | None = clock()  # not bound yet
        self._paused_until = 0.0
        self._pause = FIRST_PAUSE
        self._wake = asyncio.Event()
        self._timer: CALLBACK_TYPE | None = None
        self._episode = False
        self._episode_counts = [0, 0]  # sent, failed
        self._refused: dict[str, None] = {}  # local ids told as refused (insertion-ordered)
        self._sending: set[asyncio.Task[None]] = set()  # requests in flight
        self.sent_total = 0
        self.failed_total = 0
        self.last_error: str | None = None

    # --- state -------------------------------------------------------------------------
    @property
    def in_flight(self) -> int:
        """Requests sent and not yet answered."""
        return len(self._sending)

    @property
    def active(self) -> bool:
        """Messages leave over HTTP now (SMPP down long enough, the HTTP API not failing)."""
        return self._delay() is None

    def _delay(self) -> float | None:
        """None: send now; else seconds until sending may start (inf: until told)."""
        if self._bound or self._unbound_since is None:
            return float("inf")
        now = self.clock()
        wait = max(self._unbound_since + self.after, self._paused_until) - now
        return None if wait <= 0 else wait

    @callback
    def link_status(self, status: LinkStatus) -> None:
        """SMPP bound: it takes over at once. Unbound: the countdown starts."""
        if status.bound and not self._bound:
            self._bound = True
            self._unbound_since = None
            self._end_episode()
        elif not status.bound and self._bound:
            self._bound = False
            self._unbound_since = self.clock()
        self.check()

    @callback
    def check(self) -> None:
        """Look again now (something changed: a message queued, a timer, the clock)."""
        self._wake.set()

    # --- the loop ------------------------------------------------------------------------
    async def run(self) -> None:
        """Send while due; wait otherwise. Cancelled by ``stop``: requests in flight are
        cancelled with it, their messages back in the outbox as possibly sent."""
        slots = asyncio.Semaphore(IN_FLIGHT)
        sending = self._sending
        try:
            while True:
                self._wake.clear()
                delay = self._delay()
                if delay is not None:
                    self._schedule(delay)
                    await self._wake.wait()
                    continue
                await slots.acquire()  # at most IN_FLIGHT requests at a time
                await self._pace()
                if self._delay() is not None:  # SMPP came back meanwhile: it takes over
                    slots.release()
                    continue
                message = self._handover.take(self._accepts, on_skip=self._skipped)
                if message is None:  # nothing sent: the limiter counts nothing
                    slots.release()
                    await self._wake.wait()
                    continue
                self._limiter.sent(self.clock())
                if not self._episode:
                    self._begin_episode()
                task = asyncio.create_task(self._send_in(slots, message))
                sending.add(task)
                task.add_done_callback(sending.discard)
        finally:
            self._cancel_timer()
            for task in sending:
                task.cancel()
            if sending:
                await asyncio.gather(*sending, return_exceptions=True)

    async def _send_in(self, slots: asyncio.Semaphore, message: OutboundMessage) -> None:
        try:
            await self._send(message)
        except Exception:  # a bug, not the API: told in the log; the others go on
            _LOGGER.exception("Sending %s over HTTP failed", message.local_id)
        finally:
            slots.release()

    def _accepts(self, channel: str) -> bool:
        return channel in self._carried

    async def _pace(self) -> None:
        """Wait until the throughput option allows one more send: at most ``rate`` in any
        second, late requests made up (``smsc/ratelimit.py``, as over SMPP)."""
        while (delay := self._limiter.delay(self.clock())) > 0:
            await self._sleep(delay)

    async def _send(self, message: OutboundMessage) -> None:
        """One message over HTTP; its outcome reported to the outbox, whatever happens."""
        client_id = str(client_id_for(message.local_id))
        retried = http_attempts(message) > 1
        try:
            if retried:  # an earlier attempt may have gone: ask the provider first
                status = await self._api.status(client_id, message.recipient)
                if status.status != NOT_FOUND:
                    self._sent(message, client_id)
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
            self._handover.give_back(message, maybe_sent=True)
            raise
        except ApiDuplicate as err:
            if retried:  # our own earlier request: it went
                self._sent(message, client_id)
            else:  # too many requests
                self._handover.give_back(message, maybe_sent=False)
                self._paused(err)
        except ApiError as err:
            if err.message_fault:
                self._failed(message, err)
            else:
                self._handover.give_back(message, maybe_sent=err.maybe_sent)
                self._paused(err)
        except SmscError as err:  # not the channel's text: never expected; SMPP keeps it
            _LOGGER.error("Message %s cannot go over HTTP: %s", message.local_id, err)
            self._handover.give_back(message, maybe_sent=False)
            self._paused(err)
        else:
            self._sent(message, sent.message_id)

    # --- outcomes ----------------------------------------------------------------------
    def _sent(self, message: OutboundMessage, message_id: str) -> None:
        self._handover.sent(message, message_id)
        self.sent_total += 1
        self._episode_counts[0] += 1
        self._pause = FIRST_PAUSE
        self._on_counters()

    def _failed(self, message: OutboundMessage, err: ApiError) -> None:
        code = err.code if isinstance(err.code, int) else None
        self._handover.failed(message, err.key, code)
        self.failed_total += 1
        self._episode_counts[1] += 1
        self._fire(
            FAILED,
            recipient=message.recipient,
            channel=str(message.channel),
            error=err.key,
            code=code,
        )
        self._on_counters()

    def _paused(self, err: SmscError) -> None:
        """The HTTP API failed: try again later (10 s, doubling to 5 min). The other
        requests in flight failing as well extend nothing: one pause per failure of the API."""
        self.last_error = err.key
        if self._paused_until > self.clock():
            return
        pause = self._pause
        self._paused_until = self.clock() + pause
        self._pause = min(MAX_PAUSE, pause * 2)
        self._fire(PAUSED, error=err.key, retry_in=pause)

    def _skipped(self, local_id: str, channel: str, recipient: str) -> None:
        """A queued message whose channel HTTP cannot carry: say so once; it waits."""
        if local_id in self._refused:
            return
        self._refused[local_id] = None
        if len(self._refused) > REFUSED_REMEMBERED:
            del self._refused[next(iter(self._refused))]
        self._fire(REFUSED, recipient=recipient, channel=channel, error="http_channel_unsupported")

    # --- episodes and events -------------------------------------------------------------
    def _begin_episode(self) -> None:
        self._episode = True
        self._episode_counts = [0, 0]
        self._fire(STARTED, queued=self._outbox.queued, down_for=self._down_for())

    def _end_episode(self) -> None:
        if not self._episode:
            return
        self._episode = False
        sent, failed = self._episode_counts
        self._fire(STOPPED, sent=sent, failed=failed, waiting=self._outbox.queued)
        self._refused.clear()

    def _down_for(self) -> float | None:
        since = self._unbound_since
        return None if since is None else round(self.clock() - since, 1)

    def _fire(self, state: str, **data: Any) -> None:
        self._hass.bus.async_fire(
            EVENT_HTTP_FALLBACK,
            {"config_entry_id": self._entry.entry_id, "state": state, **data},
        )

    # --- timers and lifecycle ------------------------------------------------------------
    def _schedule(self, delay: float) -> None:
        self._cancel_timer()
        if delay != float("inf"):
            self._timer = async_call_later(self._hass, delay, self._timer_fired)

    @callback
    def _timer_fired(self, _now: Any) -> None:
        self._timer = None
        self.check()

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer()
            self._timer = None

    def diagnostics(self) -> dict[str, Any]:
        """Counters for diagnostics (no message content, no numbers)."""
        return {
            "after": self.after,
            "rate": self._limiter.rate,
            "active": self.active,
            "smpp_bound": self._bound,
            "down_for": self._down_for(),
            "paused_for": max(0.0, round(self._paused_until - self.clock(), 1)),
            "in_flight": self.in_flight,
            "sent": self.sent_total,
            "failed": self.failed_total,
            "channels": sorted(self._carried),
            "last_error": self.last_error,
        }
