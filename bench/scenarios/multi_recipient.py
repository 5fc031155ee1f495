"""5,000 recipients: one action takes 1,000 at most, so 5 calls made at once; median of 3."""

from __future__ import annotations

import statistics
from typing import Any

from bench.calls import multi_call
from bench.context import Bench


async def run(bench: Bench, hass: Any, n: int) -> None:
    rates = [await multi_call(bench, hass, n, f"multi{i}") for i in range(3)]
    bench.figures["multi_recipient_per_s"] = statistics.median(rates)
    bench.figures["multi_recipient_cpu_us_per_msg"] = min(
        bench.timers[f"multi{i}"].cpu_us_per_msg for i in range(3)
    )
