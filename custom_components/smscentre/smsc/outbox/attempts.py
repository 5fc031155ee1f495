"""The attempts awaiting a response: one per SUBMIT_SM sent, known by its token.

An attempt is a ``PartRef`` until its answer, its timeout or the lost link. The first
attempt of a single-part spec is kept as the spec itself (an object per message would be
tracked by the garbage collector: :mod:`.backlog`); ``adopt()`` builds its message when an
answer other than a plain success, a timeout, a lost link or a look at its progress needs
one. A timed-out attempt is remembered (the last ``LATE_TOKENS``): the SMSC may have
accepted it, and a success that comes late still counts (never twice). Every step is O(1);
``lost()`` is O(window).
"""

from __future__ import annotations

from collections import OrderedDict

from ..message import SPEC_ID, STATE_SENDING, MessageSpec, OutboundMessage, PartRef
from .backlog import Backlog

LATE_TOKENS = 10_000  # timed-out attempts whose late success we still accept


class Attempts:
    """Attempts awaiting a response by token; timed-out ones whose late success counts."""

    __slots__ = ("_backlog", "_late", "_next_token", "flying", "pending")

    def __init__(self, backlog: Backlog) -> None:
        """For the messages of ``backlog``, where a message built of a spec takes its place."""
        self._backlog = backlog
        # token -> attempt awaiting a response, or a single-part spec on its first attempt
        self.pending: dict[int, PartRef | MessageSpec] = {}
        self.flying: dict[str, int] = {}  # local_id -> token of those specs
        self._late: OrderedDict[int, PartRef] = OrderedDict()
        self._next_token = 1

    def first(self, spec: MessageSpec) -> PartRef:
        """The first attempt of a single-part spec, which stays a spec."""
        token = self._next_token
        self._next_token = token + 1
        self.pending[token] = spec
        self.flying[spec[SPEC_ID]] = token
        return PartRef(spec, 0, token)

    def start(self, message: OutboundMessage, index: int) -> PartRef:
        """An attempt of part ``index`` of a message, counted in its progress."""
        token = self._next_token
        self._next_token = token + 1
        spec = message.spec
        if spec is None:
            spec = message.spec = message.to_spec()
        ref = self.pending[token] = PartRef(spec, index, token, message)
        attempts = message.part_attempts[index] + 1
        message.part_attempts[index] = attempts
        message.attempts = max(message.attempts, attempts)
        message.state = STATE_SENDING
        return ref

    def pop(self, token: int) -> PartRef | MessageSpec | None:
        """The attempt of ``token``, no longer awaiting a response (it came, or its time ran
        out); None if unknown."""
        entry = self.pending.pop(token, None)
        if isinstance(entry, tuple):
            self.flying.pop(entry[SPEC_ID], None)
        return entry

    def adopt(self, token: int, spec: MessageSpec) -> PartRef:
        """The attempt of a spec taken with ``pop()``, its message built now."""
        return PartRef(spec, 0, token, self._backlog.build(spec, first_attempt=True))

    def started(self, spec: MessageSpec) -> OutboundMessage | None:
        """The message of a spec whose first attempt awaits its answer, built now (it
        replaces the spec here); None if the spec was not tried yet."""
        token = self.flying.pop(spec[SPEC_ID], None)
        if token is None:
            return None
        ref = self.pending[token] = self.adopt(token, spec)
        return ref.message

    def timed_out(self, ref: PartRef) -> None:
        """Remember an attempt that timed out: a success may still come for it."""
        late = self._late
        late[ref.token] = ref
        if len(late) > LATE_TOKENS:
            late.popitem(last=False)

    def late(self, token: int) -> PartRef | None:
        """The timed-out attempt a late response is for, forgotten now; None if unknown."""
        return self._late.pop(token, None)

    def lost(self) -> list[PartRef]:
        """The link is lost: every attempt awaiting a response, in the order sent, each with
        its message (no response of a dead session ever comes)."""
        self._late.clear()
        self.flying.clear()
        refs = [
            self.adopt(token, entry) if isinstance(entry, tuple) else entry
            for token, entry in self.pending.items()
        ]
        self.pending.clear()
        return refs
