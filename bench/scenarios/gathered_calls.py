"""5,000 ``send_sms`` calls of one recipient each, all made at once: the rate, as Kannel is
measured too, CPU per message, event-loop stalls, garbage collection and outbox saves."""

from __future__ import annotations

from typing import Any

from bench.calls import action_calls
from bench.context import Bench
from bench.probes import GcProbe, StallProbe, WriteCounter


async def run(bench: Bench, hass: Any, n: int, writes: WriteCounter) -> None:
    writes.count = 0
    await bench.reset_sim()
    with StallProbe() as probe, GcProbe() as calls_gc:
        rate, sent = await action_calls(bench, hass, n, "calls")
    timer = bench.timers["calls"]
    bench.figures["action_calls_per_s"] = rate
    bench.figures["action_calls_smsc_per_s"] = await bench.delivered_rate(n, timer.started_at)
    bench.figures["action_calls_cpu_us_per_msg"] = timer.cpu_us_per_msg
    bench.figures["action_calls_sent"] = sent
    bench.figures["event_loop_stall_max_ms"] = probe.max_late * 1000
    bench.figures["action_calls_gc_share"] = calls_gc.total / timer.elapsed
    bench.figures["action_calls_gc_max_ms"] = calls_gc.max_pause * 1000
    bench.figures["store_writes_5k_calls"] = writes.count
