"""Faults a test injects on the SMPP side, and where each one acts.

Each fault is a switch with a time or a count, read at one of a few points: every read of a
session (`hanging`), every bind (`bind_status`), every SUBMIT_SM before the provider's rules
(`submit_status`) and after it was accepted (`drop_response`); `drop_all` acts at once. A new
fault kind is a switch here, read at one of those points, and a line in `apply` (the control
API's ``POST /fault``).
"""

from __future__ import annotations

from collections.abc import Mapping
import math
import time
from typing import Any

from .pdu import ESME_RBINDFAIL, ESME_RSYSERR
from .session import Sessions

# the kinds of the control API's POST /fault this side knows, in the order its error lists them
KINDS = ("drop_all", "refuse_binds", "hang", "clear", "fail_submits", "drop_responses")


class SmppFaults:
    """The SMPP side's faults: refused binds, a hang, failed submits, unanswered submits,
    dropped connections."""

    def __init__(self, sessions: Sessions) -> None:
        self.sessions = sessions  # what drop_all drops
        # True while a fault read for every SUBMIT_SM is set (one look on the hot path)
        self.on_submit = False
        self._refuse_status = 0
        self._refuse_until = 0.0
        self._hang_until = 0.0
        self._fail_status = 0
        self._fail_count = 0
        self._fail_every = 0
        self._fail_counter = 0
        self._fail_until = math.inf
        self._drop_responses = 0

    # -- switches
    def drop_all(self) -> None:
        """Abort every connection at once (no UNBIND)."""
        self.sessions.drop_all()

    def refuse_binds(self, status: int = ESME_RBINDFAIL, duration: float | None = None) -> None:
        """Answer every bind with ``status`` for ``duration`` seconds (None: until cleared)."""
        self._refuse_status = status
        self._refuse_until = math.inf if duration is None else time.monotonic() + duration

    def hang(self, duration: float | None) -> None:
        """Read and discard every PDU (answer nothing, send nothing) for duration seconds."""
        self._hang_until = math.inf if duration is None else time.monotonic() + duration

    def fail_submits(
        self,
        status: int,
        *,
        count: int | None = None,
        every: int | None = None,
        duration: float | None = None,
    ) -> None:
        """Answer the next ``count`` SUBMIT_SMs, or every ``every``-th, with ``status``; with
        ``duration``, every SUBMIT_SM for that many seconds (a throttling storm: 0x58)."""
        if duration is not None:
            every = 1
            count = None
        elif count is None and every is None:
            count = 1
        self._fail_status = status
        self._fail_count = count or 0
        self._fail_every = every or 0
        self._fail_counter = 0
        self._fail_until = math.inf if duration is None else time.monotonic() + duration
        self._submit_faults_changed()

    def drop_responses(self, count: int) -> None:
        """Accept the next ``count`` SUBMIT_SMs without answering them."""
        self._drop_responses = count
        self._submit_faults_changed()

    def clear(self) -> None:
        self._refuse_status = 0
        self._refuse_until = 0.0
        self._hang_until = 0.0
        self._fail_status = self._fail_count = self._fail_every = self._fail_counter = 0
        self._drop_responses = 0
        self._submit_faults_changed()

    def apply(self, kind: str, data: Mapping[str, Any]) -> bool:
        """Set the fault a ``POST /fault`` body names; False when the kind is not in KINDS."""
        duration = data.get("duration")
        duration = None if duration is None else float(duration)
        if kind == "drop_all":
            self.drop_all()
        elif kind == "refuse_binds":
            self.refuse_binds(int(data.get("status", ESME_RBINDFAIL)), duration)
        elif kind == "hang":
            self.hang(duration)
        elif kind == "clear":
            self.clear()
        elif kind == "fail_submits":
            self.fail_submits(
                int(data.get("status", ESME_RSYSERR)),
                count=data.get("count"),
                every=data.get("every"),
                duration=duration,
            )
        elif kind == "drop_responses":
            self.drop_responses(int(data.get("count", 1)))
        else:
            return False
        return True

    def _submit_faults_changed(self) -> None:
        self.on_submit = bool(self._fail_status or self._drop_responses)

    # -- where they act
    def hanging(self) -> bool:
        """Read and discard everything, send nothing (sessions, receipts)."""
        return bool(self._hang_until) and time.monotonic() < self._hang_until

    def bind_status(self) -> int:
        """The status a bind with a right password is refused with (0: none)."""
        if self._refuse_status and time.monotonic() < self._refuse_until:
            return self._refuse_status
        return 0

    def submit_status(self) -> int:
        """The status a SUBMIT_SM gets before the provider's rules are asked (0: none)."""
        if self._fail_status:
            if self._fail_until != math.inf and time.monotonic() >= self._fail_until:
                self._fail_status = self._fail_count = self._fail_every = 0
                self._submit_faults_changed()
                return 0
            if self._fail_count > 0:
                self._fail_count -= 1
                return self._fail_status
            if self._fail_every:
                self._fail_counter += 1
                if self._fail_counter % self._fail_every == 0:
                    return self._fail_status
        return 0

    def drop_response(self) -> bool:
        """Leave an accepted SUBMIT_SM unanswered."""
        if self._drop_responses > 0:
            self._drop_responses -= 1
            if not self._drop_responses:
                self._submit_faults_changed()
            return True
        return False
