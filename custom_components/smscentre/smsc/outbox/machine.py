"""The outbox's state machine: which part may go now, and what each answer means.

aiosmpplib has no window and no retry, so both live here. The actions ``enqueue()`` message
specs (``prepare.py`` builds them) and follow ``on_done``; the link pulls the parts that may
go with ``await next_part()`` / ``next_part_nowait()``, sends one SUBMIT_SM for each and
reports back with ``on_response()``, ``on_timeout()`` or ``on_link_lost()``.

Decided here
    - At most ``window`` parts await a response; at most ``throughput`` SUBMIT_SMs in any
      sliding second, slowed down after ESME_RTHROTTLED (:mod:`..ratelimit`).
    - A success accepts its part, and so does 0x45 to a part whose earlier attempt is
      uncertain (it went); a retryable status sends the part again after a delay; any
      other status fails the message, whose queued parts are dropped then.
    - No response in time: the attempt is *uncertain* and the part is retried; a success
      that comes late for it still counts, and the queued resend is dropped (never twice).
    - Link lost: every part awaiting a response is uncertain and goes back to the head of
      its queue at once, in the order sent.

Decided elsewhere
    - :mod:`.backlog`: what is queued (a spec until a message is built of it), the checks a
      new message passes, re-queueing restored and taken-back messages, ``add()``'s futures.
    - :mod:`.queue`: the order parts go in (URGENT first, a long message's parts together,
      retries at the head once due) and the lane only HTTP takes from.
    - :mod:`.attempts`: the attempts awaiting a response, by token (the first attempt of a
      single-part spec stays a spec), and the timed-out ones a late success is kept for.
    - :mod:`.outcomes`: what accepting, retrying or failing does to a message; the
      counters, ``on_done`` and the futures of finished messages.
    - :mod:`.retry`: which statuses retry, the backoff, the attempts a part gets.
    - :mod:`.snapshot`: the persisted image. :mod:`.handover`: whole messages to the HTTP
      API and back; HTTP's sends count against the same throughput (``send_delay``,
      ``count_send``). :mod:`.wakeup`: where the link waits for a part.

Every step per part is O(1) (a retry O(log n) in the delay heap); ``snapshot()`` and
``on_link_lost()`` are O(n); ``take_first()`` looks at most at ``scan`` entries.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
import random
import time
from typing import Any

from ..errors import SmscError
from ..message import (
    FINISHED_STATES,
    SPEC_PARTS,
    SPEC_PRIORITY,
    MessageSpec,
    OutboundMessage,
    PartRef,
)
from ..ratelimit import RateLimiter
from .attempts import Attempts
from .backlog import Backlog
from .outcomes import Outcomes
from .queue import Entry, Job
from .retry import (
    ERROR_TIMEOUT,
    RETRYABLE,
    STATUS_OK,
    STATUS_THROTTLED,
    RetryPolicy,
    accepted_before,
    status_name,
)
from .snapshot import read_snapshot, take_snapshot
from .wakeup import Wakeup


class Outbox:
    """Outgoing parts: which may go now (window, rate) and what each answer means."""

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
        policy = RetryPolicy(
            max_attempts=max_attempts, base=retry_base, cap=retry_cap, jitter=jitter
        )
        self.window = window
        self._limiter = RateLimiter(throughput, margin=rate_margin)
        self.on_change = on_change
        self._clock = clock
        self._wall_clock = wall_clock
        self._backlog = backlog = Backlog()
        self._active = backlog.active  # read here, changed by the backlog
        self._queue = backlog.queue
        self._attempts = Attempts(backlog)
        self._pending = self._attempts.pending  # read here, changed by the attempts
        self._outcomes = Outcomes(
            backlog, policy, clock=clock, wall_clock=wall_clock, on_done=on_done
        )
        self._wakeup = Wakeup(sleep)
        self._wake = self._wakeup.wake  # bound once: called for every part
        self._closed = False
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
    def on_done(self) -> Callable[[OutboundMessage], None] | None:
        """Called with each message once it is sent or failed."""
        return self._outcomes.on_done

    @on_done.setter
    def on_done(self, on_done: Callable[[OutboundMessage], None] | None) -> None:
        self._outcomes.on_done = on_done

    @property
    def sent_total(self) -> int:
        """Messages sent (counted on from the snapshot)."""
        return self._outcomes.sent_total

    @property
    def failed_total(self) -> int:
        """Messages failed (counted on from the snapshot)."""
        return self._outcomes.failed_total

    @property
    def retries_total(self) -> int:
        """Parts sent again since the start."""
        return self._outcomes.retries_total

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
        """Wait until a part may go, then return it, counted as awaiting a response;
        ``asyncio.CancelledError`` once the outbox is closed."""
        while True:
            if self._closed:
                raise asyncio.CancelledError
            ref, delay = self._take()
            if ref is not None:
                return ref
            await self._wakeup.wait(delay)

    def next_part_nowait(self) -> PartRef | None:
        """Return a part if one may go right now (as ``next_part``), else None: the link
        writes every part the window and rate allow at once."""
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
                self._outcomes.sent(OutboundMessage.sent_at_first(entry, message_id))
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
        outcomes = self._outcomes
        if status == STATUS_OK:
            outcomes.accept(message, ref.index, message_id)
        elif accepted_before(status, message.uncertain[ref.index]):
            outcomes.accept(message, ref.index, None)
        elif status in RETRYABLE:
            if status == STATUS_THROTTLED:
                self._limiter.throttled(self._clock())
            outcomes.retry(message, ref.index, status, RETRYABLE[status])
        else:
            outcomes.fail(message, status_name(status), status)
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
            self._outcomes.retry(message, ref.index, None, ERROR_TIMEOUT)
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
            if self._outcomes.again(message, index):
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
        """Seconds until the throughput allows one more send, 0 when it does now: the
        provider counts SMPP's and HTTP's sends alike, so an HTTP request waits for this."""
        return self._limiter.delay(self._clock())

    def count_send(self) -> None:
        """One HTTP request went: it counts against the SUBMIT_SMs' throughput."""
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
        self._outcomes.sent(message)
        self._changed()

    def finish_failed(self, message: OutboundMessage, error: str, status: int | None) -> None:
        """A taken message refused another way fails."""
        self._outcomes.fail(message, error, status)
        self._changed()

    def changed(self) -> None:
        """Tell ``on_change`` that the progress of a taken message changed."""
        self._changed()

    # ----------------------------------------------------------------- lifecycle

    def close(self) -> None:
        """Stop: wake every ``next_part()`` waiter with CancelledError, cancel the futures;
        unfinished messages stay in ``snapshot()`` for the next start."""
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
        """Queue the messages of a ``snapshot()`` not queued yet; return how many. One that
        is no snapshot at all raises before anything changes (:mod:`.snapshot`)."""
        restored = read_snapshot(snapshot)
        outcomes = self._outcomes
        outcomes.sent_total = max(outcomes.sent_total, restored.sent_total)
        outcomes.failed_total = max(outcomes.failed_total, restored.failed_total)
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

    def _late_response(self, token: int, status: int, message_id: str | None) -> None:
        """A response for a timed-out attempt: a success still counts (never send twice)."""
        ref = self._attempts.late(token)
        if ref is None or status != STATUS_OK:
            return
        message = ref.message
        assert message is not None  # a timed-out attempt always has its message built
        if message.state in FINISHED_STATES or message.acked[ref.index]:
            return
        self._outcomes.accept(message, ref.index, message_id)
        self._changed()

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()
