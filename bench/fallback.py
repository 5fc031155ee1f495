"""The HTTP fallback's 1,000-message burst: rate, lost, duplicated.

scripts/bench fallback [--json] [--count N]

A real Home Assistant (the tests' machinery) with one entry on the simulator (a child process,
SMPP and the provider's HTTP API on loopback). Every SMPP bind is refused and the session
dropped; ``count`` messages are queued (one call, one number each); the fallback's clock is then
moved past ``http_fallback_after`` and the burst is timed until the outbox is empty. Runs:

- ``default``: throughput 30 (the option's default), the rate the fallback keeps to;
- ``max``: throughput 1000 (the option's maximum): ``IN_FLIGHT`` requests at a time, so the
  round trip of the HTTP API bounds it;
- ``slow_api``: throughput 1000 again, the simulator's HTTP API answering each request after
  ``SLOW_API_LATENCY`` (a round trip to the real API over the internet, not loopback's);
- ``smpp_back``: throughput 100, and binds are allowed again when half went over HTTP: SMPP
  takes the rest once it binds (the link's reconnect backoff decides when).

Lost = messages queued that never arrived; duplicated = arrivals beyond the first of a
(number, text). Figures only: nothing asserts on timing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
from typing import Any

from . import ha
from .simproc import ACCOUNT, SimProcess
from .timing import Timer

AFTER = 10  # s, the option's minimum (the fallback's clock is moved, not waited for)
SLOW_API_LATENCY = 0.1  # s before each answer in the slow_api run
RUNS = (  # name, throughput, SMPP back mid-burst, HTTP API latency
    ("default", 30, False, 0.0),
    ("max", 1000, False, 0.0),
    ("slow_api", 1000, False, SLOW_API_LATENCY),
    ("smpp_back", 100, True, 0.0),
)


def _numbers(count: int, run: str) -> list[str]:
    return [f"7{run}{index:08d}" for index in range(count)]


def _options(sim: SimProcess, throughput: int) -> dict[str, Any]:
    from custom_components.smscentre.const import (
        CONF_API_PASSWORD,
        CONF_API_URL,
        CONF_HTTP_FALLBACK,
        CONF_HTTP_FALLBACK_AFTER,
        CONF_THROUGHPUT,
    )

    return ha.BURST_OPTIONS | {
        CONF_THROUGHPUT: throughput,
        CONF_API_PASSWORD: ACCOUNT[1],
        CONF_API_URL: f"http://127.0.0.1:{sim.http_port}",
        CONF_HTTP_FALLBACK: True,
        CONF_HTTP_FALLBACK_AFTER: AFTER,
    }


async def _burst(
    hass: Any, sim: SimProcess, runtime: Any, name: str, count: int, *, smpp_back: bool
) -> dict[str, Any]:
    from custom_components.smscentre.const import DOMAIN

    await sim.call("reset", throughput=None, duplicate_window=60.0)
    await sim.call("link_down")
    if not await ha.wait_until(lambda: not runtime.link.status.bound, 10):
        raise RuntimeError("the link did not go down")
    run = f"{os.getpid() % 100:02d}"
    for index, number in enumerate(_numbers(count, run)):
        await hass.services.async_call(
            DOMAIN,
            "send_sms",
            {"recipients": [number], "message": f"fallback {name} {run} {index}"},
            blocking=True,
            return_response=True,
        )
    queued = runtime.outbox.queued
    fallback = runtime.fallback
    before = fallback.sent_total
    clock = fallback.clock
    fallback.clock = lambda: clock() + AFTER + 1
    back_at = None
    with Timer(count) as timer:
        fallback.check()
        if smpp_back:
            await ha.wait_until(lambda: fallback.sent_total - before >= count // 2, 600)
            back_at = fallback.sent_total - before
            await sim.call("link_up")
        drained = await ha.wait_until(lambda: runtime.outbox.queued == 0, 900, step=0.01)
    http_sent = fallback.sent_total - before
    await sim.call("link_up")
    await ha.wait_until(lambda: runtime.link.status.bound, 120)
    copies = await sim.call("copies")
    return {
        "throughput_option": runtime.options.throughput,
        "queued": queued,
        "drained": drained,
        "seconds": round(timer.elapsed, 2),
        "per_s": round(count / timer.elapsed, 1),
        "over_http": http_sent,
        "over_smpp": copies["ways"]["smpp"],
        "smpp_back_after": back_at,
        "lost": count - copies["distinct"],
        "duplicated": copies["copies"] - copies["distinct"],
        "cpu_us_per_msg": round(timer.cpu_us_per_msg),
    }


async def run(count: int) -> dict[str, Any]:
    ha.quiet_logging()
    sim = SimProcess(http=True)
    figures: dict[str, Any] = {"count": count}
    try:
        with tempfile.TemporaryDirectory(prefix="smscentre-bench-fallback-") as config_dir:
            async with ha.home_assistant(config_dir) as hass:
                entry = ha.entry_for(sim.port, _options(sim, 30))
                runtime = await ha.set_up(hass, entry)
                for name, throughput, back, latency in RUNS:
                    if runtime.options.throughput != throughput:
                        runtime = await ha.reconfigure(hass, entry, _options(sim, throughput))
                    await sim.call("http_latency", seconds=latency)
                    figures[name] = await _burst(hass, sim, runtime, name, count, smpp_back=back)
                    figures[name]["api_latency_s"] = latency
    finally:
        sim.close()
    figures["load_average"] = os.getloadavg()
    return figures


def table(figures: dict[str, Any]) -> str:
    rows = [
        f"fallback burst of {figures['count']} messages "
        f"(load average {figures['load_average'][0]:.2f})",
        "run        throughput  msg/s   s      http  smpp  lost  duplicated  cpu us/msg",
    ]
    for name, *_ in RUNS:
        f = figures[name]
        rows.append(
            f"{name:<10} {f['throughput_option']:>10}  {f['per_s']:>6}  {f['seconds']:>5}  "
            f"{f['over_http']:>4}  {f['over_smpp']:>4}  {f['lost']:>4}  {f['duplicated']:>10}  "
            f"{f['cpu_us_per_msg']:>10}"
        )
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench fallback", description=__doc__)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--count", type=int, default=1000, help="messages per burst")
    args = parser.parse_args()
    figures = asyncio.run(run(args.count))
    print(json.dumps(figures) if args.json else table(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
