"""The outbox: priority queue, window, speed limit and retry policy of outgoing SUBMIT_SMs.

aiosmpplib has no window and no retry, so both live here. The actions ``enqueue()`` message
specs (``prepare.py`` builds them) and follow ``on_done``; the link pulls the parts that may
go with ``await next_part()`` / ``next_part_nowait()``, sends one SUBMIT_SM for each and
reports back with ``on_response()``, ``on_timeout()`` or ``on_link_lost()``.

Order
    URGENT before NORMAL; first in, first out within a priority. Once the first part of a
    message went, its remaining parts go before any other message of its priority (the
    provider wants all parts of a long message within one minute). A part to be retried goes
    back to the head of its priority once its delay is over; other messages keep flowing
    meanwhile.

Flow control
    At most ``window`` parts await a response. At most ``throughput`` SUBMIT_SMs in any sliding
    second (``None`` = no limit), spread on a schedule that makes up a late wake-up instead of
    losing it; after ESME_RTHROTTLED the rate is halved (at most once a second, down to 1/32)
    and recovers by half again every 2 s without throttling: see :mod:`.ratelimit`. When the
    rate holds parts back, the link's sender waits once (one timer) and then takes every part
    that fell due meanwhile.

Retry policy
    - 0x00 (ESME_ROK): the part is accepted; its message id is kept. When every part of a
      message is accepted the message is ``sent``.
    - Retried with backoff: 0x58 ESME_RTHROTTLED (the rate also slows down), 0x14
      ESME_RMSGQFUL, 0x08 ESME_RSYSERR, 0x64 ESME_RX_T_APPN, and a SUBMIT_SM without response
      in time (``on_timeout``). The delay grows exponentially from ``retry_base`` to
      ``retry_cap`` seconds with jitter (between half and all of ``retry_base * 2 **
      (attempts - 1)``), but is at most 10 s for a part of a long message (one minute for all
      parts) and for a part whose earlier attempt is uncertain (so the resend falls within
      the provider's one-minute duplicate rule, see below).
    - Link lost (``on_link_lost``): every part awaiting a response goes back to the head of
      its queue at once, in its original order, to go out after the link is back.
    - Any other status (e.g. 0x0B invalid destination, 0x45 submit failed): the message fails
      at once, with ``error_status`` and a short English ``error`` name; it is not retried.
    - Never twice: an attempt that timed out or was cut by a lost link is *uncertain*: the
      SMSC may have accepted it. The part is resent; the provider refuses an identical
      request within one minute with 0x45, so if the resend of an uncertain part is answered
      0x45, the earlier attempt was accepted: the part counts as sent, with message id
      ``None``, and the message is flagged ``duplicate_suppressed``. A success that arrives
      late for a timed-out attempt is kept too, and the queued resend is dropped.
    - A part that needed ``max_attempts`` SUBMIT_SMs without success fails the message with
      ``error = "too_many_attempts"``.
    - When a message fails, its remaining queued parts are dropped.

Two ways in
    ``add()`` takes ``OutboundMessage`` objects and can return futures; the outbox updates
    those very objects. ``enqueue()`` takes ``MessageSpec`` tuples (strings, numbers, bytes):
    the cyclic garbage collector stops tracking such a tuple at its first pass, whereas
    every object of a class stays tracked, so a backlog of specs never sets off the full
    collections a backlog of objects does (each one a pass over the whole Home Assistant
    heap). A spec becomes an ``OutboundMessage`` when its first part goes (or on ``get()``);
    follow it with ``on_done``.

Persistence
    ``snapshot()`` holds every message not yet sent or failed, with the progress of each part;
    parts awaiting a response are stored as uncertain. A snapshot taken after ``close()`` is
    marked clean; any other (the process died after it) is restored with every part
    uncertain, since parts may have gone after it. ``on_change`` fires after each batch of
    changes; the caller coalesces saving (the Home Assistant layer's ``CoalescedSave``).
    ``restore()`` / ``load()`` rebuild the queue after a restart. The futures of ``add()`` do
    not survive a restart: use ``on_done`` for restored messages.

HTTP hand-over (the HTTP fallback)
    ``take_for_http()`` takes out of the queue the first message, urgent first, no part of
    which ever went over SMPP, and marks each part as one more attempt over HTTP (its id reads
    ``http:<n>`` and it is uncertain until the answer: a snapshot taken meanwhile keeps it so).
    The caller then reports ``http_sent()``, ``http_failed()`` (the API refused the message
    itself) or ``http_return()`` (not sent: back to the head of its queue; with
    ``maybe_sent`` it stays uncertain, so SMPP's 0x45 counts as sent and the HTTP side checks
    the status before trying again). A message with any SMPP attempt is never taken, nor one
    SMPP already tried after an HTTP attempt. A taken message is in no queue: SMPP cannot send
    it meanwhile.

Everything per part is O(1) (a retry is O(log n) in the delay heap): deques per priority,
a heap of delayed retries, a dict of parts awaiting a response. ``snapshot()`` and
``on_link_lost()`` are O(n); ``take_for_http()`` looks at most at ``HTTP_SCAN`` entries.
"""

