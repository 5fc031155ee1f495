"""Scaling: one call of 1,000 recipients (median of 5) against 100,000 messages in calls of
1,000, as a sustained stream (10 in flight) and queued all at once."""

from __future__ import annotations

import statistics
from typing import Any

from bench.calls import multi_call
from bench.context import Bench
from bench.probes import GcProbe, WriteCounter


async def run(bench: Bench, hass: Any, writes: WriteCounter) -> None:
    rates_1k = [await multi_call(bench, hass, 1000, f"k{i}") for i in range(5)]
    bench.figures["rate_1k_per_s"] = statistics.median(rates_1k)
    big = 100 if not bench.quick else 20
    writes.count = 0
    with GcProbe() as gc_probe:
        bench.figures["rate_100k_per_s"] = await multi_call(
            bench, hass, 1000, "big", calls=big, in_flight=10
        )
    bench.figures["store_writes_100k"] = writes.count
    bench.figures["gc_pause_max_ms_100k"] = gc_probe.max_pause * 1000
    bench.figures["cpu_us_per_msg_1k"] = min(bench.timers[f"k{i}"].cpu_us_per_msg for i in range(5))
    bench.figures["cpu_us_per_msg_100k"] = bench.timers["big"].cpu_us_per_msg
    # the same 100,000 queued all at once (100 calls gathered)
    with GcProbe() as gc_probe:
        bench.figures["rate_100k_all_queued_per_s"] = await multi_call(
            bench, hass, 1000, "huge", calls=big
        )
    bench.figures["gc_share_100k_all_queued"] = gc_probe.total / bench.timers["huge"].elapsed
    bench.figures["gc_pause_max_ms_100k_all_queued"] = gc_probe.max_pause * 1000
    stats = await bench.sim.call("stats")
    bench.figures["sim_refused_in_bursts"] = stats["submits"] - stats["accepted"]
