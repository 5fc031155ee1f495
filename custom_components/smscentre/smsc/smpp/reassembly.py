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


@dataclass(slots=True)
class _Pending:
    total: int
    sender: str
    recipient: str
    deadline: float
    received_at: datetime
    message_id: str | None = None
    texts: dict[int, str] = field(default_factory=dict)

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
    order because the timeout is fixed. Beyond `max_pending` the oldest is flushed incomplete.
    """

    def __init__(
        self,
        timeout: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        max_pending: int = 1000,
    ) -> None:
        """Set the timeout (seconds), the clock and the bound on pending messages."""
        self._timeout = timeout
        self._clock = clock
        self._max_pending = max(1, max_pending)
        self._pending: OrderedDict[Hashable, _Pending] = OrderedDict()
        self._evicted: list[IncomingMessage] = []

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
                _, oldest = self._pending.popitem(last=False)
                self._evicted.append(oldest.message(incomplete=True))
        if info.seq in pending.texts:
            return None
        pending.texts[info.seq] = text
        pending.received_at = received_at
        if pending.message_id is None:
            pending.message_id = message_id
        if len(pending.texts) < pending.total:
            return None
        del self._pending[group]
        return pending.message(incomplete=False)

    def expire(self) -> list[IncomingMessage]:
        """Hand out the messages whose parts stopped coming (and any evicted ones)."""
        flushed, self._evicted = self._evicted, []
        now = self._clock()
        while self._pending:
            group, pending = next(iter(self._pending.items()))
            if pending.deadline > now:
                break
            del self._pending[group]
            flushed.append(pending.message(incomplete=True))
        return flushed
