"""5,000 ``send_sms`` calls made as Kannel's requests are (50 callers, one call in flight
each) on one SMSC speed, median of 3: first call made to last SUBMIT_SM at the SMSC, CPU per
message and the garbage collector's share."""

from __future__ import annotations

import statistics
from typing import Any

from bench.calls import callers
from bench.context import Bench
from bench.probes import GcProbe


async def run(bench: Bench, hass: Any, n: int, key: str, pdu_cost: float) -> None:
    """``{key}_smsc_per_s``, ``{key}_cpu_us_per_msg``, ``{key}_gc_shares``."""
    smsc: list[float] = []
    for i in range(3):
        await bench.reset_sim(pdu_cost=pdu_cost)
        tag = f"{key}{i}"
        with GcProbe() as probe:
            _, sent = await callers(bench, hass, n, tag)
        if sent != n:
            bench.notes.append(f"{tag}: only {sent} of {n} sent")
        timer = bench.timers[tag]
        smsc.append(await bench.delivered_rate(n, timer.started_at))
        bench.figures.setdefault(f"{key}_gc_shares", []).append(probe.total / timer.elapsed)
    bench.figures[f"{key}_smsc_per_s"] = statistics.median(smsc)
    bench.figures[f"{key}_cpu_us_per_msg"] = min(
        bench.timers[f"{key}{i}"].cpu_us_per_msg for i in range(3)
    )
    await bench.reset_sim()
