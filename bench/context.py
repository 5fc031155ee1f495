"""One benchmark run: the simulator, the figures and notes collected, the timed blocks by tag."""

from __future__ import annotations

import asyncio
import itertools
import os
import time
from typing import Any

from .simproc import SimProcess
from .timing import Timer

_numbers = itertools.count(1)


def numbers(count: int) -> list[str]:
    """Distinct international numbers for the whole run (the rules stay on)."""
    return [f"7{9_000_000_000 + next(_numbers)}" for _ in range(count)]


class Bench:
    """What every scenario shares; each writes its figures into ``figures``."""

    def __init__(self, sim: SimProcess, config_dir: str, quick: bool) -> None:
        self.sim = sim
        self.config_dir = config_dir
        self.quick = quick
        self.figures: dict[str, Any] = {}
        self.notes: list[str] = []
        self.timers: dict[str, Timer] = {}  # tag -> its timed block
        self.run_id = f"{os.getpid() % 10000}"

    def text(self, tag: str, index: int) -> str:
        return f"bench {self.run_id} {tag} {index}"

    def timer(self, tag: str, count: int) -> Timer:
        """A timer for a block of `count` messages, kept under `tag`."""
        timer = self.timers[tag] = Timer(count)
        return timer

    async def reset_sim(self, throughput: float | None = None, pdu_cost: float = 0.0) -> None:
        await self.sim.call(
            "reset", throughput=throughput, duplicate_window=60.0, pdu_cost=pdu_cost
        )

    async def smsc_rate(self, count: int) -> float:
        """Submits a second as the simulator saw them: the ``count - 1`` intervals between the
        first and the last SUBMIT_SM since the last reset."""
        stats = await self.sim.call("stats")
        if stats["submits"] < count:
            self.notes.append(f"the simulator counted {stats['submits']} of {count} submits")
        span = (stats["last"] or 0.0) - (stats["first"] or 0.0)
        return (stats["submits"] - 1) / span if span > 0 else 0.0

    async def delivered_rate(self, count: int, started: float) -> float:
        """Messages a second from the first request made (wall clock ``started``) to the last
        SUBMIT_SM at the simulator: how a sender that takes requests is compared (Kannel and
        the action calls alike), whatever it does before its first SUBMIT_SM."""
        stats = await self.sim.call("stats")
        if stats["submits"] < count:
            self.notes.append(f"the simulator counted {stats['submits']} of {count} submits")
        span = (stats["last"] or 0.0) - started
        return stats["submits"] / span if span > 0 else 0.0

    async def wait_submits(self, count: int, timeout: float) -> None:
        """Until the simulator counted `count` submits, at most `timeout` s."""
        end = time.monotonic() + timeout
        while (await self.sim.call("stats"))["submits"] < count:
            if time.monotonic() > end:
                return
            await asyncio.sleep(0.05)
