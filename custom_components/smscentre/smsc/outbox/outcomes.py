"""What an answer does to a message, once the state machine knows which answer it is.

A part is accepted (its message id kept; the message is sent once every part is) or goes
again: after the retry policy's delay, or at once after a lost link, unless it had every
attempt it gets (:mod:`.retry`), which fails its message. A message that is sent or fails
leaves the backlog, is counted, and is told to ``on_done`` and to its future (``add()``).
"""

from __future__ import annotations

from collections.abc import Callable
import logging

from ..message import STATE_FAILED, STATE_SENT, OutboundMessage
from .backlog import Backlog
from .retry import ERROR_TOO_MANY_ATTEMPTS, RetryPolicy

_LOGGER = logging.getLogger(__name__)


class Outcomes:
    """A part accepted or tried again; a message sent or failed, counted and told."""

    __slots__ = (
        "_backlog",
        "_clock",
        "_policy",
        "_wall_clock",
        "failed_total",
        "on_done",
        "retries_total",
        "sent_total",
    )

    def __init__(
        self,
        backlog: Backlog,
        policy: RetryPolicy,
        *,
        clock: Callable[[], float],
        wall_clock: Callable[[], float],
        on_done: Callable[[OutboundMessage], None] | None,
    ) -> None:
        """For the messages of ``backlog``; ``clock`` times retries, ``wall_clock`` stamps
        finished messages."""
        self._backlog = backlog
        self._policy = policy
        self._clock = clock
        self._wall_clock = wall_clock
        self.on_done = on_done
        self.sent_total = 0
        self.failed_total = 0
        self.retries_total = 0

    def accept(self, message: OutboundMessage, index: int, message_id: str | None) -> None:
        """A part is accepted; ``message_id`` None: an earlier attempt was (0x45)."""
        message.acked[index] = 1
        message.message_ids[index] = message_id
        if message_id is None:
            message.duplicate_suppressed = True
        message.remaining -= 1
        if not message.remaining:
            self.sent(message)

    def retry(self, message: OutboundMessage, index: int, status: int | None, reason: str) -> None:
        """A part goes again after its delay, or its message fails if it had every attempt."""
        if self._policy.gives_up(message, index):
            self.fail(message, ERROR_TOO_MANY_ATTEMPTS, status)
            return
        delay = self._policy.delay(message, index)
        self._backlog.queue.retry_at(self._clock() + delay, message, index)
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

    def again(self, message: OutboundMessage, index: int) -> bool:
        """Whether a part cut by a lost link goes again at once; if it had every attempt,
        its message fails."""
        if self._policy.gives_up(message, index):
            self.fail(message, ERROR_TOO_MANY_ATTEMPTS, None)
            return False
        self.retries_total += 1
        return True

    def sent(self, message: OutboundMessage) -> None:
        """Every part of a message is accepted."""
        message.state = STATE_SENT
        self.sent_total += 1
        self.finish(message)

    def fail(self, message: OutboundMessage, error: str, status: int | None) -> None:
        """A message fails with ``error`` (and the SMSC's ``status``, if one said so)."""
        message.state = STATE_FAILED
        message.error = error
        message.error_status = status
        self.failed_total += 1
        if _LOGGER.isEnabledFor(logging.DEBUG):
            _LOGGER.debug("Message %s failed: %s", message.local_id, error)
        self.finish(message)

    def finish(self, message: OutboundMessage) -> None:
        """A message sent or failed leaves the backlog and is told of."""
        message.finished_at = self._wall_clock()
        future = self._backlog.remove(message.local_id)
        if self.on_done is not None:
            try:
                self.on_done(message)
            except Exception:
                _LOGGER.exception("Error in the outbox's on_done callback")
        if future is not None and not future.done():
            future.set_result(message)