from __future__ import annotations

import asyncio
import base64
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
import heapq
import logging
import random
import time
from typing import Any

from .errors import SmscError
from .message import (
    FINISHED_STATES,
    HTTP_MARK,
    SPEC_CHANNEL,
    SPEC_CREATED,
    SPEC_ID,
    SPEC_PARTS,
    SPEC_PRIORITY,
    SPEC_RECIPIENT,
    STATE_FAILED,
    STATE_QUEUED,
    STATE_SENDING,
    STATE_SENT,
    VIA_HTTP,
    MessageSpec,
    OutboundMessage,
    PartRef,
    Priority,
)
from .ratelimit import RateLimiter

_LOGGER = logging.getLogger(__name__)

# Version 2 stores each message as an array in ``_ENTRY_FIELDS`` order (tuples when built:
# never tracked by the cyclic garbage collector); version 1 as an object with those keys.
SNAPSHOT_VERSION = 2
_ENTRY_FIELDS = (
    *("id", "to", "ch", "pr", "src", "dc", "esm", "parts", "rd", "at"),  # the spec (parts base64)
    *("ids", "ack", "unc", "att", "dup"),  # the progress of each part, duplicate suppressed
)

STATUS_OK = 0x00
STATUS_SUBMIT_FAILED = 0x45  # also the provider's answer to a duplicate within one minute

# Retried with backoff.
RETRYABLE: dict[int, str] = {
    0x08: "system_error",  # ESME_RSYSERR
    0x14: "message_queue_full",  # ESME_RMSGQFUL
    0x58: "throttled",  # ESME_RTHROTTLED
    0x64: "temporary_application_error",  # ESME_RX_T_APPN
}
STATUS_THROTTLED = 0x58

# Permanent: the message fails at once.
STATUS_NAMES: dict[int, str] = {
    0x01: "invalid_message_length",  # ESME_RINVMSGLEN
    0x02: "invalid_command_length",  # ESME_RINVCMDLEN
    0x03: "invalid_command_id",  # ESME_RINVCMDID
    0x04: "incorrect_bind_status",  # ESME_RINVBNDSTS
    0x05: "already_bound",  # ESME_RALYBND
    0x06: "invalid_priority_flag",  # ESME_RINVPRTFLG
    0x07: "invalid_registered_delivery",  # ESME_RINVREGDLVFLG
    0x0A: "invalid_source_address",  # ESME_RINVSRCADR
    0x0B: "invalid_destination_address",  # ESME_RINVDSTADR
    0x0C: "invalid_message_id",  # ESME_RINVMSGID
    0x0D: "bind_failed",  # ESME_RBINDFAIL
    0x0E: "invalid_password",  # ESME_RINVPASWD
    0x0F: "invalid_system_id",  # ESME_RINVSYSID
    0x15: "invalid_service_type",  # ESME_RINVSERTYP
    0x33: "invalid_number_of_destinations",  # ESME_RINVNUMDESTS
    0x40: "invalid_destination_flag",  # ESME_RINVDESTFLAG
    0x43: "invalid_esm_class",  # ESME_RINVESMCLASS
    0x45: "submit_failed",  # ESME_RSUBMITFAIL
    0x48: "invalid_source_ton",  # ESME_RINVSRCTON
    0x49: "invalid_source_npi",  # ESME_RINVSRCNPI
    0x50: "invalid_destination_ton",  # ESME_RINVDSTTON
    0x51: "invalid_destination_npi",  # ESME_RINVDSTNPI
    0x53: "invalid_system_type",  # ESME_RINVSYSTYP
    0x55: "invalid_number_of_messages",  # ESME_RINVNUMMSGS
    0x61: "invalid_scheduled_time",  # ESME_RINVSCHED
    0x62: "invalid_validity_period",  # ESME_RINVEXPIRY
    0x63: "predefined_message_not_found",  # ESME_RINVDFTMSGID
    0x65: "permanent_application_error",  # ESME_RX_P_APPN
    0x66: "rejected_by_application",  # ESME_RX_R_APPN
    0xC0: "invalid_optional_parameters",  # ESME_RINVOPTPARSTREAM
    0xC1: "optional_parameter_not_allowed",  # ESME_ROPTPARNOTALLWD
    0xC2: "invalid_parameter_length",  # ESME_RINVPARLEN
    0xC3: "missing_optional_parameter",  # ESME_RMISSINGOPTPARAM
    0xC4: "invalid_optional_parameter_value",  # ESME_RINVOPTPARAMVAL
    0xFE: "delivery_failure",  # ESME_RDELIVERYFAILURE
    0xFF: "unknown_error",  # ESME_RUNKNOWNERR
}
ERROR_TIMEOUT = "timeout"
ERROR_LINK_LOST = "link_lost"
ERROR_TOO_MANY_ATTEMPTS = "too_many_attempts"

