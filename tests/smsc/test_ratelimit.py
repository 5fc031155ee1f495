"""The rate limiter, by counts on a clock the test moves (never by timing)."""

from __future__ import annotations

import random

import pytest

from custom_components.smscentre.smsc.ratelimit import (
    CATCH_UP,
    MARGIN,
    MIN_FACTOR,
    RECOVER_EVERY,
    RESOLUTION,
    TICK,
    RateLimiter,
)


def busiest_second(stamps: list[float]) -> int:
    """The most sends within any half-open window [t, t + 1 s) (to the limiter's
    RESOLUTION: the stamps are float sums)."""
    most = start = 0
    for end, stamp in enumerate(stamps):
        while stamp - stamps[start] >= 1.0 - RESOLUTION:
            start += 1
        most = max(most, end - start + 1)
    return most


def take_all(limiter: RateLimiter, now: float, stamps: list[float]) -> int:
    """Send every part the limiter allows at ``now`` (as the link does on a wake-up);
    append their times to ``stamps``; how many went."""
    sent = 0
    while not limiter.delay(now):
        limiter.sent(now)
        stamps.append(now)
        sent += 1
    return sent


def drive(limiter: RateLimiter, until: float, late: list[float] | float = 0.0) -> list[float]:
    """A sender from 0 to ``until``: on each wake-up it sends every part ``delay`` allows,
    then sleeps what ``delay`` asks, waking late by ``late`` (one value, or one per wake-up,
    round robin); the send times."""
    lateness = late if isinstance(late, list) else [late]
    stamps: list[float] = []
    now = 0.0
    wake = 0
    while now < until:
        take_all(limiter, now, stamps)
        now += limiter.delay(now) + lateness[wake % len(lateness)]
        wake += 1
    return stamps


@pytest.mark.parametrize("rate", [1, 30, 100, 300, 1000])
def test_a_punctual_sender_gets_the_rate_and_never_more_in_a_second(rate: int) -> None:
    stamps = drive(RateLimiter(rate), 10.0)
    assert len([s for s in stamps if s < 10.0]) >= 0.999 * rate * 10
    assert busiest_second(stamps) == rate


@pytest.mark.parametrize("rate", [30, 100, 300, 1000])
def test_late_wake_ups_are_made_up_not_lost(rate: int) -> None:
    """Every wake-up 0.7 ms late (a busy event loop), some 40 ms: the rate still holds.

    A limiter that counts from the last send (a token bucket of one) got 1 / (1/rate +
    0.0007) a second here: about 29.4, 93.5, 248 and 588 a second.
    """
    late = [0.0007] * 20 + [0.040]
    stamps = drive(RateLimiter(rate), 10.0, late)
    assert len([s for s in stamps if s < 10.0]) >= 0.99 * rate * 10
    assert busiest_second(stamps) <= rate


def test_parts_due_together_go_together() -> None:
    """At 1,000/s the sender wakes every TICK and takes the parts due meanwhile."""
    limiter = RateLimiter(1000)
    limiter.sent(0.0)
    assert limiter.delay(0.0) == TICK  # not 1 ms: no wake-up per part
    assert take_all(limiter, TICK, []) == 5


def test_an_idle_limiter_does_not_burst() -> None:
    limiter = RateLimiter(10)
    limiter.sent(0.0)
    now = 0.1
    limiter.sent(now)
    now = 60.0  # idle for a minute, far more than CATCH_UP
    assert limiter.delay(now) == 0.0
    limiter.sent(now)
    assert limiter.delay(now) == pytest.approx(0.1)  # one at a time from a new schedule


