"""The outbox's hand-over to the HTTP API: whole messages, never twice.

``take()`` takes out of the outbox's queues the first message, urgent first, no part of which
ever went over SMPP (with ``http_only``: of the messages SMPP cannot carry at all), and marks
each part as one more attempt over HTTP: its id reads ``http:<n>`` and it is uncertain until
the answer (a snapshot taken meanwhile keeps it so). The caller then reports ``sent()``,
``failed()`` (the API refused the message itself) or ``give_back()`` (not sent: back to the
head of its queue; with ``maybe_sent`` it stays uncertain, so SMPP's 0x45 counts as sent and
the HTTP side checks the status before trying again). A message with any SMPP attempt is
never taken, nor one SMPP already tried after an HTTP attempt (the lane SMPP cannot carry has
none: after a crash its uncertain messages are taken, and looked up first). A taken message
is in no queue: SMPP cannot send it meanwhile. ``take()`` looks at most at ``HTTP_SCAN``
queue entries.
"""

from __future__ import annotations

from collections.abc import Callable

from ..message import (
    HTTP_MARK,
    SPEC_CHANNEL,
    SPEC_ID,
    SPEC_RECIPIENT,
    STATE_QUEUED,
    STATE_SENDING,
    VIA_HTTP,
    MessageSpec,
    OutboundMessage,
)
from .machine import Outbox

HTTP_SCAN = 1_000  # queue entries take() looks at, at most


def http_attempts(message: OutboundMessage) -> int:
    """Attempts of a message's first part that went over HTTP (marked ``http:<n>``)."""
    mark = message.message_ids[0] if message.message_ids else None
    if mark is None or not mark.startswith(HTTP_MARK):
        return 0
    count = mark[len(HTTP_MARK) :]
    return int(count) if count.isdigit() else 0


class HttpHandover:
    """What HTTP takes from an outbox and what it reports back."""

    def __init__(self, outbox: Outbox) -> None:
        """For ``outbox``, whose queues SMPP reads too."""
        self._outbox = outbox

    def take(
        self,
        accept: Callable[[str], bool],
        *,
        on_skip: Callable[[str, str, str], None] | None = None,
        scan: int = HTTP_SCAN,
        http_only: bool = False,
    ) -> OutboundMessage | None:
        """Take the first queued message (urgent first) that never went over SMPP and whose
        channel ``accept`` takes; None when there is none. ``http_only``: among the messages
        SMPP cannot carry, else among those it can.

        ``on_skip(local_id, channel, recipient)`` hears of each such message whose channel
        ``accept`` refuses: it stays queued.
        """
        outbox = self._outbox
        if outbox.closed:
            return None

        def wanted(candidate: OutboundMessage | MessageSpec) -> bool:
            if isinstance(candidate, tuple):
                spec = candidate
            elif http_only or _never_smpp(candidate):  # that lane never goes to SMPP
                spec = candidate.spec or candidate.to_spec()
            else:
                return False
            if accept(spec[SPEC_CHANNEL]):
                return True
            if on_skip is not None:
                on_skip(spec[SPEC_ID], spec[SPEC_CHANNEL], spec[SPEC_RECIPIENT])
            return False

        message = outbox.take_first(wanted, scan, http_only=http_only)
        if message is not None:
            _mark_http(message)
            outbox.changed()
        return message

    def sent(self, message: OutboundMessage, message_id: str) -> None:
        """The HTTP API accepted a taken message: every part is sent, with its id."""
        if message.done:
            return
        for index in range(len(message.parts)):
            message.acked[index] = 1
            message.uncertain[index] = 0
            message.message_ids[index] = message_id
        message.remaining = 0
        message.via = VIA_HTTP
        self._outbox.finish_sent(message)

    def failed(self, message: OutboundMessage, error: str, status: int | None) -> None:
        """The HTTP API refused a taken message itself (a bad number...): it fails."""
        if message.done:
            return
        message.via = VIA_HTTP
        self._outbox.finish_failed(message, error, status)

    def give_back(self, message: OutboundMessage, *, maybe_sent: bool) -> None:
        """A taken message was not sent over HTTP: back to the head of its queue.

        Unless ``maybe_sent`` (no answer after the request went), the attempt is undone.
        """
        if not self._outbox.holds(message):
            return
        if not maybe_sent:
            _unmark_http(message)
        self._outbox.put_back(message)


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
    """One more attempt of every part, over HTTP; uncertain until its answer.

    A message restored uncertain after a crash with no attempt marked (only the HTTP-only
    lane hands one over) may have gone before the snapshot showed it: counted as one
    attempt already, so the sender looks it up before sending.
    """
    count = http_attempts(message)
    if not count and any(message.uncertain):
        count = 1
    count += 1
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
