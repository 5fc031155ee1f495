"""The provider's default 30/s: 300 recipients in one call, the entry reloaded with the default
options and the simulator throttling at 30/s; what the SMSC sees."""

from __future__ import annotations

from typing import Any

from bench import ha
from bench.calls import multi_call
from bench.context import Bench
from bench.timing import Timer

_DEFAULTS: dict[str, Any] = {"window": 10, "throughput": 30}


async def run(bench: Bench, hass: Any, entry: Any) -> None:
    await bench.reset_sim(throughput=30)
    await ha.reconfigure(hass, entry, ha.DEFAULT_RATE_OPTIONS | _DEFAULTS)
    count = 300 if not bench.quick else 60
    with Timer(count) as timer:
        await multi_call(bench, hass, count, "rate30")
    bench.figures["default_rate_300_s"] = timer.elapsed
    stats = await bench.sim.call("stats")
    bench.figures["default_rate_throttled"] = int(stats["statuses"].get(str(0x58), 0))
    if stats["first"] and stats["last"]:
        span = stats["last"] - stats["first"]
        bench.figures["default_rate_smsc_per_s"] = (count - 1) / span if span else 0.0
