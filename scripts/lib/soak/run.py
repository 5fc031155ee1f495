"""One soak run: the simulator in this process, Home Assistant as a child with the probe, the
plan's traffic and faults, the queue drained, then the checks, the report and the plot.

The simulator shares this event loop with the driver: it sees every message the moment it
accepts it (``Ledger.smsc_message``) and keeps nothing itself (``history=0``), and times on
both sides come from one clock. Home Assistant is stopped and started in a worker thread's
wait so the simulator keeps answering while Home Assistant unbinds.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from pathlib import Path
import shutil
import time
from typing import Any

import aiohttp
from ha_demo.account import LOGIN, SMPP_PASSWORD
from ha_demo.common import DemoError, wait_for
from ha_demo.config_folder import integration_errors
from ha_demo.processes import free_ports, this_venvs_hass

from smscsim import SmscSimulator

from . import checks
from .faults import FaultRunner
from .hass import SoakHass, soak_options
from .ledger import Ledger
from .plan import Plan
from .report import Report
from .traffic import Traffic

DRAIN_TIMEOUT = 420.0  # s: after the traffic, until everything queued went and was answered
PROGRESS_EVERY = 60.0  # s
HTTP_BALANCE = 1e9  # the simulator's HTTP account never runs dry


LOG: list[Path] = []  # the run's own log file, once its folder exists


def log(message: str) -> None:
    line = f"[soak {time.strftime('%H:%M:%S')}] {message}"
    print(line, flush=True)
    for path in LOG:
        with path.open("a", encoding="utf-8") as file:  # a line now and then: no buffering
            file.write(line + "\n")


def probe_interval(seconds: float) -> int:
    """A sample a minute; a short run samples more often (at least 10 of them)."""
    return max(5, min(60, int(seconds / 12)))


class Run:
    """The parts of one run and what they recorded."""

    def __init__(self, plan: Plan, out: Path, *, tracemalloc: bool) -> None:
        self.plan = plan
        self.out = out
        self.tracemalloc = tracemalloc
        self.ledger = Ledger()
        smpp, backup, api, http = free_ports(None, None, None, None)
        self.sim = SmscSimulator(
            port=smpp,
            backup_port=backup,
            http_port=api,
            accounts={LOGIN: SMPP_PASSWORD},
            history=0,
            store_and_forward=True,
        )
        self.warmup = checks.warmup_seconds(plan.rate, plan.seconds)
        self.hass = SoakHass(
            out / "config",
            this_venvs_hass(),
            http,
            interval=probe_interval(plan.seconds),
            tracemalloc=tracemalloc,
            warmup=int(self.warmup),
        )
        self.traffic = Traffic(plan, self.ledger, self.sim, lambda: self.hass.caller)
        self.faults = FaultRunner(plan, self.sim, self._restart)
        self.session: aiohttp.ClientSession | None = None
        self.started = self.ended = self.drained = 0.0
        self.final: dict[str, Any] = {}
        self.drained_sizes: dict[str, Any] = {}  # SMS Center's maps once everything went
        self.exit_codes: list[int | None] = []

    async def _restart(self) -> dict[str, float]:
        """Home Assistant stopped (gracefully) and started again; when each step happened."""
        assert self.session is not None
        times: dict[str, float] = {"stop": time.time()}
        log("restart: stopping Home Assistant")
        code = await self.hass.stop()
        self.exit_codes.append(code)
        times["stopped"] = time.time()
        await self.hass.start(self.session)
        times["up"] = time.time()
        times["loaded"] = await self.hass.wait_loaded()
        log(
            f"restart: stopped in {times['stopped'] - times['stop']:.1f} s (exit {code}),"
            f" entry loaded {times['loaded'] - times['stop']:.1f} s after the stop"
        )
        return times

    async def _sizes(self) -> dict[str, Any] | None:
        answer = await self.hass.caller.command({"type": "soak_probe/sizes"})
        return answer.response if answer.kind == "ok" else None

    async def _progress(self) -> None:
        while True:
            await asyncio.sleep(PROGRESS_EVERY)
            sizes = await self._sizes()
            ours = (sizes or {}).get("ours", {})
            counts = self.ledger.as_counts()
            log(
                f"{(time.time() - self.started) / 60:4.1f} min: {counts['calls']} calls,"
                f" {counts['messages_accepted_by_smsc']} messages at the SMSC,"
                f" queued {ours.get('outbox_queued', '?')}, in flight {len(self.traffic.tasks)}"
            )

    async def execute(self) -> None:
        sim, hass = self.sim, self.hass
        await sim.start()
        assert sim.http is not None
        sim.http.balance = HTTP_BALANCE
        sim.http.receipts_over_smpp = True  # reports of messages sent over HTTP come back
        self.ledger.attach(sim)
        async with aiohttp.ClientSession() as session:
            self.session = session
            log(f"starting Home Assistant ({hass.config})")
            await hass.start(session)
            throughput = min(1000, max(100, int(3 * self.plan.rate)))
            assert sim.backup_port is not None
            await hass.add_account(
                sim.port, soak_options(sim.http.url, sim.backup_port, throughput)
            )
            await hass.wait_loaded()
            await wait_for("the link bound", self._bound)
            log("traffic starts")
            self.started = time.time()
            progress = asyncio.create_task(self._progress())
            try:
                await asyncio.gather(self.traffic.run(self.plan.seconds), self.faults.run())
                self.ended = time.time()
                log("traffic ends; faults cleared; draining")
                sim.clear_faults()
                await sim.server_up()
                await self._drain()
            finally:
                progress.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await progress
            answer = await hass.caller.command({"type": "soak_probe/sample", "trim": True})
            self.final = answer.response if answer.kind == "ok" else {}
            self.exit_codes.append(await hass.stop())
        await sim.stop()

    async def _bound(self) -> bool | None:
        return True if self.sim.sessions else None

    async def _drain(self) -> None:
        """Until every call is answered, the outbox is empty and the SMSC's mailbox too."""
        deadline = time.monotonic() + DRAIN_TIMEOUT
        mailbox = self.sim.smpp.mailbox
        settled = asyncio.create_task(self.traffic.settle())
        while time.monotonic() < deadline:
            sizes = await self._sizes()
            ours = (sizes or {}).get("ours", {})
            if (
                settled.done()
                and ours.get("outbox_queued") == 0
                and ours.get("outbox_pending") == 0
                and (mailbox is None or not mailbox)
            ):
                self.drained = time.time()
                self.drained_sizes = ours
                log(f"drained in {self.drained - self.ended:.0f} s")
                await asyncio.sleep(3)  # the last events reach the probe's file
                return
            await asyncio.sleep(2)
        log("the queue did not drain in time")
        settled.cancel()


