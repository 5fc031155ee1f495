"""Incoming: the simulator injects DELIVER_SMs at 100/s and 1,000/s, each stamped with
CLOCK_MONOTONIC; the latency to the ``smscentre_incoming_sms`` event, p50 and p99."""

from __future__ import annotations

import re
import time
from typing import Any

from bench import ha
from bench.context import Bench
from bench.probes import GcProbe, StallProbe

RATES = ((100, 1000), (1000, 3000))  # DELIVER_SMs a second, how many (a fifth with --quick)


def percentile(ordered: list[float], q: float) -> float:
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run(bench: Bench, hass: Any) -> None:
    from custom_components.smscentre.const import EVENT_INCOMING_SMS

    latencies: list[float] = []

    def on_incoming(event: Any) -> None:
        match = re.search(r" (\d+\.\d+)$", event.data.get("text", ""))
        if match:
            latencies.append(time.monotonic() - float(match.group(1)))

    unsub = hass.bus.async_listen(EVENT_INCOMING_SMS, on_incoming)
    for rate, full in RATES:
        count = full // 5 if bench.quick else full
        latencies.clear()
        with StallProbe() as probe, GcProbe() as gc_probe:
            await bench.sim.call(
                "inject", count=count, rate=rate, source="79990001122", destination="Bench"
            )
        bench.figures[f"incoming_{rate}_stall_max_ms"] = probe.max_late * 1000
        bench.figures[f"incoming_{rate}_gc_pause_max_ms"] = gc_probe.max_pause * 1000
        await ha.wait_until(lambda c=count: len(latencies) >= c, 10)
        ordered = sorted(latencies)
        bench.figures[f"incoming_{rate}_p50_ms"] = percentile(ordered, 0.50) * 1000
        bench.figures[f"incoming_{rate}_p99_ms"] = percentile(ordered, 0.99) * 1000
        if len(ordered) < count:
            bench.notes.append(f"incoming at {rate}/s: {len(ordered)} of {count} events")
    unsub()
