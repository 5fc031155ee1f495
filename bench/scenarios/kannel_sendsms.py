"""Kannel 1.4.5 on both SMSC speeds, 5,000 single messages each through its ``sendsms``,
median of 3 (skipped when Kannel is not installed)."""

from __future__ import annotations

import asyncio
import statistics
import time

from bench.context import Bench, numbers
from bench.simproc import REALISTIC_PDU_COST


async def run(bench: Bench) -> None:
    from bench import kannel

    if not kannel.available():
        bench.notes.append("Kannel (bearerbox, smsbox) not installed: its phase skipped")
        return
    n = 5_000 if not bench.quick else 1_000
    await bench.reset_sim()
    async with kannel.Kannel(bench.sim).running() as box:
        await box.send(numbers(500), [bench.text("kannel-warm", i) for i in range(500)])
        for key, cost in (("kannel", 0.0), ("real_kannel", REALISTIC_PDU_COST)):
            delivered: list[float] = []
            first_last: list[float] = []
            for run in range(3):
                await asyncio.sleep(0.5)  # the last run has left Kannel
                await bench.reset_sim(pdu_cost=cost)
                started = time.time()
                texts = [bench.text(f"{key}{run}", i) for i in range(n)]
                accepted, _ = await box.send(numbers(n), texts)
                await bench.wait_submits(accepted, 30)
                delivered.append(await bench.delivered_rate(n, started))
                first_last.append(await bench.smsc_rate(n))
                if accepted != n:
                    bench.notes.append(f"{key}: sendsms accepted {accepted} of {n}")
            bench.figures[f"{key}_per_s"] = statistics.median(delivered)
            bench.figures[f"{key}_first_last_per_s"] = statistics.median(first_last)
    await bench.reset_sim()
