"""Multi-part reassembly of incoming SMS, with a timeout."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import datetime
import time

from ..incoming import IncomingMessage
from .pdu import ConcatInfo

# Stands for each run of missing parts in a message flushed incomplete.
MISSING_PART = "…"
# What pending parts may hold in all. A real long SMS is at most 255 parts of 153 characters
# (~80 KB of UTF-8 even in Cyrillic): 4 MB keeps about 50 such messages in flight at once,
# far more than a subscriber line sends, while 20 references of 254 message_payload-sized
# parts (60 KB each) can no longer pin hundreds of megabytes.
DEFAULT_MAX_BYTES = 4 * 1024 * 1024


def _size(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


@dataclass(slots=True)
class _Pending:
    total: int
    sender: str
    recipient: str
    deadline: float
    received_at: datetime
    message_id: str | None = None
    texts: dict[int, str] = field(default_factory=dict)
    size: int = 0  # UTF-8 octets of the texts held

    def message(self, *, incomplete: bool) -> IncomingMessage:
        chunks: list[str] = []
        gap = False
        for seq in range(1, self.total + 1):
            text = self.texts.get(seq)
            if text is None:
                if not gap:
                    chunks.append(MISSING_PART)
                gap = True
                continue
            gap = False
            chunks.append(text)
        return IncomingMessage(
            sender=self.sender,
            recipient=self.recipient,
            text="".join(chunks),
            parts=self.total,
            received_at=self.received_at,
            incomplete=incomplete,
            message_id=self.message_id,
        )


class Reassembler:
    """Join the parts of concatenated SMS, whatever order they come in.

    Parts are ordered by their number (never as text: part 10 follows part 9). A message
    whose parts do not all arrive within `timeout` of its first part is handed out by
    `expire()` with `incomplete=True`, `parts` = the declared count, and each run of missing
    parts shown as MISSING_PART ("…"). `received_at` is that of the last part that arrived.

    O(1) per part: pending messages sit in an insertion-ordered dict, which is also deadline
    order because the timeout is fixed. Beyond `max_pending` messages, or `max_bytes` of
    text held (UTF-8 octets), the oldest are flushed incomplete: a sender of huge parts
    under many references cannot make it hold more than the budget.
    """

    def __init__(
        self,
        timeout: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        max_pending: int = 1000,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        """Set the timeout (seconds), the clock and the bounds on pending messages."""
        self._timeout = timeout
        self._clock = clock
        self._max_pending = max(1, max_pending)
        self._max_bytes = max(1, max_bytes)
        self._pending: OrderedDict[Hashable, _Pending] = OrderedDict()
        self._evicted: list[IncomingMessage] = []
        self.pending_bytes = 0

    def _evict_oldest(self) -> None:
        _, oldest = self._pending.popitem(last=False)
        self.pending_bytes -= oldest.size
        self._evicted.append(oldest.message(incomplete=True))

    def __len__(self) -> int:
        """Number of messages waiting for parts."""
        return len(self._pending)

    def add(
        self,
        key: Hashable,
        info: ConcatInfo,
        text: str,
        *,
        sender: str,
        recipient: str,
        received_at: datetime,
        message_id: str | None = None,
    ) -> IncomingMessage | None:
        """Add one part; return the whole message when this part completes it.

        `key` names the conversation (e.g. sender and recipient); the reference and part count
        are added to it. A part number seen before for the same message is ignored.
        """
        group = (key, info.ref, info.total)
        pending = self._pending.get(group)
        if pending is None:
            pending = _Pending(
                total=info.total,
                sender=sender,
                recipient=recipient,
                deadline=self._clock() + self._timeout,
                received_at=received_at,
            )
            self._pending[group] = pending
            if len(self._pending) > self._max_pending:
                self._evict_oldest()
        if info.seq in pending.texts:
            return None
        pending.texts[info.seq] = text
        size = _size(text)
        pending.size += size
        self.pending_bytes += size
        pending.received_at = received_at
        if pending.message_id is None:
            pending.message_id = message_id
        if len(pending.texts) >= pending.total:
            del self._pending[group]
            self.pending_bytes -= pending.size
            return pending.message(incomplete=False)
        while self.pending_bytes > self._max_bytes and self._pending:
            self._evict_oldest()  # may be this very message, when it alone is too big
        return None

    def expire(self) -> list[IncomingMessage]:
        """Hand out the messages whose parts stopped coming (and any evicted ones)."""
        flushed, self._evicted = self._evicted, []
        now = self._clock()
        while self._pending:
            group, pending = next(iter(self._pending.items()))
            if pending.deadline > now:
                break
            del self._pending[group]
            self.pending_bytes -= pending.size
            flushed.append(pending.message(incomplete=True))
        return flushed
