"""The speed limit of outgoing SUBMIT_SMs: at most ``rate`` of them in any sliding second.

The provider counts SUBMIT_SMs per second: a burst inside a second is fine, more than the
limit in any one second is not. Two rules, both O(1) a send, decide when the next may go:

Schedule
    Sends are due ``1 / rate`` apart. A send that goes late (the event loop was busy, the
    sender slept a little longer to take several parts in one wake-up, the window was full)
    by at most ``CATCH_UP`` does not move the schedule: what fell behind may go at once, so
    lateness is made up instead of lost (a limiter that counts from the last send, as a token
    bucket of one does, loses every late wake-up for good, the more the busier the loop). A
    send later than that (the outbox was idle) starts a new schedule, so a quiet outbox does
    not burst.
Cap
    However the schedule stands, a send may go only when fewer than ``rate`` (at least one)
    went within the last second: a ring of the last ``rate`` send times gives the one that
    must be a second old. This is the provider's rule itself; the schedule keeps the sends
    spread within each second.
Wake-ups
    ``delay`` never asks for a wait shorter than ``TICK``: at high rates the sender wakes at
    most 1/``TICK`` times a second and writes every part that fell due meanwhile in one go
    (the schedule makes up the difference). A wait under ``RESOLUTION`` counts as none: the
    caller's clock sums round, and a microsecond is far below what an SMSC can tell apart.
Throttling
    After ESME_RTHROTTLED (``throttled``) the schedule's rate is halved (at most once every
    ``SLOW_DOWN_EVERY``, down to ``MIN_FACTOR`` of ``rate``) and nothing that fell behind is
    made up; every ``RECOVER_EVERY`` without throttling it grows by half again, up to ``rate``.
    The cap stays at ``rate``.

Margin
    The SMSC counts by its own clock, on SUBMIT_SMs the network delayed by different amounts:
    two sends exactly a second apart here can arrive 0.999 s apart there, and make that second
    one over the limit. ``margin`` lengthens the second counted here (cap and schedule alike:
    ``rate`` sends in every ``1 s + margin``), so arrival times may vary by that much. The
    integration uses ``MARGIN``, which costs 1 % of the rate; 0 counts exact seconds.

Times are the caller's clock (seconds, monotonic); the limiter never reads a clock itself, so
tests drive it with any numbers.
"""

from __future__ import annotations

from collections import deque
import math

WINDOW = 1.0  # s: the provider's counting window
MARGIN = 0.01  # s: how much the network may vary the delay of SUBMIT_SMs (the integration's)
CATCH_UP = 0.5  # s: lateness made up; a send later than this starts a new schedule
TICK = 0.005  # s: the shortest wait asked for
RESOLUTION = 1e-6  # s: a wait shorter than this is none (float rounding of the caller's sums)
MIN_FACTOR = 1 / 32  # throttling slows down to this share of the rate at most
SLOW_DOWN_EVERY = 1.0  # s: throttling halves the rate at most this often
RECOVER_EVERY = 2.0  # s without throttling before the rate grows by half


class RateLimiter:
    """When the next SUBMIT_SM may go: ``delay(now)``; count it with ``sent(now)``."""

    __slots__ = ("_due", "_recovered_at", "_slowed_at", "_stamps", "_window", "factor", "rate")

    def __init__(self, rate: float | None, *, margin: float = 0.0) -> None:
        """``rate`` SUBMIT_SMs a second; ``None`` or 0: no limit. ``margin``: see above."""
        if margin < 0:
            raise ValueError("margin must be at least 0")
        self.rate = rate if rate and rate > 0 else None
        self._window = WINDOW + margin  # the second counted here
        self.factor = 1.0  # share of ``rate`` the schedule keeps (below 1 after throttling)
        self._due = -math.inf  # when the next send is due on the schedule
        self._slowed_at = -math.inf  # last halving
        self._recovered_at = -math.inf  # last step back up
        # the times of the last ``rate`` sends (a full ring: the oldest must be a second old)
        self._stamps: deque[float] = deque(maxlen=max(1, int(self.rate or 1)))

    @property
    def effective_rate(self) -> float | None:
        """The rate now allowed (lower than ``rate`` after throttling; the margin aside);
        None: no limit."""
        return None if self.rate is None else self.rate * self.factor

    def delay(self, now: float) -> float:
        """Seconds until the next send may go: 0 when it may go now, else at least ``TICK``."""
        if self.rate is None:
            return 0.0
        wait = self._due - now
        stamps = self._stamps
        if len(stamps) == stamps.maxlen:
            wait = max(wait, stamps[0] + self._window - now)
        if wait < RESOLUTION:
            return 0.0
        return wait if wait > TICK else TICK

    def sent(self, now: float) -> None:
        """Count a send at ``now`` (one ``delay`` allowed)."""
        if self.rate is None:
            return
        if self.factor < 1.0 and now - max(self._slowed_at, self._recovered_at) >= RECOVER_EVERY:
            self.factor = min(1.0, self.factor * 1.5)
            self._recovered_at = now
        due = self._due
        if now - due > CATCH_UP:
            due = now  # idle (or far behind): a new schedule from now
        self._due = due + self._window / (self.rate * self.factor)
        self._stamps.append(now)

    def throttled(self, now: float) -> None:
        """The SMSC answered ESME_RTHROTTLED: slow down; make nothing up."""
        if self.rate is None:
            return
        if now - self._slowed_at >= SLOW_DOWN_EVERY:
            self.factor = max(MIN_FACTOR, self.factor / 2)
            self._slowed_at = now
        self._due = max(self._due, now)
