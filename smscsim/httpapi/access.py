"""Who may use the HTTP API: the login and password of every request, and the provider's block
of an address after repeated wrong passwords (its thresholds are the simulator's choice)."""

from __future__ import annotations

from collections import deque

from smscsim.rules import Rules

from .records import HttpRequest
from .wire import ApiError


class Access:
    """Checks a request's login and password; blocks an address that guesses."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules  # its accounts
        # "IP temporarily blocked after frequent errors"
        self.block_after = 5  # wrong passwords from one address within block_window
        self.block_window = 60.0
        self.block_duration = 60.0
        self._failures: dict[str, deque[float]] = {}
        self._blocked: dict[str, float] = {}  # peer -> monotonic time the block ends

    def blocked(self, peer: str, now: float) -> bool:
        return now < self._blocked.get(peer, 0.0)

    def login(self, record: HttpRequest, password: str, now: float) -> None:
        """Raise error 2 for an unknown login or a wrong password, counting it against the
        address."""
        expected = self.rules.accounts.get(record.login)
        if expected is not None and expected == password:
            return
        failures = self._failures.setdefault(record.peer, deque())
        failures.append(now)
        while failures and failures[0] <= now - self.block_window:
            failures.popleft()
        if self.block_after and len(failures) >= self.block_after:
            self._blocked[record.peer] = now + self.block_duration
            failures.clear()
        raise ApiError(2)

    def clear(self) -> None:
        self._blocked.clear()
        self._failures.clear()
