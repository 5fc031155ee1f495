"""The plan's faults, applied to the simulator (it runs in this process) and to Home
Assistant (restarts), at their times; overlapping faults of one kind last until the last
one ends. What happened is noted for the report: each fault's start and end as applied, and
for restarts when Home Assistant was asked to stop, was up and had its entry loaded again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
import time
from typing import Any

from smscsim import SmscSimulator
from smscsim.pdu import ESME_RTHROTTLED

from .plan import Fault, Plan


@dataclass
class Applied:
    """A fault as it happened (wall-clock times)."""

    kind: str
    start: float
    end: float
    count: int = 0
    restart: dict[str, float] = field(default_factory=dict)  # stop asked, up, loaded
    error: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "start": self.start,
            "end": self.end,
            "count": self.count,
            "restart": self.restart,
            "error": self.error,
        }


class FaultRunner:
    """Applies the plan's faults; `restart` stops and starts Home Assistant again."""

    def __init__(
        self,
        plan: Plan,
        sim: SmscSimulator,
        restart: Callable[[], Awaitable[dict[str, float]]],
    ) -> None:
        self.plan = plan
        self.sim = sim
        self.restart = restart
        self.applied: list[Applied] = []
        self._until: dict[str, float] = {}  # kind -> monotonic end of its latest fault
        self._restarting = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()

    async def run(self) -> None:
        """Every fault at its time (seconds after the traffic started)."""
        loop = asyncio.get_running_loop()
        start = loop.time()
        for fault in self.plan.faults:
            if (delay := start + fault.start - loop.time()) > 0:
                await asyncio.sleep(delay)
            task = asyncio.create_task(self._apply(fault))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        while self._tasks:
            await asyncio.gather(*list(self._tasks))

    async def _apply(self, fault: Fault) -> None:
        sim = self.sim
        applied = Applied(fault.kind, time.time(), time.time(), fault.count)
        self.applied.append(applied)
        kind = fault.kind
        if kind == "drop":
            sim.drop_all()
        elif kind == "unanswered":
            sim.drop_responses(fault.count)
        elif kind == "hang":
            sim.hang(self._extend("hang", fault.duration))
        elif kind == "refuse":
            sim.refuse_binds(duration=self._extend("refuse", fault.duration))
        elif kind == "storm":
            sim.fail_submits(ESME_RTHROTTLED, duration=self._extend("storm", fault.duration))
        elif kind == "backup":
            await self._backup(fault.duration)
        elif kind.startswith("restart"):
            await self._restart(fault, applied)
            return
        await asyncio.sleep(fault.duration)
        applied.end = time.time()

    def _extend(self, kind: str, duration: float) -> float:
        """The duration that ends this kind's faults at the later of their ends."""
        now = time.monotonic()
        until = max(self._until.get(kind, 0.0), now + duration)
        self._until[kind] = until
        return until - now

    async def _backup(self, duration: float) -> None:
        until = self._extend("backup", duration)
        if self.sim.server_is_up():
            await self.sim.server_down()

        async def back() -> None:
            await asyncio.sleep(until)
            if time.monotonic() >= self._until["backup"] - 0.01:
                await self.sim.server_up()

        task = asyncio.create_task(back())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _restart(self, fault: Fault, applied: Applied) -> None:
        """Home Assistant stopped and started again; while the server hangs or refuses binds
        for the fault's duration with the ``_hang``/``_refuse`` kinds."""
        sim = self.sim
        if fault.kind == "restart_hang":
            sim.hang(self._extend("hang", fault.duration))
        elif fault.kind == "restart_refuse":
            sim.refuse_binds(duration=self._extend("refuse", fault.duration))
        async with self._restarting:
            try:
                applied.restart = await self.restart()
            except Exception as err:  # the report says what broke
                applied.error = f"{type(err).__name__}: {err}"
        if fault.duration:
            left = applied.start + fault.duration - time.time()
            if left > 0:
                await asyncio.sleep(left)
        applied.end = time.time()