def read_jsonl(path: Path) -> list[Any]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def fresh_folder(out: Path, plan: Plan) -> None:
    """The seed's folder, emptied, with the plan in it."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (out / "plan.json").write_text(json.dumps(plan.as_dict(), indent=2))


async def soak(plan: Plan, out: Path, *, tracemalloc: bool) -> int:
    """Run, check, report; the exit code (0: every check passed)."""
    await asyncio.to_thread(fresh_folder, out, plan)
    LOG[:] = [out / "soak.log"]
    for line in plan.describe():
        log(line)
    if tracemalloc:
        log("--tracemalloc: Home Assistant traces every allocation (slower: an attribution run)")
    run = Run(plan, out, tracemalloc=tracemalloc)
    error = ""
    try:
        await run.execute()
    except (DemoError, OSError, aiohttp.ClientError) as err:
        error = f"{type(err).__name__}: {err}"
        log(f"the run broke off: {error}")
        with contextlib.suppress(Exception):
            await run.hass.stop()
        with contextlib.suppress(Exception):
            await run.sim.stop()
    probe = out / "config" / "soak_probe"
    samples = read_jsonl(probe / "samples.jsonl")
    events = read_jsonl(probe / "events.jsonl")
    report = Report(
        run, samples, events, integration_errors(out / "config"), error, os.getloadavg()
    )
    return report.write(out)
