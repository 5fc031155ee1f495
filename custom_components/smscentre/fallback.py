"""The HTTP fallback: while SMPP cannot bind, queued messages leave over the HTTP API.

Off unless the ``http_fallback`` option is on. It decides *when* and *which*: once SMPP has
not been bound for ``http_fallback_after`` seconds, it takes messages that never went over
SMPP from the outbox, one at a time, urgent first; the HTTP sender (``smsc/http/sender.py``)
sends them, paced by the throughput option, a few at once, each once (looked up with
status.php before any resend), and pauses while the HTTP API fails. When SMPP binds again,
nothing more is taken: SMPP sends the rest. A channel the HTTP API cannot carry waits for
SMPP. Messages SMPP can never carry are not the fallback's: the HTTP-only route sends them.

It costs money on the user's behalf, so every step is told on the bus
(``smscentre_http_fallback``): ``started``, ``stopped`` (with what was sent, failed and left
waiting), ``refused`` (a channel HTTP cannot carry, once per message), ``failed`` (the API
refused a message itself) and ``paused`` (the API failed; when it is tried again).
"""

from __future__ import annotations

from collections.abc import Callable
import math
import time
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback

from .const import EVENT_HTTP_FALLBACK
from .smsc.errors import SmscError
from .smsc.http.errors import ApiError
from .smsc.http.provider import http_channels
from .smsc.http.sender import HttpSender
from .smsc.message import OutboundMessage
from .smsc.outbox import HttpHandover, Outbox
from .smsc.smpp.link import LinkStatus

REFUSED_REMEMBERED = 10_000  # local ids already told as refused

STARTED = "started"
STOPPED = "stopped"
REFUSED = "refused"
FAILED = "failed"
PAUSED = "paused"


class HttpFallback:
    """The HTTP sender's source while SMPP cannot bind; see the module docstring."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        *,
        sender: HttpSender,
        outbox: Outbox,
        after: float,
        rate: float | None,
        on_counters: Callable[[], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """For one entry. ``clock`` measures how long SMPP has been down (tests pass a fake);
        ``rate`` is the throughput option, for diagnostics (the outbox paces)."""
        self._hass = hass
        self._entry = entry
        self._sender = sender
        self._outbox = outbox
        self.after = after
        self._rate = rate
        self._on_counters = on_counters
        self.clock = clock
        self._carried = frozenset(str(c) for c in http_channels())
        self._bound = False
        self._unbound_since: float | None = clock()  # not bound yet
        self._episode = False
        self._episode_counts = [0, 0]  # sent, failed
        self._refused: dict[str, None] = {}  # local ids told as refused (insertion-ordered)
        self.sent_total = 0
        self.failed_total = 0

    # --- state -------------------------------------------------------------------------
    @property
    def in_flight(self) -> int:
        """HTTP requests sent and not yet answered."""
        return self._sender.in_flight

    @property
    def active(self) -> bool:
        """Messages leave over HTTP now (SMPP down long enough, the HTTP API not failing)."""
        return self.ready() is None and self._sender.available

    def ready(self) -> float | None:
        """None: take now; else seconds until SMPP has been down long enough (inf: bound)."""
        if self._bound or self._unbound_since is None:
            return math.inf
        wait = self._unbound_since + self.after - self.clock()
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
        """Look again now (something changed: a message queued, the clock)."""
        self._sender.check()

    # --- the sender's source -------------------------------------------------------------
    def take(self, handover: HttpHandover) -> OutboundMessage | None:
        """The first queued message that never went over SMPP, in a channel HTTP carries."""
        message = handover.take(self._accepts, on_skip=self._skipped)
        if message is not None and not self._episode:
            self._begin_episode()
        return message

    def _accepts(self, channel: str) -> bool:
        return channel in self._carried

    def sent(self, message: OutboundMessage) -> None:
        """One more sent in this episode."""
        self.sent_total += 1
        self._episode_counts[0] += 1
        self._on_counters()

    def failed(self, message: OutboundMessage, err: ApiError) -> None:
        """The API refused a message itself: told on the bus."""
        self.failed_total += 1
        self._episode_counts[1] += 1
        self._fire(
            FAILED,
            recipient=message.recipient,
            channel=str(message.channel),
            error=err.key,
            code=err.code if isinstance(err.code, int) else None,
        )
        self._on_counters()

    def paused(self, err: SmscError, retry_in: float) -> None:
        """The HTTP API failed: told on the bus while the fallback would be sending."""
        if self.ready() is None:
            self._fire(PAUSED, error=err.key, retry_in=retry_in)

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

    def diagnostics(self) -> dict[str, Any]:
        """Counters for diagnostics (no message content, no numbers)."""
        sender = self._sender
        return {
            "after": self.after,
            "rate": self._rate,
            "active": self.active,
            "smpp_bound": self._bound,
            "down_for": self._down_for(),
            "paused_for": sender.paused_for,
            "in_flight": sender.in_flight,
            "sent": self.sent_total,
            "failed": self.failed_total,
            "channels": sorted(self._carried),
            "last_error": sender.last_error,
        }
