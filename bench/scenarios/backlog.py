"""10,000 queued with the link down: memory, a graceful stop, a restart.

Runs first, in a process that has not yet held the bursts' hundreds of thousands of messages:
the allocator keeps memory it once used, so a later figure would show the bursts rather than
the backlog.
"""

from __future__ import annotations

import json
import os
import time
import tracemalloc
from typing import Any

from bench import ha
from bench.context import Bench, numbers
from bench.probes import reset_peak_rss, rss_mb
from bench.timing import Timer

QUEUED = 10_000


async def run(bench: Bench) -> None:
    port = bench.sim.port
    await bench.reset_sim()
    async with ha.home_assistant(bench.config_dir) as hass:
        entry = ha.entry_for(port, ha.BURST_OPTIONS)
        runtime = await ha.set_up(hass, entry)
        await bench.sim.call("link_down")
        await ha.wait_until(lambda: not runtime.link.status.bound, 10)
        before, _ = rss_mb()
        peak_ok = reset_peak_rss()
        tracemalloc.start()
        await queue_direct(bench, runtime, QUEUED)
        held = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        bench.figures["heap_mb_10k_queued"] = held / 2**20
        current, peak = rss_mb()
        bench.figures["peak_rss_mb_10k_queued"] = peak if peak_ok else current
        bench.figures["rss_growth_mb_10k_queued"] = current - before
        bench.figures["queued_before_stop"] = runtime.outbox.queued
        with Timer() as stop:
            await hass.async_stop()
        bench.figures["stop_flush_s"] = stop.elapsed

    # restart with 10,000 queued
    bench.figures["restart_stored_messages"] = stored_messages(bench.config_dir)
    await bench.sim.call("reset")
    async with ha.home_assistant(bench.config_dir) as hass:
        start = time.perf_counter()
        entry = ha.entry_for(port, ha.BURST_OPTIONS)
        runtime = await ha.set_up(hass, entry)
        loaded = time.perf_counter()
        await ha.wait_until(lambda: runtime.outbox.pending or runtime.outbox.queued == 0, 30, 0)
        first = time.perf_counter()
        await ha.wait_until(lambda: runtime.outbox.queued == 0, 60)
        drained = time.perf_counter()
        bench.figures["restart_setup_s"] = loaded - start
        bench.figures["restart_first_send_s"] = first - start
        bench.figures["restart_drain_s"] = drained - start


async def queue_direct(bench: Bench, runtime: Any, count: int) -> None:
    """Queue without waiting (the link is down), 1,000 recipients a request."""
    from custom_components.smscentre.smsc.channels import Channel

    for batch in range(count // 1000):
        await runtime.sending.async_send(
            Channel.SMS, numbers(1000), {"message": bench.text("queued", batch)}, wait=0
        )


def stored_messages(config_dir: str) -> int:
    """Queued messages in the entry's storage file (what the graceful stop flushed)."""
    path = os.path.join(config_dir, ".storage", f"smscentre.{ha.ENTRY_ID}.outbox")
    try:
        with open(path, encoding="utf-8") as file:
            stored = json.load(file)
    except OSError:
        return 0
    return len((stored.get("data") or {}).get("messages") or ())
