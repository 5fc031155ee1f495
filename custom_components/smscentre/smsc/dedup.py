"""Duplicate suppression: remember keys for a while, bounded, and across a restart.

The SMPP receiver drops a DELIVER_SM the SMSC delivers again after a reconnect; the webhook
answers a retried request without firing again (the provider retries every 4 minutes, 50
times). Both use a ``Deduplicator``; the webhook's survives a restart (``as_list``/``load``,
on a wall clock).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
import time
from typing import Any


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

    def as_list(self) -> list[list[Any]]:
        """For storage: ``[key, time added]`` pairs, oldest first (keys must be JSON-able)."""
        self._purge(self._clock())
        return [[key, expiry - self._ttl] for key, expiry in self._expiry.items()]

    def load(self, items: Iterable[Any]) -> None:
        """From storage; expired and malformed items are dropped, the newest kept."""
        now = self._clock()
        loaded = []
        for item in items:
            try:
                key, added = str(item[0]), float(item[1])
            except (TypeError, ValueError, IndexError):
                continue
            if added + self._ttl > now:
                loaded.append((added + self._ttl, key))
        for expiry, key in sorted(loaded):
            self._expiry[key] = expiry
        while len(self._expiry) > self._max_entries:
            self._expiry.popitem(last=False)
