"""What a run watches besides time: event-loop stalls, garbage collection, memory, saves."""

from __future__ import annotations

import asyncio
import gc
import time
from typing import Any


class StallProbe:
    """A task that sleeps 1 ms again and again and records how late it wakes."""

    def __init__(self, interval: float = 0.001) -> None:
        self.interval = interval
        self.max_late = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        perf = time.perf_counter
        while True:
            start = perf()
            await asyncio.sleep(self.interval)
            late = perf() - start - self.interval
            self.max_late = max(self.max_late, late)

    def __enter__(self) -> StallProbe:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()


class GcProbe:
    """Total and longest cyclic garbage collection while active."""

    def __init__(self) -> None:
        self.total = 0.0
        self.max_pause = 0.0
        self._started = 0.0

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        pause = time.perf_counter() - self._started
        self.total += pause
        self.max_pause = max(self.max_pause, pause)

    def __enter__(self) -> GcProbe:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._callback)


class WriteCounter:
    """Counts the saves of a Home Assistant ``Store`` (the outbox's), from the last reset."""

    def __init__(self, store: Any) -> None:
        self.count = 0
        original = store._async_write_data

        async def counting(data: Any) -> None:
            self.count += 1
            await original(data)

        store._async_write_data = counting


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident set size of this process in MiB, from /proc."""
    current = peak = 0.0
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                current = int(line.split()[1]) / 1024
            elif line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024
    return current, peak


def reset_peak_rss() -> bool:
    """Reset VmHWM (Linux: clear_refs 5); False when not allowed."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
            refs.write("5")
    except OSError:
        return False
    return True
