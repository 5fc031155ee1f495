"""The provider's sending rules, checked before a message is queued.

SMS Center refuses, on its side:

- an identical request (same recipient, same short_message) repeated within one minute;
- a 51st message to one subscriber when the messages came less than 30 s apart.

We refuse first, with a translated error, so a user learns why at once instead of through a
failed message later. Checking and recording are separate steps: a caller checks every
recipient of one action, and records only when all passed, so a refused action leaves no trace.

Both guards are O(1) per message and keep bounded memory: entries are kept in the order they
were last touched and the stale ones are dropped lazily from the front.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
import hashlib
import math
import time

from .errors import RuleViolation

DUPLICATE_WINDOW = 60.0
SUBSCRIBER_LIMIT = 50
SUBSCRIBER_GAP = 30.0

type Clock = Callable[[], float]


def _digest(text: str | bytes) -> bytes:
    """Return a short, collision-safe key for a message text (long texts are not kept)."""
    data = text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=16).digest()


def _seconds(remaining: float) -> int:
    """Whole seconds to wait, never 0 while something is left."""
    return max(1, math.ceil(remaining))


class DuplicateGuard:
    """Refuse the same text to the same recipient within ``window`` seconds."""

    def __init__(self, window: float = DUPLICATE_WINDOW, clock: Clock = time.monotonic) -> None:
        """Start empty."""
        self.window = window
        self._clock = clock
        self._seen: OrderedDict[tuple[str, bytes], float] = OrderedDict()

    def __len__(self) -> int:
        """Number of remembered (recipient, text) pairs, expired ones included until swept."""
        return len(self._seen)

    def _expire(self, now: float) -> None:
        seen = self._seen
        limit = now - self.window
        while seen:
            key, stamp = next(iter(seen.items()))
            if stamp > limit:
                return
            del seen[key]

    def remaining(self, recipient: str, text: str | bytes) -> float:
        """Seconds until this text may go to this recipient again (0.0 = now)."""
        now = self._clock()
        self._expire(now)
        return self._remaining(recipient, _digest(text), now)

    def _remaining(self, recipient: str, digest: bytes, now: float) -> float:
        stamp = self._seen.get((recipient, digest))
        if stamp is None:
            return 0.0
        return max(0.0, stamp + self.window - now)

    def check(self, recipient: str, text: str | bytes) -> None:
        """Raise ``RuleViolation("duplicate_message")`` if sending now would be a duplicate."""
        left = self.remaining(recipient, text)
        if left > 0:
            raise RuleViolation("duplicate_message", recipient=recipient, seconds=_seconds(left))

    def record(self, recipient: str, text: str | bytes) -> None:
        """Remember that this text went to this recipient now."""
        now = self._clock()
        self._expire(now)
        self._record(recipient, _digest(text), now)

    def _record(self, recipient: str, digest: bytes, now: float) -> None:
        key = (recipient, digest)
        self._seen[key] = now
        self._seen.move_to_end(key)


# The current run of messages to one recipient: (time of the last one, how many). A plain
# tuple of numbers, which the cyclic garbage collector stops tracking.
type _Run = tuple[float, int]


class SubscriberGuard:
    """Refuse the ``limit + 1``-th message of a run to one subscriber.

    A run is a series of messages to one recipient, each less than ``gap`` seconds after the
    previous one; a pause of at least ``gap`` seconds starts a new run.
    """

    def __init__(
        self,
        limit: int = SUBSCRIBER_LIMIT,
        gap: float = SUBSCRIBER_GAP,
        clock: Clock = time.monotonic,
    ) -> None:
        """Start empty."""
        self.limit = limit
        self.gap = gap
        self._clock = clock
        self._runs: OrderedDict[str, _Run] = OrderedDict()  # least recently touched first

    def __len__(self) -> int:
        """Number of recipients with a run that may still be open."""
        return len(self._runs)

    def _current(self, recipient: str, now: float) -> _Run | None:
        self._expire(now)
        return self._runs.get(recipient)

    def _expire(self, now: float) -> None:
        runs = self._runs
        limit = now - self.gap
        while runs:
            key, run = next(iter(runs.items()))
            if run[0] > limit:
                return
            del runs[key]

    def count(self, recipient: str) -> int:
        """Messages in the recipient's current run (0 when a pause ended it)."""
        run = self._current(recipient, self._clock())
        return 0 if run is None else run[1]

    def check(self, recipient: str, extra: int = 1) -> None:
        """Raise ``RuleViolation("subscriber_limit")`` if ``extra`` more messages would break it."""
        now = self._clock()
        self._expire(now)
        self._check(recipient, extra, now)

    def _check(self, recipient: str, extra: int, now: float) -> None:
        run = self._runs.get(recipient)
        count = 0 if run is None else run[1]
        if count + extra > self.limit:
            left = self.gap if run is None else run[0] + self.gap - now
            raise RuleViolation(
                "subscriber_limit", recipient=recipient, limit=self.limit, seconds=_seconds(left)
            )

    def record(self, recipient: str) -> None:
        """Count one message to this recipient now."""
        now = self._clock()
        self._expire(now)
        self._record(recipient, now)

    def _record(self, recipient: str, now: float) -> None:
        runs = self._runs
        run = runs.get(recipient)
        if run is None:
            runs[recipient] = (now, 1)
            return
        runs[recipient] = (now, run[1] + 1)
        runs.move_to_end(recipient)


