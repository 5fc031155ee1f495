"""On the realistic-speed SMSC: 5,000 single calls (all at once, and by 50 callers) and one
5,000-recipient call, median of 3 each."""

from __future__ import annotations

import statistics
from typing import Any

from bench.calls import action_calls, multi_call
from bench.context import Bench
from bench.simproc import REALISTIC_PDU_COST

from . import callers


async def run(bench: Bench, hass: Any, n: int) -> None:
    rates: list[float] = []
    smsc: list[float] = []
    for i in range(3):
        await bench.reset_sim(pdu_cost=REALISTIC_PDU_COST)
        rate, _ = await action_calls(bench, hass, n, f"real-calls{i}")
        rates.append(rate)
        smsc.append(await bench.delivered_rate(n, bench.timers[f"real-calls{i}"].started_at))
    bench.figures["real_action_calls_per_s"] = statistics.median(rates)
    bench.figures["real_action_calls_smsc_per_s"] = statistics.median(smsc)
    await callers.run(bench, hass, n, "real_callers", REALISTIC_PDU_COST)
    rates = []
    for i in range(3):
        await bench.reset_sim(pdu_cost=REALISTIC_PDU_COST)
        rates.append(await multi_call(bench, hass, n, f"real-multi{i}"))
    bench.figures["real_multi_recipient_per_s"] = statistics.median(rates)
    await bench.reset_sim()
