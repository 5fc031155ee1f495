"""The one timer of the benchmark's timed blocks: when it started, how long, how much CPU."""

from __future__ import annotations

import time


class Timer:
    """Times a ``with`` block that handles `count` messages.

    ``started_at`` is the wall clock (``time.time``) at the start, comparable with the
    simulator's times of its SUBMIT_SMs (another process); ``elapsed`` is measured with
    ``perf_counter``; ``cpu_us_per_msg`` is this process's CPU time per message (robust when
    the machine is busy).
    """

    def __init__(self, count: int = 1) -> None:
        self.count = count
        self.started_at = 0.0
        self.elapsed = 0.0
        self.cpu = 0.0
        self._start = 0.0
        self._cpu_start = 0.0

    def __enter__(self) -> Timer:
        self.started_at = time.time()
        self._start, self._cpu_start = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.elapsed = time.perf_counter() - self._start
        self.cpu = time.process_time() - self._cpu_start

    @property
    def cpu_us_per_msg(self) -> float:
        return self.cpu / self.count * 1e6