class Rules:
    """Both guards together; ``enabled = False`` turns every check and record off."""

    def __init__(
        self,
        *,
        enabled: bool = True,
        duplicate_window: float = DUPLICATE_WINDOW,
        subscriber_limit: int = SUBSCRIBER_LIMIT,
        subscriber_gap: float = SUBSCRIBER_GAP,
        clock: Clock = time.monotonic,
    ) -> None:
        """Build the guards with the provider's defaults."""
        self.enabled = enabled
        self._clock = clock
        self.duplicate = DuplicateGuard(duplicate_window, clock)
        self.subscriber = SubscriberGuard(subscriber_limit, subscriber_gap, clock)

    def _instant(self) -> float:
        """One instant for a whole action; stale entries of both guards dropped once."""
        now = self._clock()
        self.duplicate._expire(now)
        self.subscriber._expire(now)
        return now

    def _keys(self, pairs: Iterable[tuple[str, str | bytes]]) -> Iterator[tuple[str, bytes]]:
        """(recipient, digest of the text) of each pair, each distinct text hashed once (one
        action usually sends one text to many)."""
        digests: dict[str | bytes, bytes] = {}
        for recipient, text in pairs:
            digest = digests.get(text)
            if digest is None:
                digest = digests[text] = _digest(text)
            yield recipient, digest

    def _checked(
        self, pairs: Iterable[tuple[str, str | bytes]], now: float
    ) -> list[tuple[str, bytes]]:
        """The keys of pairs that may all go at ``now``; raises for the first that may not."""
        duplicate = self.duplicate
        batch: dict[tuple[str, bytes], None] = {}  # in order, to be recorded as checked
        per_recipient: dict[str, int] = {}
        for key in self._keys(pairs):
            recipient, digest = key
            if key in batch:
                raise RuleViolation(
                    "duplicate_message", recipient=recipient, seconds=_seconds(duplicate.window)
                )
            batch[key] = None
            if (left := duplicate._remaining(recipient, digest, now)) > 0:
                raise RuleViolation(
                    "duplicate_message", recipient=recipient, seconds=_seconds(left)
                )
            per_recipient[recipient] = per_recipient.get(recipient, 0) + 1
        for recipient, extra in per_recipient.items():
            self.subscriber._check(recipient, extra, now)
        return list(batch)

    def _record(self, keys: Iterable[tuple[str, bytes]], now: float) -> None:
        duplicate, subscriber = self.duplicate, self.subscriber
        for recipient, digest in keys:
            duplicate._record(recipient, digest, now)
            subscriber._record(recipient, now)

    def check_many(self, pairs: Iterable[tuple[str, str | bytes]]) -> None:
        """Check (recipient, short_message text) pairs of one action; record nothing.

        Pairs within the same call count against each other too: the same text twice to one
        recipient is a duplicate, and 51 messages to one subscriber break the run limit.
        """
        if self.enabled:
            self._checked(pairs, self._instant())

    def record_many(self, pairs: Iterable[tuple[str, str | bytes]]) -> None:
        """Record pairs that passed ``check_many`` and are being queued."""
        if self.enabled:
            self._record(self._keys(pairs), self._instant())

    def admit(self, pairs: Iterable[tuple[str, str | bytes]]) -> None:
        """Check all pairs, then record them all; raise and record nothing on any violation.
        One instant for both steps, each distinct text hashed once."""
        if self.enabled:
            now = self._instant()
            self._record(self._checked(pairs, now), now)