SAFE_RETRY_CAP = 10.0  # s; long messages and uncertain parts (the provider's one-minute rules)
LATE_TOKENS = 10_000  # timed-out attempts whose late success we still accept
HTTP_SCAN = 1_000  # queue entries take_for_http looks at, at most


def status_name(status: int) -> str:
    """Return a short English name of an SMPP command_status."""
    return RETRYABLE.get(status) or STATUS_NAMES.get(status) or f"status_0x{status:08X}"


def _spec_entry(
    spec: MessageSpec, encoded: dict[int, tuple[str, ...]], flying: bool
) -> tuple[Any, ...]:
    """The snapshot entry of a message not tried yet or (``flying``) a single part on its
    first attempt, which may be accepted (``encoded`` caches base64 parts by ``id``)."""
    local_id, recipient, channel, priority, source, coding, esm, parts, rd, at = spec
    texts = encoded.get(id(parts))
    if texts is None:
        texts = encoded[id(parts)] = tuple([base64.b64encode(p).decode("ascii") for p in parts])
    zeros = (0,) * len(parts)
    tried = (1,) if flying else zeros
    return (
        *(local_id, recipient, channel, priority, source, coding, esm, texts, rd, at),
        *((None,) * len(parts), zeros, tried, tried, False),
    )


def http_attempts(message: OutboundMessage) -> int:
    """Attempts of a message's first part that went over HTTP (marked ``http:<n>``)."""
    mark = message.message_ids[0] if message.message_ids else None
    if mark is None or not mark.startswith(HTTP_MARK):
        return 0
    count = mark[len(HTTP_MARK) :]
    return int(count) if count.isdigit() else 0


def _never_smpp(message: OutboundMessage) -> bool:
    """No part went over SMPP: every attempt of every part was over HTTP (none acked)."""
    if message.acked and any(message.acked):
        return False
    count = http_attempts(message)
    if not count and any(message.uncertain):
        return False  # restored after a crash: it may have gone over SMPP since the snapshot
    mark = f"{HTTP_MARK}{count}" if count else None
    return all(
        attempts == count and message.message_ids[index] == mark
        for index, attempts in enumerate(message.part_attempts)
    )


def _mark_http(message: OutboundMessage) -> None:
    """One more attempt of every part, over HTTP; uncertain until its answer."""
    count = http_attempts(message) + 1
    for index in range(len(message.parts)):
        message.part_attempts[index] = min(255, count)
        message.message_ids[index] = f"{HTTP_MARK}{count}"
        message.uncertain[index] = 1
    message.attempts = max(message.attempts, min(255, count))
    message.state = STATE_SENDING


def _unmark_http(message: OutboundMessage) -> None:
    """Undo the last HTTP attempt (it cannot have reached the provider)."""
    count = http_attempts(message) - 1
    for index in range(len(message.parts)):
        message.part_attempts[index] = max(0, count)
        message.message_ids[index] = f"{HTTP_MARK}{count}" if count > 0 else None
        message.uncertain[index] = 1 if count > 0 else 0
    message.attempts = max(0, count)
    message.state = STATE_SENDING if count > 0 else STATE_QUEUED


class _Job:
    """Parts of one message still to send, in order, from one queue entry."""

    __slots__ = ("indices", "message", "pos", "stop")

    def __init__(self, message: OutboundMessage, indices: list[int] | None = None) -> None:
        self.message = message
        self.indices = indices  # None: every part, 0 .. stop - 1
        self.pos = 0
        self.stop = len(message.parts) if indices is None else len(indices)

    def peek(self) -> int:
        return self.pos if self.indices is None else self.indices[self.pos]


# a message itself (fresh: every part, in order, from its ``cursor``), a ``_Job`` (the parts
# left of a restored message, a retry) or a spec (fresh, not yet built into a message)
type _Entry = OutboundMessage | _Job | MessageSpec


