"""What the outbox queues: a message to one recipient, as a spec tuple or with progress.

A ``MessageSpec`` is a tuple of strings, numbers and bytes, which the cyclic garbage
collector stops tracking: the actions queue specs, so a backlog costs the collector nothing.
An ``OutboundMessage`` carries a message's progress (per-part ids, attempts, uncertainty) and
is built only where progress is needed (``outbox/backlog.py``). A ``PartRef`` is one attempt
at one part, as the link takes it from the outbox.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, Final
import uuid

# An unacked part's id while its message is, or was, with the HTTP API: ``http:<n>``, n attempts
# of it went there (see ``outbox/handover.py``); never an id the provider gave.
HTTP_MARK: Final = "http:"
VIA_SMPP: Final = "smpp"
VIA_HTTP: Final = "http"

STATE_QUEUED = "queued"
STATE_SENDING = "sending"
STATE_SENT = "sent"
STATE_FAILED = "failed"
FINISHED_STATES = frozenset({STATE_SENT, STATE_FAILED})


def is_provider_id(value: str | None) -> bool:
    """Whether a part's id is one the provider gave (not None, not an HTTP attempt mark)."""
    return value is not None and value != "" and not value.startswith(HTTP_MARK)


def new_local_id() -> str:
    """Return a fresh local message id."""
    return uuid.uuid4().hex


class Priority(IntEnum):
    """Queue priority; urgent messages overtake everything queued."""

    URGENT = 0
    NORMAL = 1


PRIORITIES = (Priority.URGENT, Priority.NORMAL)


# One message to one recipient as ``Outbox.enqueue`` takes it: (local_id, recipient, channel,
# priority, source, data_coding, esm_class, parts, registered_delivery, created_at), the fields
# of ``OutboundMessage`` of the same names; priority a plain int, parts a tuple of bytes.
type MessageSpec = tuple[str, str, str, int, str | None, int, int, tuple[bytes, ...], int, float]
# positions in a spec, for code that reads one field (unpacking is faster where all are used)
SPEC_ID: Final = 0
SPEC_RECIPIENT: Final = 1
SPEC_CHANNEL: Final = 2
SPEC_PRIORITY: Final = 3
SPEC_SOURCE: Final = 4
SPEC_CODING: Final = 5
SPEC_ESM: Final = 6
SPEC_PARTS: Final = 7
SPEC_REGISTERED: Final = 8
SPEC_CREATED: Final = 9


@dataclass(slots=True)
class OutboundMessage:
    """One message to one recipient, already encoded into SUBMIT_SM parts."""

    local_id: str
    recipient: str
    channel: str
    priority: Priority
    source: str | None  # sender id; None = the account's default
    data_coding: int
    esm_class: int
    parts: Sequence[bytes]  # short_message octets of each part, UDH included
    registered_delivery: int = 1
    created_at: float = 0.0  # wall clock; set by add() when 0
    # Progress, owned by the outbox.
    message_ids: list[str | None] = field(default_factory=list)  # per part
    state: str = STATE_QUEUED  # queued | sending | sent | failed
    error: str | None = None
    error_status: int | None = None
    attempts: int = 0  # the most SUBMIT_SMs any one part needed so far
    duplicate_suppressed: bool = False  # a part counted as sent on the never-twice rule
    finished_at: float = 0.0  # wall clock, when it became sent or failed
    via: str = VIA_SMPP  # the way it went (or failed): smpp or http
    # Per-part progress as bytearrays (0/1 flags, attempt counts up to 255): unlike lists they
    # are not tracked by the cyclic garbage collector, whose full passes scan every queued
    # message's objects.
    part_attempts: bytearray = field(default_factory=bytearray, repr=False)
    uncertain: bytearray = field(default_factory=bytearray, repr=False)  # may have been accepted
    acked: bytearray = field(default_factory=bytearray, repr=False)  # has a final answer
    remaining: int = field(default=0, repr=False)  # parts without a final answer
    # next part of a fresh queue entry (the message itself queued, see ``PartQueue.head``)
    cursor: int = field(default=0, repr=False, compare=False)
    # the unchanging part of its snapshot entry, encoded once (``outbox/snapshot.py``)
    stored: tuple[Any, ...] | None = field(default=None, repr=False, compare=False)
    # itself as a spec (``to_spec``), built once for the parts sent
    spec: MessageSpec | None = field(default=None, repr=False, compare=False)

    @property
    def done(self) -> bool:
        """Whether the message is sent or failed."""
        return self.state in FINISHED_STATES

    @classmethod
    def from_spec(cls, spec: MessageSpec) -> OutboundMessage:
        """The message a spec describes, with no progress yet."""
        local_id, recipient, channel, priority, source, coding, esm, parts, rd, at = spec
        # positional: on the path of every message, keyword binding costs a third more
        message = cls(
            local_id, recipient, channel, PRIORITIES[priority], source, coding, esm, parts, rd, at
        )
        message.spec = spec
        return message

    @classmethod
    def queued(cls, spec: MessageSpec) -> OutboundMessage:
        """The message of a queued spec, ready for the outbox: nothing tried yet."""
        message = cls.from_spec(spec)
        message._reset_progress()
        return message

    @classmethod
    def first_attempt(cls, spec: MessageSpec) -> OutboundMessage:
        """The message of a single-part spec whose first attempt went, its answer not in."""
        message = cls.queued(spec)
        message.part_attempts[0] = 1
        message.attempts = message.cursor = 1
        message.state = STATE_SENDING
        return message

    @classmethod
    def sent_at_first(cls, spec: MessageSpec, message_id: str) -> OutboundMessage:
        """The message of a single-part spec accepted at its first attempt, with its id."""
        message = cls.from_spec(spec)
        message.message_ids = [message_id]
        message.state = STATE_SENT
        message.attempts = message.cursor = 1
        message.part_attempts = bytearray(b"\x01")
        message.uncertain = bytearray(1)
        message.acked = bytearray(b"\x01")
        return message

    def to_spec(self) -> MessageSpec:
        """This message as a spec (its progress left out)."""
        return (
            self.local_id,
            self.recipient,
            str(self.channel),
            int(self.priority),
            self.source,
            self.data_coding,
            self.esm_class,
            tuple(self.parts),
            self.registered_delivery,
            self.created_at,
        )

    def _reset_progress(self) -> None:
        count = len(self.parts)
        self.message_ids = [None] * count
        self.part_attempts = bytearray(count)
        self.uncertain = bytearray(count)
        self.acked = bytearray(count)
        self.remaining = count
        self.cursor = 0
        self.state = STATE_QUEUED
        self.error = None
        self.error_status = None
        self.attempts = 0
        self.duplicate_suppressed = False
        self.finished_at = 0.0


@dataclass(slots=True)
class PartRef:
    """One attempt to send one part: what ``next_part()`` returns."""

    spec: MessageSpec  # the message's addresses, coding and parts
    index: int
    token: int  # identifies this attempt in on_response / on_timeout
    # the message's progress object; None while the message is still a spec (the first
    # attempt of a single-part message queued by ``enqueue``)
    message: OutboundMessage | None = None

    @property
    def local_id(self) -> str:
        """The local id of the message."""
        return self.spec[SPEC_ID]

    @property
    def short_message(self) -> bytes:
        """The octets of this part."""
        return self.spec[SPEC_PARTS][self.index]

    @property
    def total(self) -> int:
        """The number of parts of the message."""
        return len(self.spec[SPEC_PARTS])
