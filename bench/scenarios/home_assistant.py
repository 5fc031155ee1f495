"""One Home Assistant with the entry on the simulator, in which the sending, incoming and
rate scenarios run in turn after a warm-up (imports, caches, first-call paths)."""

from __future__ import annotations

from bench import ha
from bench.calls import action_calls, multi_call
from bench.context import Bench
from bench.probes import WriteCounter

from . import (
    accuracy,
    callers,
    default_rate,
    gathered_calls,
    incoming,
    multi_recipient,
    profiled,
    realistic,
    scaling,
)

N = 5_000  # messages of the single-call and multi-recipient bursts


async def run(bench: Bench) -> None:
    await bench.reset_sim()
    async with ha.home_assistant(bench.config_dir) as hass:
        entry = ha.entry_for(bench.sim.port, ha.BURST_OPTIONS)
        runtime = await ha.set_up(hass, entry)
        writes = WriteCounter(runtime.store)
        await action_calls(bench, hass, 1000, "warm")
        await multi_call(bench, hass, 1000, "warm-multi")

        await gathered_calls.run(bench, hass, N, writes)
        await callers.run(bench, hass, N, "callers", 0.0)
        await multi_recipient.run(bench, hass, N)
        await realistic.run(bench, hass, N)
        await profiled.run(bench, hass, N)
        await scaling.run(bench, hass, writes)
        await incoming.run(bench, hass)
        await accuracy.run(bench, hass, entry)
        await default_rate.run(bench, hass, entry)
