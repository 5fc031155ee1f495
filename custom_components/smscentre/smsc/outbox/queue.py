"""The parts waiting to go, in the order they go: a queue per priority and the retries not yet
due.

Order
    URGENT before NORMAL; first in, first out within a priority. Once the first part of a
    message went, its remaining parts go before any other message of its priority (the
    provider wants all parts of a long message within one minute). A part to be retried waits
    in a heap until its delay is over, then goes back to the head of its priority (due order
    kept); other messages keep flowing meanwhile.

Lanes
    A message SMPP cannot carry (its address is longer than destination_addr holds:
    ``channels.smpp_carries``) waits in a lane of its own, by priority too, that ``head``
    never reads: only ``take_first(..., http_only=True)`` takes it out, for the HTTP API. The
    lane follows from the message's recipient, so a restored message finds it again.

An entry is a message itself (fresh: every part, in order, from its ``cursor``), a ``Job``
(the parts left of a restored or taken-back message, a retry) or a spec (fresh, not yet built
into a message: :mod:`.backlog`). A spec is current while the backlog's ``active`` map holds
that very tuple for its local id; once a message was built of it, the queue goes on with the
message. Spent entries (finished messages, parts accepted meanwhile) are dropped when they
reach the head. Every step is O(1), a retry O(log n).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
import heapq

from ..channels import smpp_carries
from ..message import FINISHED_STATES, SPEC_ID, SPEC_RECIPIENT, MessageSpec, OutboundMessage


class Job:
    """Parts of one message still to send, in order, from one queue entry."""

    __slots__ = ("indices", "message", "pos", "stop")

    def __init__(self, message: OutboundMessage, indices: list[int] | None = None) -> None:
        self.message = message
        self.indices = indices  # None: every part, 0 .. stop - 1
        self.pos = 0
        self.stop = len(message.parts) if indices is None else len(indices)

    def peek(self) -> int:
        return self.pos if self.indices is None else self.indices[self.pos]


type Entry = OutboundMessage | Job | MessageSpec


def parts_left(message: OutboundMessage) -> Job:
    """A job of the parts of `message` not accepted yet."""
    return Job(message, [i for i, acked in enumerate(message.acked) if not acked])


def _recipient(entry: Entry) -> str:
    if isinstance(entry, tuple):
        return entry[SPEC_RECIPIENT]
    return (entry.message if isinstance(entry, Job) else entry).recipient


class PartQueue:
    """Entries by priority, and the heap of retries not yet due."""

    __slots__ = ("_active", "_delayed", "_http", "_queues", "_seq", "operations")

    def __init__(self, active: dict[str, OutboundMessage | MessageSpec]) -> None:
        """``active``: the outbox's unfinished messages by local id (read, never changed)."""
        self._active = active
        self._queues: tuple[deque[Entry], deque[Entry]] = (deque(), deque())
        self._http: tuple[deque[Entry], deque[Entry]] = (deque(), deque())  # SMPP never reads
        self._delayed: list[tuple[float, int, OutboundMessage, int]] = []  # (due, seq, msg, i)
        self._seq = 0
        self.operations = 0  # steps at the head, for the outbox's per-part count

    @property
    def delayed(self) -> int:
        """Retries not yet due."""
        return len(self._delayed)

    @property
    def http_waiting(self) -> bool:
        """Whether the lane of messages only HTTP can carry holds any."""
        return bool(self._http[0] or self._http[1])

    def _lanes(self, entry: Entry) -> tuple[deque[Entry], deque[Entry]]:
        return self._queues if smpp_carries(_recipient(entry)) else self._http

    def append(self, entry: Entry, priority: int) -> None:
        """Queue an entry behind the others of its priority, in its lane."""
        self._lanes(entry)[priority].append(entry)

    def push_front(self, jobs: Iterable[Job]) -> None:
        """Put jobs at the head of their priorities (in their lanes), the first given first."""
        for job in reversed(list(jobs)):
            self._lanes(job)[job.message.priority].appendleft(job)

    def retry_at(self, due: float, message: OutboundMessage, index: int) -> None:
        """Queue part `index` of `message` again once the clock reaches `due`."""
        self._seq += 1
        heapq.heappush(self._delayed, (due, self._seq, message, index))

    def next_due(self) -> float | None:
        """When the first retry not yet due falls due; None if there is none."""
        delayed = self._delayed
        return delayed[0][0] if delayed else None

    def promote(self, now: float) -> None:
        """Move retries whose delay is over to the head of their queues, in due order."""
        delayed = self._delayed
        if not delayed or delayed[0][0] > now:
            return
        due: list[Job] = []
        while delayed and delayed[0][0] <= now:
            self.operations += 1
            _, _, message, index = heapq.heappop(delayed)
            if message.state not in FINISHED_STATES and not message.acked[index]:
                due.append(Job(message, [index]))
        self.push_front(due)

    def head(self) -> Entry | None:
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
                elif isinstance(entry, Job):
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

    def pop_head(self, priority: int) -> None:
        """The head entry of `priority` (the one ``head`` returned) has no part left to go."""
        self._queues[priority].popleft()

    def replace_head(self, priority: int, message: OutboundMessage) -> None:
        """The head spec of `priority` became `message`; its other parts follow from there."""
        self._queues[priority][0] = message

    def advance(self, entry: OutboundMessage | Job) -> int:
        """The index of the next part of the head entry ``head`` returned, which goes now;
        the entry leaves the head once it has no part left."""
        if isinstance(entry, Job):
            index = entry.peek()
            entry.pos += 1
            if entry.pos >= entry.stop:
                self._queues[entry.message.priority].popleft()
            return index
        index = entry.cursor
        entry.cursor = index + 1
        if index + 1 >= len(entry.parts):
            self._queues[entry.priority].popleft()
        return index

    def resend(self, parts: Iterable[tuple[OutboundMessage, int]]) -> None:
        """Put parts (message, index) back at the head of their priorities, the first given
        first, each message's together; a message finished meanwhile drops its parts."""
        jobs: dict[int, Job] = {}  # id(message) -> its job
        for message, index in parts:
            job = jobs.get(id(message))
            if job is None:
                jobs[id(message)] = Job(message, [index])
            else:
                job.indices.append(index)  # type: ignore[union-attr]
                job.stop += 1
        self.push_front(job for job in jobs.values() if job.message.state not in FINISHED_STATES)

    def take_first(
        self,
        wanted: Callable[[OutboundMessage | MessageSpec], bool],
        scan: int,
        *,
        http_only: bool = False,
    ) -> OutboundMessage | MessageSpec | None:
        """Remove and return the first unfinished message (or its spec, while no message is
        built of it) that ``wanted`` picks, urgent first, among the first ``scan`` entries
        of the lane SMPP reads, or (``http_only``) of the lane only HTTP carries."""
        active = self._active
        looked = 0
        for queue in self._http if http_only else self._queues:
            for position, entry in enumerate(queue):
                looked += 1
                if looked > scan:
                    return None
                candidate: OutboundMessage | MessageSpec
                if isinstance(entry, tuple):
                    current = active.get(entry[SPEC_ID])
                    if current is None or (isinstance(current, tuple) and current is not entry):
                        continue
                    candidate = current  # the spec itself, or the message get() built of it
                else:
                    candidate = entry.message if isinstance(entry, Job) else entry
                if not isinstance(candidate, tuple) and candidate.state in FINISHED_STATES:
                    continue
                if wanted(candidate):
                    del queue[position]
                    return candidate
        return None
