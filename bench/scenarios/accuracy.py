"""The limiter's accuracy: the entry reloaded at each throughput (window 1,000 does not bind),
one call of a few seconds' worth of recipients; what the SMSC saw."""

from __future__ import annotations

from typing import Any

from bench import ha
from bench.calls import multi_call
from bench.context import Bench

ACCURACY_RATES = (30, 100, 300, 1000)


async def run(bench: Bench, hass: Any, entry: Any) -> None:
    from custom_components.smscentre.const import CONF_THROUGHPUT, CONF_WINDOW

    seconds = 4.0 if not bench.quick else 1.5
    rows: list[dict[str, Any]] = []
    for rate in ACCURACY_RATES:
        await bench.reset_sim()
        await ha.reconfigure(hass, entry, {CONF_WINDOW: 1000, CONF_THROUGHPUT: rate})
        count = max(int(rate * seconds), 10)
        await multi_call(bench, hass, count, f"accuracy{rate}")
        stats = await bench.sim.call("stats")
        achieved = await bench.smsc_rate(count)
        rows.append(
            {
                "configured": rate,
                "messages": stats["submits"],
                "achieved": achieved,
                "busiest_second": stats["busiest_second"],
                "ratio": achieved / rate,
                "throttled": int(stats["statuses"].get(str(0x58), 0)),
            }
        )
    bench.figures["accuracy"] = rows
    await ha.reconfigure(hass, entry, ha.BURST_OPTIONS)
