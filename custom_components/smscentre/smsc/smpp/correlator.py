"""An O(1) correlator for aiosmpplib's ESME.

aiosmpplib's ``SimpleCorrelator`` scans everything it holds on every request and response and
keeps each accepted submit for days: the send rate falls with the backlog and, in a large
burst, accepted messages are reported as timed out. Here a request lives only until its
response: a dict by sequence number plus a deque of deadlines (the timeout is constant, so the
deque is already in deadline order).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
import time
from typing import Any

from aiosmpplib.correlator import AbstractCorrelator, SegmentStatus
from aiosmpplib.protocol import DeliverSm, SmppMessage, SubmitSm


class FastCorrelator(AbstractCorrelator):
    """Sequence number -> request, with expiry in O(expired)."""

    def __init__(self, timeout: float, clock: Callable[[], float] = time.monotonic) -> None:
        """Keep requests for ``timeout`` seconds."""
        self.timeout = timeout
        self._clock = clock
        # an aiosmpplib request, or whatever the owner put with ``put_item`` (the link keeps
        # the outbox's token of a submit: an int, no object per part)
        self._pending: dict[int, Any] = {}
        self._deadlines: deque[tuple[float, int]] = deque()
        # operation counter: lets a test prove the cost per message is flat
        self.operations = 0

    def __len__(self) -> int:
        """Requests awaiting a response."""
        return len(self._pending)

    def __bool__(self) -> bool:
        """Always true: aiosmpplib picks ``correlator or SimpleCorrelator(...)``."""
        return True

    def put_now(self, smpp_message: SmppMessage) -> None:
        """Remember a request until its response (synchronous)."""
        self.operations += 1
        seq = smpp_message.sequence_num
        self._pending[seq] = smpp_message
        self._deadlines.append((self._clock() + self.timeout, seq))

    def put_item(self, sequence_num: int, item: object) -> None:
        """Remember any object under a sequence number until its response."""
        self.operations += 1
        self._pending[sequence_num] = item
        self._deadlines.append((self._clock() + self.timeout, sequence_num))

    def pop(self, sequence_num: int) -> Any:
        """Take the request answered by this sequence number."""
        self.operations += 1
        return self._pending.pop(sequence_num, None)

    def pop_expired(self) -> Iterator[Any]:
        """Yield (and forget) the requests whose response is overdue."""
        now = self._clock()
        deadlines = self._deadlines
        pending = self._pending
        while deadlines and deadlines[0][0] <= now:
            _, seq = deadlines.popleft()
            self.operations += 1
            message = pending.pop(seq, None)
            if message is not None:
                yield message
        # drop answered entries from the head so the deque stays short
        while deadlines and deadlines[0][1] not in pending:
            deadlines.popleft()

    def oldest_age(self) -> float:
        """Seconds the oldest unanswered request has waited (0 when none)."""
        deadlines = self._deadlines
        pending = self._pending
        while deadlines and deadlines[0][1] not in pending:
            deadlines.popleft()
        if not deadlines:
            return 0.0
        return self._clock() - (deadlines[0][0] - self.timeout)

    def take_all(self) -> list[Any]:
        """Forget and return every unanswered request (the link is gone)."""
        messages = list(self._pending.values())
        self._pending.clear()
        self._deadlines.clear()
        return messages

    # --- aiosmpplib's interface -------------------------------------------------------
    def get_cumulated_status(self, ref_num: int) -> int:
        """Unused: we never let aiosmpplib segment a message."""
        return 0

    async def expired(self, smpp_message: SmppMessage) -> None:
        """Unused: expiry is driven by ``pop_expired``."""

    async def put(self, smpp_message: SmppMessage) -> None:
        """Called by ESME._send_data after a request went out."""
        self.put_now(smpp_message)

    async def put_delivery(self, smsc_message_id: str, submit_sm: SubmitSm) -> None:
        """Unused: reports are correlated by the integration's persisted tracker."""

    async def put_delivery_segmented(self, deliver_sm: DeliverSm) -> DeliverSm | None:
        """Unused: incoming messages are reassembled by the integration."""
        return deliver_sm

    async def get(self, response: SmppMessage) -> SmppMessage | None:
        """Return and forget the request this response answers."""
        request: SmppMessage | None = self.pop(response.sequence_num)
        return request

    async def get_segmented(
        self, smpp_seq_num: int, remove: bool = False
    ) -> tuple[SegmentStatus | None, int]:
        """Unused: no segmentation inside aiosmpplib."""
        return None, 0

    async def get_delivery(self, receipt: DeliverSm) -> SubmitSm | None:
        """Unused: reports are correlated by the integration's persisted tracker."""
        return None
