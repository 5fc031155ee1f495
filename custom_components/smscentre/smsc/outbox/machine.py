"""The outbox: priority queue, window and speed limit of outgoing SUBMIT_SMs; their outcomes.

aiosmpplib has no window and no retry, so both live here. The actions ``enqueue()`` message
specs (``prepare.py`` builds them) and follow ``on_done``; the link pulls the parts that may
go with ``await next_part()`` / ``next_part_nowait()``, sends one SUBMIT_SM for each and
reports back with ``on_response()``, ``on_timeout()`` or ``on_link_lost()``. What is queued
is :mod:`.backlog`, what awaits a response :mod:`.attempts`; what an answer means and when a
part goes again is the retry policy (:mod:`.retry`); the persisted image is :mod:`.snapshot`;
HTTP takes whole messages through :mod:`.handover`, those SMPP cannot carry from a lane of
their own (:mod:`.queue`), and counts its sends against the same throughput
(``send_delay``, ``count_send``).

Order
    URGENT before NORMAL, first in first out, the parts of a long message together, retries
    at the head once due: :mod:`.queue`.

Flow control
    At most ``window`` parts await a response. At most ``throughput`` SUBMIT_SMs in any sliding
    second (``None`` = no limit), spread on a schedule that makes up a late wake-up instead of
    losing it; after ESME_RTHROTTLED the rate is halved (at most once a second, down to 1/32)
    and recovers by half again every 2 s without throttling: see :mod:`..ratelimit`. When the
    rate holds parts back, the link's sender waits once (:mod:`.wakeup`).

Outcomes
    - Accepted: the part's message id is kept; when every part of a message is accepted the
      message is ``sent``.
    - Refused: the retry policy says whether the part goes again after its delay, counts as
      sent (0x45 to an uncertain part) or fails its message.
    - No response in time (``on_timeout``): the attempt is *uncertain* (the SMSC may have
      accepted it) and the part is retried. A success that arrives late for it is kept, and
      the queued resend is dropped.
    - Link lost (``on_link_lost``): every part awaiting a response is uncertain and goes back
      to the head of its queue at once, in its original order, to go out after the link is
      back.
    - When a message fails, its remaining queued parts are dropped.

Two ways in
    ``add()`` takes ``OutboundMessage`` objects and can return futures; the outbox updates
    those very objects. ``enqueue()`` takes ``MessageSpec`` tuples (strings, numbers, bytes):
    the cyclic garbage collector stops tracking such a tuple at its first pass, whereas
    every object of a class stays tracked, so a backlog of specs never sets off the full
    collections a backlog of objects does (each one a pass over the whole Home Assistant
    heap). A spec becomes an ``OutboundMessage`` when its first part goes (or on ``get()``);
    follow it with ``on_done``. Both are checked and queued by :mod:`.backlog`.

Everything per part is O(1) (a retry is O(log n) in the delay heap): the queue's deques and
heap, a dict of parts awaiting a response. ``snapshot()`` and
``on_link_lost()`` are O(n); ``take_first()`` looks at most at ``scan`` entries.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
import logging
import random
import time
from typing import Any

from ..errors import SmscError
from ..message import (
    FINISHED_STATES,
    SPEC_PARTS,
    SPEC_PRIORITY,
    STATE_FAILED,
    STATE_SENT,
    MessageSpec,
    OutboundMessage,
    PartRef,
)
from ..ratelimit import RateLimiter
from .attempts import Attempts
from .backlog import Backlog
from .queue import Entry, Job
from .retry import (
    ERROR_TIMEOUT,
    ERROR_TOO_MANY_ATTEMPTS,
    RETRYABLE,
    STATUS_OK,
    STATUS_THROTTLED,
    RetryPolicy,
    accepted_before,
    status_name,
)
from .snapshot import read_snapshot, take_snapshot
from .wakeup import Wakeup

_LOGGER = logging.getLogger(__name__)


class Outbox:
    """Priority queue + window + rate limit of outgoing parts; what became of each."""

    def __init__(
        self,
        *,
        window: int = 10,
        throughput: float | None = 30.0,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        on_change: Callable[[], None] | None = None,
        on_done: Callable[[OutboundMessage], None] | None = None,
        max_attempts: int = 10,
        retry_base: float = 1.0,
        retry_cap: float = 60.0,
        jitter: Callable[[], float] = random.random,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        rate_margin: float = 0.0,
    ) -> None:
        """Start empty.

        ``clock`` measures intervals (rate, backoff); ``wall_clock`` stamps messages;
        ``max_attempts``, ``retry_base``, ``retry_cap`` and ``jitter`` are the retry policy's
        (:mod:`.retry`); ``sleep`` waits on ``clock`` (tests pass one that advances a fake
        clock). ``rate_margin`` lengthens the second the rate is counted in, for the
        network's delay jitter (:mod:`..ratelimit`; the integration passes
        ``ratelimit.MARGIN``, 0 counts exact seconds).
        """
        if window < 1:
            raise ValueError("window must be at least 1")
        self._policy = RetryPolicy(
            max_attempts=max_attempts, base=retry_base, cap=retry_cap, jitter=jitter
        )
        self.window = window
        self._limiter = RateLimiter(throughput, margin=rate_margin)
        self.on_change = on_change
        self.on_done = on_done
        self._clock = clock
        self._wall_clock = wall_clock
        self._backlog = Backlog()
        self._active = self._backlog.active  # read here, changed by the backlog
        self._queue = self._backlog.queue
        self._attempts = Attempts(self._backlog)
        self._pending = self._attempts.pending  # read here, changed by the attempts
        self._wakeup = Wakeup(sleep)
        self._wake = self._wakeup.wake  # bound once: called for every part
        self._closed = False
        self.sent_total = 0
        self.failed_total = 0
        self.retries_total = 0
        self._operations = 0

    # ----------------------------------------------------------------- properties

    @property
    def operations(self) -> int:
        """Steps of the per-part paths (the queue's scans included): lets a test prove the
        cost per message stays flat however many are queued."""
        return self._operations + self._queue.operations

    @property
    def queued(self) -> int:
        """Messages not yet sent or failed."""
        return len(self._active)

    @property
    def pending(self) -> int:
        """Parts sent and awaiting a response."""
        return len(self._pending)

    @property
    def closed(self) -> bool:
        """Whether ``close()`` was called."""
        return self._closed

    @property
    def throughput(self) -> float | None:
        """SUBMIT_SMs allowed in any one second; None: no limit."""
        return self._limiter.rate

    @property
    def effective_throughput(self) -> float | None:
        """The rate now allowed (lower than ``throughput`` after throttling)."""
        return self._limiter.effective_rate

    def get(self, local_id: str) -> OutboundMessage | None:
        """Return an unfinished message by its local id; one still a spec is built now, and
        the outbox updates that object from then on."""
        found = self._active.get(local_id)
        if isinstance(found, tuple):
            return self.started(local_id) or self._backlog.build(found)
        return found

    def started(self, local_id: str) -> OutboundMessage | None:
        """Return an unfinished message a part of which went (its progress), else None."""
        found = self._active.get(local_id)
        return self._attempts.started(found) if isinstance(found, tuple) else found

    def stats(self) -> dict[str, Any]:
        """Counters for diagnostics and sensors (O(1))."""
        return {
            "queued": len(self._active),
            "pending": len(self._pending),
            "delayed": self._queue.delayed,
            "sent_total": self.sent_total,
            "failed_total": self.failed_total,
            "retries_total": self.retries_total,
            "window": self.window,
            "throughput": self.throughput,
            "effective_throughput": self.effective_throughput,
        }

    # ----------------------------------------------------------------- producer side

    def add(self, messages: Iterable[OutboundMessage]) -> list[asyncio.Future[OutboundMessage]]:
        """Queue messages; return one future each, resolved with the message when it is sent
        or failed (a failure is in ``message.state``/``error``, never raised)."""
        if self._closed:
            raise SmscError("outbox_closed")
        futures = self._backlog.add(messages, self._wall_clock())
        if futures:
            self._changed()
            self._wake()
        return futures

    def enqueue(self, specs: Iterable[MessageSpec]) -> None:
        """Queue messages given as specs (:mod:`.backlog`); no future: follow ``on_done``,
        which gets the ``OutboundMessage`` each became."""
        if self._closed:
            raise SmscError("outbox_closed")
        if self._backlog.enqueue(specs, self._wall_clock()):
            self._changed()
            self._wake()

    # ----------------------------------------------------------------- link side

    async def next_part(self) -> PartRef:
        """Wait until a part may go, then return it, counted as awaiting a response.

        Raises ``asyncio.CancelledError`` once the outbox is closed.
        """
        while True:
            if self._closed:
                raise asyncio.CancelledError
            ref, delay = self._take()
            if ref is not None:
                return ref
            await self._wakeup.wait(delay)

    def next_part_nowait(self) -> PartRef | None:
        """Return a part if one may go right now (as ``next_part``), else None.

        Lets the link write every part the window and rate allow at once.
        """
        if self._closed:
            return None
        return self._take()[0]

    def _take(self) -> tuple[PartRef | None, float | None]:
        """(a part that may go now, None) or (None, seconds until one may go, or None)."""
        now = self._clock()
        queue = self._queue
        queue.promote(now)
        if len(self._pending) < self.window:
            entry = queue.head()
            if entry is not None:
                wait = self._limiter.delay(now)
                if not wait:
                    return self._dispatch(entry, now), None
                return None, wait
            if (due := queue.next_due()) is not None:
                return None, due - now
        return None, None

    def on_response(self, token: int, status: int, message_id: str | None) -> None:
        """Handle the SUBMIT_SM_RESP of an attempt."""
        self._operations += 1
        entry = self._attempts.pop(token)
        if entry is None:
            self._late_response(token, status, message_id)
            return
        if isinstance(entry, tuple):
            if status == STATUS_OK and message_id is not None:
                # the common case: no retry state was needed
                self.sent_total += 1
                self._finish(OutboundMessage.sent_at_first(entry, message_id))
                self._changed()
                self._wake()
                return
            ref = self._attempts.adopt(token, entry)
        else:
            ref = entry
        message = ref.message
        assert message is not None
        if message.state in FINISHED_STATES or message.acked[ref.index]:
            self._wake()  # the window has room again
            return
        if status == STATUS_OK:
            self._accept(message, ref.index, message_id)
        elif accepted_before(status, message.uncertain[ref.index]):
            self._accept(message, ref.index, None)
        elif status in RETRYABLE:
            if status == STATUS_THROTTLED:
                self._limiter.throttled(self._clock())
            self._retry(message, ref.index, status, RETRYABLE[status])
        else:
            self._fail(message, status_name(status), status)
        self._changed()
        self._wake()

    def on_timeout(self, token: int) -> None:
        """No SUBMIT_SM_RESP came in time: the attempt is uncertain; retry the part."""
        entry = self._attempts.pop(token)
        if entry is None:
            return
        ref = self._attempts.adopt(token, entry) if isinstance(entry, tuple) else entry
        message = ref.message
        assert message is not None
        if message.state not in FINISHED_STATES and not message.acked[ref.index]:
            message.uncertain[ref.index] = 1
            self._attempts.timed_out(ref)  # a late success still counts
            self._retry(message, ref.index, None, ERROR_TIMEOUT)
            self._changed()
        self._wake()

    def on_link_lost(self) -> None:
        """Put every part awaiting a response back at the head of its queue, uncertain."""
        refs = self._attempts.lost()  # in the order they were sent
        if not refs:
            return
        again: list[tuple[OutboundMessage, int]] = []
        for ref in refs:
            message, index = ref.message, ref.index
            assert message is not None
            if message.state in FINISHED_STATES or message.acked[index]:
                continue
            message.uncertain[index] = 1
            if self._policy.gives_up(message, index):
                self._fail(message, ERROR_TOO_MANY_ATTEMPTS, None)
                continue
            self.retries_total += 1
            again.append((message, index))
        self._queue.resend(again)
        self._changed()
        self._wake()

    # ----------------------------------------------------------------- whole messages
    # what the HTTP hand-over (handover.py) takes out of the queues and reports back

    def take_first(
        self,
        wanted: Callable[[OutboundMessage | MessageSpec], bool],
        scan: int,
        *,
        http_only: bool = False,
    ) -> OutboundMessage | None:
        """Take the first message ``wanted`` picks out of its queue (``Backlog.take_first``);
        it is in no queue until ``put_back()``; tell its progress with ``changed()``."""
        return self._backlog.take_first(wanted, scan, http_only=http_only)

    @property
    def http_waiting(self) -> bool:
        """Whether messages only HTTP can carry wait to be taken (O(1))."""
        return self._queue.http_waiting

    def send_delay(self) -> float:
        """Seconds until the throughput option allows one more send, 0 when it does now.

        The provider counts an account's sends over SMPP and HTTP alike: a message taken
        for HTTP waits for this, then ``count_send()``, so both ways share one limit.
        """
        return self._limiter.delay(self._clock())

    def count_send(self) -> None:
        """A message went another way (one HTTP request): it counts against the same
        throughput as the SUBMIT_SMs."""
        self._limiter.sent(self._clock())

    def holds(self, message: OutboundMessage) -> bool:
        """Whether a message is unfinished and still this outbox's to finish."""
        return self._backlog.holds(message)

    def put_back(self, message: OutboundMessage) -> None:
        """Queue a taken message's parts not yet accepted at the head of its queue."""
        self._backlog.put_back(message)
        self._changed()
        self._wake()

    def finish_sent(self, message: OutboundMessage) -> None:
        """A taken message whose every part was accepted another way is sent."""
        message.state = STATE_SENT
        self.sent_total += 1
        self._finish(message)
        self._changed()

    def finish_failed(self, message: OutboundMessage, error: str, status: int | None) -> None:
        """A taken message refused another way fails."""
        self._fail(message, error, status)
        self._changed()

    def changed(self) -> None:
        """Tell ``on_change`` that the progress of a taken message changed."""
        self._changed()

    # ----------------------------------------------------------------- lifecycle

    def close(self) -> None:
        """Stop: wake every ``next_part()`` waiter with CancelledError, cancel the futures.

        Unfinished messages stay in ``snapshot()`` for the next start.
        """
        self._closed = True
        self._wakeup.cancel()
        self._backlog.cancel_futures()

    def snapshot(self) -> dict[str, Any]:
        """Return a JSON-able image of every unfinished message (see :mod:`.snapshot`)."""
        return take_snapshot(
            self._active.values(),
            self._pending.values(),
            self._attempts.flying,
            clean=self._closed,
            sent_total=self.sent_total,
            failed_total=self.failed_total,
        )

    def load(self, snapshot: Mapping[str, Any] | None) -> int:
        """Queue the messages of a ``snapshot()``; return how many were queued.

        Messages already queued (same local id) are skipped. A snapshot that is not one at
        all raises before anything is changed (see :mod:`.snapshot`).
        """
        restored = read_snapshot(snapshot)
        self.sent_total = max(self.sent_total, restored.sent_total)
        self.failed_total = max(self.failed_total, restored.failed_total)
        loaded = self._backlog.restore(restored.messages)
        if loaded:
            self._changed()
            self._wake()
        return loaded

    @classmethod
    def restore(cls, snapshot: Mapping[str, Any] | None, **kwargs: Any) -> Outbox:
        """Build an outbox (``kwargs`` as for ``__init__``) holding a snapshot's messages."""
        outbox = cls(**kwargs)
        outbox.load(snapshot)
        return outbox

    # ----------------------------------------------------------------- internals

    def _dispatch(self, entry: Entry, now: float) -> PartRef:
        self._operations += 1
        if isinstance(entry, tuple) and len(entry[SPEC_PARTS]) == 1:
            self._queue.pop_head(entry[SPEC_PRIORITY])
            ref = self._attempts.first(entry)  # it stays a spec
        else:
            if isinstance(entry, tuple):
                entry = self._backlog.build(entry)
                self._queue.replace_head(entry.priority, entry)
            message = entry.message if isinstance(entry, Job) else entry
            ref = self._attempts.start(message, self._queue.advance(entry))
        self._limiter.sent(now)
        self._changed()
        return ref

    def _retry(self, message: OutboundMessage, index: int, status: int | None, reason: str) -> None:
        if self._policy.gives_up(message, index):
            self._fail(message, ERROR_TOO_MANY_ATTEMPTS, status)
            return
        delay = self._policy.delay(message, index)
        self._queue.retry_at(self._clock() + delay, message, index)
        self.retries_total += 1
        if _LOGGER.isEnabledFor(logging.DEBUG):
            _LOGGER.debug(
                "Part %d/%d of %s: %s, retry %d in %.1f s",
                index + 1,
                len(message.parts),
                message.local_id,
                reason,
                message.part_attempts[index],
                delay,
            )

    def _accept(self, message: OutboundMessage, index: int, message_id: str | None) -> None:
        message.acked[index] = 1
        message.message_ids[index] = message_id
        if message_id is None:
            message.duplicate_suppressed = True
        message.remaining -= 1
        if not message.remaining:
            message.state = STATE_SENT
            self.sent_total += 1
            self._finish(message)

    def _fail(self, message: OutboundMessage, error: str, status: int | None) -> None:
        message.state = STATE_FAILED
        message.error = error
        message.error_status = status
        self.failed_total += 1
        if _LOGGER.isEnabledFor(logging.DEBUG):
            _LOGGER.debug("Message %s failed: %s", message.local_id, error)
        self._finish(message)

    def _finish(self, message: OutboundMessage) -> None:
        message.finished_at = self._wall_clock()
        future = self._backlog.remove(message.local_id)
        if self.on_done is not None:
            try:
                self.on_done(message)
            except Exception:
                _LOGGER.exception("Error in the outbox's on_done callback")
        if future is not None and not future.done():
            future.set_result(message)

    def _late_response(self, token: int, status: int, message_id: str | None) -> None:
        """A response for a timed-out attempt: a success still counts (never send twice)."""
        ref = self._attempts.late(token)
        if ref is None or status != STATUS_OK:
            return
        message = ref.message
        assert message is not None  # a timed-out attempt always has its message built
        if message.state in FINISHED_STATES or message.acked[ref.index]:
            return
        self._accept(message, ref.index, message_id)
        self._changed()

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()
