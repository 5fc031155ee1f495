"""The run's plan, drawn from its seed: the faults (kind, start, duration) and the traffic's
shape. The same seed gives the same plan; the plan is printed and saved with the figures.

Faults come at random times and overlap. Every kind comes at least once in a run long
enough for it (a short run takes the first kinds of ``SHORT_RUN``); the rest of the run
draws kinds other than restarts at random, about one fault every ``FAULT_GAP`` seconds. Home
Assistant restarts (each kind once) happen in the first ``RESTARTS_BEFORE`` of the run, so
the last process lives long enough for its memory to be judged after its warm-up.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
import random
from typing import Any

# kind -> (shortest, longest) duration in seconds; 0: instantaneous or counted, not timed
DURATIONS: dict[str, tuple[float, float]] = {
    "drop": (0, 0),  # every TCP connection dropped at once
    "hang": (15, 45),  # the server reads and answers nothing
    "refuse": (20, 50),  # binds refused (0x0D); the HTTP fallback takes over after 10 s
    "storm": (10, 30),  # every SUBMIT_SM answered 0x58 (throttled)
    "unanswered": (0, 0),  # some SUBMIT_SMs accepted and never answered
    "backup": (40, 90),  # the primary down (connections refused): the backup takes over
    "restart": (0, 0),  # Home Assistant stopped and started again, messages queued
    "restart_hang": (30, 60),  # ... while the server hangs (the boot window)
    "restart_refuse": (30, 60),  # ... while binds are refused
}
KINDS = tuple(DURATIONS)
RANDOM_KINDS = tuple(k for k in KINDS if not k.startswith("restart"))  # restarts: once each
# the kinds a short run takes first (cheap and telling), in this order
SHORT_RUN = ("restart_hang", "storm", "unanswered", "drop", "refuse", "backup", "hang")
FAULT_GAP = 75.0  # s: the mean gap between faults after every kind came once
WARMUP_QUIET = 0.05  # of the run, at least 20 s: no fault before (the link's first bind)
QUIET_END = 0.12  # of the run, at least 25 s: no fault starts this close to the end
RESTARTS_BEFORE = 0.45  # of the run: restarts only before this point
MIN_RESTART_GAP = 90.0  # s between two restarts


@dataclass(frozen=True)
class Fault:
    """One planned fault: its kind, when it starts (s after traffic starts), how long."""

    kind: str
    start: float
    duration: float
    count: int = 0  # unanswered: how many SUBMIT_SMs

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Plan:
    """The traffic and the faults of one run."""

    seed: int
    seconds: float
    rate: float  # outgoing messages/s (steady part)
    incoming_rate: float = 2.0  # incoming SMS/s
    hlr_every: float = 10.0  # s between HLR lookups
    burst_every: float = 30.0  # s between bursts
    burst_size: tuple[int, int] = (20, 60)  # recipients of one burst
    faults: list[Fault] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["faults"] = [f.as_dict() for f in self.faults]
        return data

    def describe(self) -> list[str]:
        lines = [
            f"seed {self.seed}: {self.seconds / 60:.1f} min, {self.rate:g} messages/s, "
            f"{self.incoming_rate:g} incoming/s, a burst every {self.burst_every:g} s, "
            f"an HLR lookup every {self.hlr_every:g} s"
        ]
        for fault in self.faults:
            extra = f" {fault.duration:.0f} s" if fault.duration else ""
            extra += f" ({fault.count} SUBMIT_SMs)" if fault.count else ""
            lines.append(f"  {fault.start:7.1f} s  {fault.kind}{extra}")
        return lines


def make_plan(seed: int, minutes: float, rate: float, *, restarts: bool = True) -> Plan:
    """The plan of a run of `minutes` at `rate`, drawn from `seed`; without `restarts`, one
    Home Assistant process from start to end (a memory attribution run)."""
    rng = random.Random(seed)
    seconds = minutes * 60
    first = max(20.0, WARMUP_QUIET * seconds)
    last = seconds - max(25.0, QUIET_END * seconds)
    restart_until = max(first + 1, RESTARTS_BEFORE * seconds)
    faults: list[Fault] = []
    restart_times: list[float] = []

    def draw(kind: str) -> Fault | None:
        low, high = DURATIONS[kind]
        duration = round(rng.uniform(low, high), 1) if high else 0.0
        until = restart_until if kind.startswith("restart") else last - duration
        if until <= first:
            return None
        for _ in range(20):
            start = round(rng.uniform(first, until), 1)
            if kind.startswith("restart") and any(
                abs(start - other) < MIN_RESTART_GAP for other in restart_times
            ):
                continue
            break
        else:
            return None
        if kind.startswith("restart"):
            restart_times.append(start)
        count = rng.randint(3, 12) if kind == "unanswered" else 0
        return Fault(kind, start, duration, count)

    # every kind once where the run has room (a short run: the first of SHORT_RUN that fit)
    budget = max(1, int((last - first) / 15))
    kinds = list(SHORT_RUN) + [k for k in KINDS if k not in SHORT_RUN]
    if not restarts:
        kinds = [k for k in kinds if not k.startswith("restart")]
    for kind in kinds[:budget]:
        if (fault := draw(kind)) is not None:
            faults.append(fault)
    # then more at random, about one every FAULT_GAP seconds
    extra = int((last - first) / FAULT_GAP) - len(faults)
    for _ in range(max(0, extra)):
        if (fault := draw(rng.choice(RANDOM_KINDS))) is not None:
            faults.append(fault)
    faults.sort(key=lambda f: f.start)
    return Plan(seed=seed, seconds=seconds, rate=rate, faults=faults)