def test_a_stall_is_made_up_in_one_go_within_the_per_second_cap() -> None:
    """10/s: one send at 0, a stall until 0.5 s, then punctual: the five that fell behind go
    at once, and the cap holds the later ones back so that no second has more than 10."""
    limiter = RateLimiter(10)
    stamps = [0.0]
    limiter.sent(0.0)
    now = 0.5
    assert take_all(limiter, now, stamps) == 5  # 0.1 .. 0.5 were due
    while now < 3.0:
        now += limiter.delay(now)
        take_all(limiter, now, stamps)
    assert busiest_second(stamps) == 10
    # the cap, not the schedule, held the send due at 1.1 until the five of 0.5 were a second old
    assert [s for s in stamps if 1.0 + RESOLUTION < s < 1.5 - RESOLUTION] == []
    assert len([s for s in stamps if s == pytest.approx(1.5)]) == 5


def test_a_stall_longer_than_catch_up_is_not_made_up() -> None:
    limiter = RateLimiter(10)
    limiter.sent(0.0)
    assert take_all(limiter, CATCH_UP + 0.2, []) == 1


def test_throttling_halves_makes_nothing_up_and_recovers() -> None:
    limiter = RateLimiter(10)
    limiter.sent(0.0)
    now = 0.45  # behind the schedule by 0.35 s
    limiter.throttled(now)
    assert limiter.effective_rate == 5.0
    now += 0.5
    limiter.throttled(now)  # within a second: no change
    assert limiter.effective_rate == 5.0
    assert limiter.delay(now) == 0.0
    limiter.sent(now)
    assert limiter.delay(now) == pytest.approx(0.2)  # 5/s, no burst for what fell behind
    for _ in range(10):
        limiter.throttled(now)
        now += 1.0
    assert limiter.effective_rate == 10 * MIN_FACTOR
    # sends without throttling: half as fast again every RECOVER_EVERY, up to the rate
    steps = []
    while limiter.effective_rate != 10.0:
        now += max(limiter.delay(now), RECOVER_EVERY)
        limiter.sent(now)
        steps.append(limiter.effective_rate)
    assert steps == sorted(steps)
    assert len(steps) == 9  # 1/32 * 1.5**9 > 1


def test_throttled_rate_cannot_exceed_the_cap() -> None:
    stamps = []
    limiter = RateLimiter(30)
    rng = random.Random(13)
    now = 0.0
    while now < 20.0:
        take_all(limiter, now, stamps)
        if rng.random() < 0.02:
            limiter.throttled(now)
        now += limiter.delay(now) + rng.choice([0.0, 0.001, 0.03, 0.2])
    assert busiest_second(stamps) <= 30


def test_no_limit() -> None:
    for rate in (None, 0):
        limiter = RateLimiter(rate)
        for _ in range(10_000):
            assert limiter.delay(0.0) == 0.0
            limiter.sent(0.0)
        limiter.throttled(0.0)
        assert limiter.effective_rate is None


def test_below_one_a_second() -> None:
    limiter = RateLimiter(0.5)
    limiter.sent(0.0)
    assert limiter.delay(1.0) == pytest.approx(1.0)  # every 2 s
    assert limiter.delay(2.0) == 0.0


def arrivals(stamps: list[float], spread: float, seed: int) -> list[float]:
    """The send times as an SMSC sees them: each delayed by 0..``spread`` s at random."""
    rng = random.Random(seed)
    return sorted(stamp + rng.random() * spread for stamp in stamps)


@pytest.mark.parametrize("rate", [30, 1000])
def test_the_margin_absorbs_network_jitter_at_the_smsc(rate: int) -> None:
    """Delays that vary by up to 9 ms put a send of exact seconds over the limit at the SMSC;
    with MARGIN (10 ms) no second there has more than ``rate``, at 1 % of the rate."""
    late = [0.0007] * 20 + [0.040]
    exact = drive(RateLimiter(rate), 10.0, late)
    assert busiest_second(arrivals(exact, 0.009, 1)) > rate
    stamps = drive(RateLimiter(rate, margin=MARGIN), 10.0, late)
    for seed in range(5):
        assert busiest_second(arrivals(stamps, 0.009, seed)) <= rate
    assert len([s for s in stamps if s < 10.0]) >= 0.985 * rate * 10


def test_margin_must_not_be_negative() -> None:
    with pytest.raises(ValueError, match="margin"):
        RateLimiter(10, margin=-0.001)
