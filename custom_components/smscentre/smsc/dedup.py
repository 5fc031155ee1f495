"""Duplicate suppression: remember keys for a while, bounded."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
import time


class Deduplicator:
    """Remember keys for `ttl` seconds, to drop a message the SMSC delivers again.

    After a reconnect an SMSC redelivers what it thinks we did not acknowledge. Bounded:
    beyond `max_entries` the oldest key is forgotten. O(1) amortised per call: keys sit in
    insertion order, which is expiry order because the ttl is fixed.
    """

    def __init__(
        self,
        ttl: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
        max_entries: int = 10_000,
    ) -> None:
        """Set how long a key is remembered, the clock and the bound on keys held."""
        self._ttl = ttl
        self._clock = clock
        self._max_entries = max(1, max_entries)
        self._expiry: OrderedDict[Hashable, float] = OrderedDict()

    def __len__(self) -> int:
        """Number of keys remembered."""
        self._purge(self._clock())
        return len(self._expiry)

    def __contains__(self, key: Hashable) -> bool:
        """True while `key` is remembered (does not add it)."""
        self._purge(self._clock())
        return key in self._expiry

    def add(self, key: Hashable) -> None:
        """Remember `key` (keeps its first expiry if already there)."""
        now = self._clock()
        self._purge(now)
        if key in self._expiry:
            return
        self._expiry[key] = now + self._ttl
        if len(self._expiry) > self._max_entries:
            self._expiry.popitem(last=False)

    def seen(self, key: Hashable) -> bool:
        """True when `key` was seen within the ttl; otherwise remember it and return False."""
        if key in self:
            return True
        self.add(key)
        return False

    def _purge(self, now: float) -> None:
        while self._expiry:
            key, expiry = next(iter(self._expiry.items()))
            if expiry > now:
                return
            del self._expiry[key]