class Outbox:
    """Priority queue + window + rate limit + retry policy of outgoing parts."""

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
        ``jitter`` returns a number in [0, 1); ``sleep`` waits on ``clock`` (tests pass one
        that advances a fake clock). ``rate_margin`` lengthens the second the rate is counted
        in, for the network's delay jitter (:mod:`.ratelimit`; the integration passes
        ``ratelimit.MARGIN``, 0 counts exact seconds).
        """
        if window < 1:
            raise ValueError("window must be at least 1")
        if not 1 <= max_attempts <= 255:
            raise ValueError("max_attempts must be 1..255")  # counted in a bytearray
        self.window = window
        self._limiter = RateLimiter(throughput, margin=rate_margin)
        self.on_change = on_change
        self.on_done = on_done
        self.max_attempts = max_attempts
        self.retry_base = retry_base
        self.retry_cap = retry_cap
        self._clock = clock
        self._wall_clock = wall_clock
        self._jitter = jitter
        self._sleep = sleep
        self._queues: tuple[deque[_Entry], deque[_Entry]] = (deque(), deque())
        self._delayed: list[tuple[float, int, OutboundMessage, int]] = []  # (due, seq, msg, i)
        self._seq = 0
        # token -> attempt awaiting a response; a spec for the first attempt of a single-part
        # message queued by ``enqueue`` (no object for it unless something goes wrong)
        self._pending: dict[int, PartRef | MessageSpec] = {}
        self._flying: dict[str, int] = {}  # local_id -> token of those specs
        self._late: OrderedDict[int, PartRef] = OrderedDict()  # timed-out attempts
        # local_id -> not finished, in add order (a spec until its first part goes)
        self._active: dict[str, OutboundMessage | MessageSpec] = {}
        self._futures: dict[str, asyncio.Future[OutboundMessage]] = {}
        self._waiters: set[asyncio.Future[None]] = set()
        self._next_token = 1
        self._closed = False
        self.sent_total = 0
        self.failed_total = 0
        self.retries_total = 0
        # steps of the per-part paths (queue scans included): lets a test prove the cost per
        # message stays flat however many are queued
        self.operations = 0

    # ----------------------------------------------------------------- properties

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
        """Return an unfinished message by its local id.

        A message queued by ``enqueue()`` and not tried yet is built from its spec now; the
        outbox updates that object from then on.
        """
        found = self._active.get(local_id)
        if isinstance(found, tuple):
            return self.started(local_id) or self._materialize(found)
        return found

    def started(self, local_id: str) -> OutboundMessage | None:
        """Return an unfinished message a part of which went (its progress), else None."""
        found = self._active.get(local_id)
        if not isinstance(found, tuple):
            return found
        token = self._flying.get(local_id)
        if token is None:
            return None
        return self._adopt(token, found).message

    def stats(self) -> dict[str, Any]:
        """Counters for diagnostics and sensors (O(1))."""
        return {
            "queued": len(self._active),
            "pending": len(self._pending),
            "delayed": len(self._delayed),
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
        loop = asyncio.get_running_loop()
        batch = list(messages)
        seen: set[str] = set()
        for message in batch:
            message.priority = Priority(message.priority)
            self._check_new(message.local_id, message.parts, seen)
        result: list[asyncio.Future[OutboundMessage]] = []
        now = self._wall_clock()
        active = self._active
        queues = self._queues
        for message in batch:
            message._reset_progress()
            if not message.created_at:
                message.created_at = now
            active[message.local_id] = message
            queues[message.priority].append(message)
            future: asyncio.Future[OutboundMessage] = loop.create_future()
            self._futures[message.local_id] = future
            result.append(future)
        if batch:
            self._changed()
            self._wake()
        return result

    def enqueue(self, specs: Iterable[MessageSpec]) -> None:
        """Queue messages given as specs (see the module docstring); no future: follow
        ``on_done``, which gets the ``OutboundMessage`` each became."""
        if self._closed:
            raise SmscError("outbox_closed")
        batch = list(specs)
        seen: set[str] = set()
        for spec in batch:
            Priority(spec[SPEC_PRIORITY])  # ValueError when not one
            self._check_new(spec[SPEC_ID], spec[SPEC_PARTS], seen)
        if not batch:
            return
        now = self._wall_clock()
        active = self._active
        queues = self._queues
        for given in batch:
            spec = given if given[SPEC_CREATED] else (*given[:9], now)
            active[spec[SPEC_ID]] = spec
            queues[spec[SPEC_PRIORITY]].append(spec)
        self._changed()
        self._wake()

    def _check_new(self, local_id: str, parts: Sequence[bytes], seen: set[str]) -> None:
        """ValueError unless a message to queue has parts and a local id not queued yet."""
        if not parts:
            raise ValueError(f"message {local_id} has no parts")
        if local_id in self._active or local_id in seen:
            raise ValueError(f"message {local_id} is already queued")
        seen.add(local_id)

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
            await self._wait(delay)

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
        delayed = self._delayed
        if delayed and delayed[0][0] <= now:
            self._promote(now)
        if len(self._pending) < self.window:
            job = self._head()
            if job is not None:
                wait = self._limiter.delay(now)
                if not wait:
                    return self._dispatch(job, now), None
                return None, wait
            if delayed:
                return None, delayed[0][0] - now
        return None, None

    def on_response(self, token: int, status: int, message_id: str | None) -> None:
        """Handle the SUBMIT_SM_RESP of an attempt."""
        self.operations += 1
        entry = self._pending.pop(token, None)
        if entry is None:
            self._late_response(token, status, message_id)
            return
        if isinstance(entry, tuple):
            if status == STATUS_OK and message_id is not None:
                self._sent_spec(entry, message_id)  # the common case, without retry state
                self._changed()
                self._wake()
                return
            ref = self._adopt(token, entry, pending=False)
        else:
            ref = entry
        message = ref.message
        assert message is not None
        if message.state in FINISHED_STATES or message.acked[ref.index]:
            self._wake()  # the window has room again
            return
        if status == STATUS_OK:
            self._accept(message, ref.index, message_id)
        elif status == STATUS_SUBMIT_FAILED and message.uncertain[ref.index]:
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
        entry = self._pending.pop(token, None)
        if entry is None:
            return
        ref = self._adopt(token, entry, pending=False) if isinstance(entry, tuple) else entry
        message = ref.message
        assert message is not None
        if message.state not in FINISHED_STATES and not message.acked[ref.index]:
            message.uncertain[ref.index] = 1
            late = self._late
            late[token] = ref
            if len(late) > LATE_TOKENS:
                late.popitem(last=False)
            self._retry(message, ref.index, None, ERROR_TIMEOUT)
            self._changed()
        self._wake()

    def on_link_lost(self) -> None:
        """Put every part awaiting a response back at the head of its queue, uncertain."""
        self._late.clear()  # responses of a dead session never come
        if not self._pending:
            return
        refs = [  # in the order they were sent
            self._adopt(token, entry, pending=False) if isinstance(entry, tuple) else entry
            for token, entry in self._pending.items()
        ]
        self._pending.clear()
        jobs: dict[int, _Job] = {}  # id(message) -> job, first sent first
        for ref in refs:
            message, index = ref.message, ref.index
            assert message is not None
            if message.state in FINISHED_STATES or message.acked[index]:
                continue
            message.uncertain[index] = 1
            if message.part_attempts[index] >= self.max_attempts:
                self._fail(message, ERROR_TOO_MANY_ATTEMPTS, None)
                continue
            self.retries_total += 1
            job = jobs.get(id(message))
            if job is None:
                jobs[id(message)] = _Job(message, [index])
            else:
                job.indices.append(index)  # type: ignore[union-attr]
                job.stop += 1
        for job in reversed(jobs.values()):
            if job.message.state not in FINISHED_STATES:
                self._queues[job.message.priority].appendleft(job)
        self._changed()
        self._wake()

    # ----------------------------------------------------------------- HTTP hand-over

    def take_for_http(
        self,
        accept: Callable[[str], bool],
        *,
        on_skip: Callable[[str, str, str], None] | None = None,
        scan: int = HTTP_SCAN,
    ) -> OutboundMessage | None:
        """Take the first queued message (urgent first) that never went over SMPP and whose
        channel ``accept`` takes; None when there is none (see the module docstring).

        ``on_skip(local_id, channel, recipient)`` hears of each such message whose channel
        ``accept`` refuses: it stays queued for SMPP.
        """
        if self._closed:
            return None
        active = self._active
        looked = 0
        for queue in self._queues:
            for position, entry in enumerate(queue):
                looked += 1
                if looked > scan:
                    return None
                spec: MessageSpec | None = None
                if isinstance(entry, tuple):
                    current = active.get(entry[SPEC_ID])
                    if current is entry:
                        spec = entry
                        message = None
                    elif current is None or isinstance(current, tuple):
                        continue
                    else:
                        message = current
                else:
                    message = entry.message if isinstance(entry, _Job) else entry
                if message is not None:
                    if message.state in FINISHED_STATES or not _never_smpp(message):
                        continue
                    spec = message.spec or message.to_spec()
                assert spec is not None
                if not accept(spec[SPEC_CHANNEL]):
                    if on_skip is not None:
                        on_skip(spec[SPEC_ID], spec[SPEC_CHANNEL], spec[SPEC_RECIPIENT])
                    continue
                del queue[position]
                if message is None:
                    message = self._materialize(spec)
                _mark_http(message)
                self._changed()
                return message
        return None

    def http_sent(self, message: OutboundMessage, message_id: str) -> None:
        """The HTTP API accepted a taken message: every part is sent, with its id."""
        if message.state in FINISHED_STATES:
            return
        for index in range(len(message.parts)):
            message.acked[index] = 1
            message.uncertain[index] = 0
            message.message_ids[index] = message_id
        message.remaining = 0
        message.state = STATE_SENT
        message.via = VIA_HTTP
        self.sent_total += 1
        self._finish(message)
        self._changed()

    def http_failed(self, message: OutboundMessage, error: str, status: int | None) -> None:
        """The HTTP API refused a taken message itself (a bad number...): it fails."""
        if message.state in FINISHED_STATES:
            return
        message.via = VIA_HTTP
        self._fail(message, error, status)
        self._changed()

    def http_return(self, message: OutboundMessage, *, maybe_sent: bool) -> None:
        """A taken message was not sent over HTTP: back to the head of its queue.

        Unless ``maybe_sent`` (no answer after the request went), the attempt is undone.
        """
        if message.state in FINISHED_STATES or message.local_id not in self._active:
            return
        if not maybe_sent:
            _unmark_http(message)
        todo = [i for i, acked in enumerate(message.acked) if not acked]
        self._queues[message.priority].appendleft(_Job(message, todo))
        self._changed()
        self._wake()

    # ----------------------------------------------------------------- lifecycle

    def close(self) -> None:
        """Stop: wake every ``next_part()`` waiter with CancelledError, cancel the futures.

        Unfinished messages stay in ``snapshot()`` for the next start.
        """
        self._closed = True
        for waiter in self._waiters:
            if not waiter.done():
                waiter.cancel()
        self._waiters.clear()
        for future in self._futures.values():
            if not future.done():
                future.cancel()
        self._futures.clear()

    def snapshot(self) -> dict[str, Any]:
        """Return a JSON-able image of every unfinished message (O(n), a few µs each).

        Each message is a tuple of strings and numbers in ``_ENTRY_FIELDS`` order, so the
        image of a large backlog, alive while it is written in the executor, is not tracked
        by the garbage collector. A message object keeps the unchanging part of its entry;
        the parts of a request's specs are encoded once per snapshot.
        """
        in_flight: dict[int, set[int]] = {}
        for ref in self._pending.values():
            if not isinstance(ref, tuple):
                in_flight.setdefault(id(ref.message), set()).add(ref.index)
        flying = self._flying  # specs on their first attempt: stored as tried and uncertain
        messages: list[Any] = []
        append = messages.append
        encoded: dict[int, tuple[str, ...]] = {}  # id(parts) -> base64; a request shares parts
        for message in self._active.values():
            if isinstance(message, tuple):
                # built anew each time: a spec has nowhere to keep it
                append(_spec_entry(message, encoded, message[SPEC_ID] in flying))
                continue
            stored = message.stored
            if stored is None:
                spec = message.spec
                if spec is None:
                    spec = message.spec = message.to_spec()
                stored = message.stored = _spec_entry(spec, encoded, False)
            if not message.attempts:
                append(stored)  # shared, never mutated: nothing to copy
                continue
            sent = in_flight.get(id(message))
            if sent is None:
                uncertain = tuple(message.uncertain)
            else:
                uncertain = tuple([int(f or i in sent) for i, f in enumerate(message.uncertain)])
            append(
                (
                    *stored[:10],
                    tuple(message.message_ids),
                    tuple(message.acked),
                    uncertain,
                    tuple(message.part_attempts),
                    message.duplicate_suppressed,
                )
            )
        return {
            "version": SNAPSHOT_VERSION,
            # written after close(): a graceful stop; any other snapshot may be followed by
            # sends it does not show (see load)
            "clean": self._closed,
            "sent_total": self.sent_total,
            "failed_total": self.failed_total,
            "messages": messages,
        }

    def load(self, snapshot: Mapping[str, Any] | None) -> int:
        """Queue the messages of a ``snapshot()``; return how many were queued.

        Messages already queued (same local id) are skipped; malformed entries are logged
        and skipped. A snapshot that is not one at all (an unknown version, counters or a
        message list of the wrong type) raises ValueError or TypeError before anything is
        changed: its caller moves the file aside rather than overwrite it at the next save.

        A snapshot not written at a graceful stop (the process died) may predate sends: every
        part it holds is then restored as uncertain, so that a resend the provider refuses
        as a duplicate (0x45) counts as sent rather than failed (see the retry policy).
        """
        if not snapshot:
            return 0
        if snapshot.get("version") not in (1, SNAPSHOT_VERSION):
            raise ValueError(f"outbox snapshot of unknown version {snapshot.get('version')!r}")
        sent_total = int(snapshot.get("sent_total") or 0)
        failed_total = int(snapshot.get("failed_total") or 0)
        items = snapshot.get("messages") or []
        if not isinstance(items, list):
            raise TypeError("the outbox snapshot's messages are not a list")
        self.sent_total = max(self.sent_total, sent_total)
        self.failed_total = max(self.failed_total, failed_total)
        clean = snapshot.get("clean") is True
        loaded = skipped = 0
        for item in items:
            try:
                message = self._message_from(item)
            except (KeyError, TypeError, ValueError) as err:
                skipped += 1
                _LOGGER.debug("Skipping a malformed queued message: %r", err)
                continue
            if message.local_id in self._active:
                continue
            if not clean:
                for index, acked in enumerate(message.acked):
                    if not acked:
                        message.uncertain[index] = 1
            if clean and not message.attempts:  # not tried yet: queued as a spec (enqueue)
                spec = message.to_spec()
                self._active[message.local_id] = spec
                self._queues[message.priority].append(spec)
            else:
                self._active[message.local_id] = message
                todo = [i for i, acked in enumerate(message.acked) if not acked]
                self._queues[message.priority].append(_Job(message, todo))
            loaded += 1
        if skipped:
            _LOGGER.warning("Skipped %d malformed queued messages", skipped)
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

    def _materialize(self, spec: MessageSpec) -> OutboundMessage:
        """Build the message of a queued spec; it takes the spec's place in ``_active``."""
        message = OutboundMessage.from_spec(spec)
        message._reset_progress()
        self._active[message.local_id] = message
        return message

    @staticmethod
    def _message_from(item: Any) -> OutboundMessage:
        if isinstance(item, (list, tuple)):
            if len(item) != len(_ENTRY_FIELDS):
                raise ValueError(f"{len(item)} fields")
            item = dict(zip(_ENTRY_FIELDS, item, strict=True))
        parts = [base64.b64decode(p, validate=True) for p in item["parts"]]
        count = len(parts)
        ids = [None if i is None else str(i) for i in item["ids"]]
        acked = bytearray(1 if a else 0 for a in item["ack"])
        uncertain = bytearray(1 if u else 0 for u in item["unc"])
        attempts = bytearray(min(255, max(0, int(a))) for a in item["att"])
        if not count or not len(ids) == len(acked) == len(uncertain) == len(attempts) == count:
            raise ValueError("part lists of different lengths")
        remaining = count - sum(acked)
        if not remaining:
            raise ValueError("nothing left to send")
        return OutboundMessage(
            local_id=str(item["id"]),
            recipient=str(item["to"]),
            channel=str(item["ch"]),
            priority=Priority(int(item["pr"])),
            source=None if item["src"] is None else str(item["src"]),
            data_coding=int(item["dc"]),
            esm_class=int(item["esm"]),
            parts=parts,
            registered_delivery=int(item["rd"]),
            created_at=float(item["at"]),
            message_ids=ids,
            state=STATE_SENDING if any(attempts) else STATE_QUEUED,
            attempts=max(attempts),
            duplicate_suppressed=bool(item.get("dup")),
            part_attempts=attempts,
            uncertain=uncertain,
            acked=acked,
            remaining=remaining,
        )

    def _head(self) -> _Entry | None:
        """Return the first entry with a part to send, dropping spent ones."""
        active = self._active
        for queue in self._queues:
            while queue:
                self.operations += 1
                entry = queue[0]
                if isinstance(entry, tuple):
                    current = active.get(entry[SPEC_ID])
                    if current is entry:
                        return entry
                    if current is not None:  # built by get() meanwhile: go on with it
                        queue[0] = current
                        continue
                elif isinstance(entry, _Job):
                    message = entry.message
                    if message.state not in FINISHED_STATES:
                        acked = message.acked
                        while entry.pos < entry.stop and acked[entry.peek()]:
                            self.operations += 1
                            entry.pos += 1
                        if entry.pos < entry.stop:
                            return entry
                elif entry.state not in FINISHED_STATES:
                    acked = entry.acked
                    stop = len(acked)
                    cursor = entry.cursor
                    while cursor < stop and acked[cursor]:
                        self.operations += 1
                        cursor += 1
                    entry.cursor = cursor
                    if cursor < stop:
                        return entry
                queue.popleft()
        return None

    def _dispatch(self, entry: _Entry, now: float) -> PartRef:
        self.operations += 1
        token = self._next_token
        self._next_token = token + 1
        if isinstance(entry, tuple) and len(entry[SPEC_PARTS]) == 1:
            # the first attempt of a single-part message: it stays a spec (see enqueue)
            self._queues[entry[SPEC_PRIORITY]].popleft()
            self._pending[token] = entry
            self._flying[entry[SPEC_ID]] = token
            ref = PartRef(entry, 0, token)
        else:
            if isinstance(entry, _Job):
                message = entry.message
                index = entry.peek()
                entry.pos += 1
                if entry.pos >= entry.stop:
                    self._queues[message.priority].popleft()
            else:
                if isinstance(entry, tuple):
                    message = self._materialize(entry)
                    self._queues[message.priority][0] = message  # its other parts follow
                else:
                    message = entry
                index = message.cursor
                message.cursor = index + 1
                if index + 1 >= len(message.parts):
                    self._queues[message.priority].popleft()
            spec = message.spec
            if spec is None:
                spec = message.spec = message.to_spec()
            ref = PartRef(spec, index, token, message)
            self._pending[token] = ref
            attempts = message.part_attempts[index] + 1
            message.part_attempts[index] = attempts
            message.attempts = max(message.attempts, attempts)
            message.state = STATE_SENDING
        self._limiter.sent(now)
        self._changed()
        return ref

    def _adopt(self, token: int, spec: MessageSpec, *, pending: bool = True) -> PartRef:
        """Build the message of a spec on its first attempt, for the retry logic; with
        ``pending`` its PartRef replaces the spec among the attempts awaiting a response."""
        self._flying.pop(spec[SPEC_ID], None)
        message = self._materialize(spec)
        message.part_attempts[0] = 1
        message.attempts = 1
        message.cursor = 1
        message.state = STATE_SENDING
        ref = PartRef(spec, 0, token, message)
        if pending:
            self._pending[token] = ref
        return ref

    def _sent_spec(self, spec: MessageSpec, message_id: str) -> None:
        """A spec's only part was accepted at its first attempt: the message is sent."""
        self._flying.pop(spec[SPEC_ID], None)
        message = OutboundMessage.from_spec(spec)
        message.message_ids = [message_id]
        message.state = STATE_SENT
        message.attempts = message.cursor = 1
        message.part_attempts = bytearray(b"\x01")
        message.uncertain = bytearray(1)
        message.acked = bytearray(b"\x01")
        self.sent_total += 1
        self._finish(message)

    def _promote(self, now: float) -> None:
        """Move retries whose delay is over to the head of their queues, in due order."""
        delayed = self._delayed
        due: list[tuple[OutboundMessage, int]] = []
        while delayed and delayed[0][0] <= now:
            self.operations += 1
            _, _, message, index = heapq.heappop(delayed)
            if message.state not in FINISHED_STATES and not message.acked[index]:
                due.append((message, index))
        for message, index in reversed(due):
            self._queues[message.priority].appendleft(_Job(message, [index]))

    def _retry(self, message: OutboundMessage, index: int, status: int | None, reason: str) -> None:
        attempts = message.part_attempts[index]
        if attempts >= self.max_attempts:
            self._fail(message, ERROR_TOO_MANY_ATTEMPTS, status)
            return
        delay = min(self.retry_cap, self.retry_base * 2 ** (attempts - 1))
        if message.uncertain[index] or len(message.parts) > 1:
            delay = min(delay, SAFE_RETRY_CAP)
        delay *= 0.5 + 0.5 * self._jitter()
        self._seq += 1
        heapq.heappush(self._delayed, (self._clock() + delay, self._seq, message, index))
        self.retries_total += 1
        if _LOGGER.isEnabledFor(logging.DEBUG):
            _LOGGER.debug(
                "Part %d/%d of %s: %s, retry %d in %.1f s",
                index + 1,
                len(message.parts),
                message.local_id,
                reason,
                attempts,
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
        self._active.pop(message.local_id, None)
        future = self._futures.pop(message.local_id, None)
        if self.on_done is not None:
            try:
                self.on_done(message)
            except Exception:
                _LOGGER.exception("Error in the outbox's on_done callback")
        if future is not None and not future.done():
            future.set_result(message)

    def _late_response(self, token: int, status: int, message_id: str | None) -> None:
        """A response for a timed-out attempt: a success still counts (never send twice)."""
        ref = self._late.pop(token, None)
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

    def _wake(self) -> None:
        waiters = self._waiters
        if waiters:
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)
            waiters.clear()

    async def _wait(self, delay: float | None) -> None:
        """Until ``_wake`` (a new part, room in the window) or ``delay`` seconds: one future
        and, on the event loop's clock, one timer that resolves it."""
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
