"""The run's end: the checks in a table, the figures, ``N passed, M failed``; the figures as
JSON and the plot beside them, under the seed's folder."""

from __future__ import annotations

import json
from pathlib import Path
import statistics
from typing import TYPE_CHECKING, Any

from . import checks
from .plot import plot

if TYPE_CHECKING:
    from .run import Run

BOOT_REFUSALS = ("entry_not_loaded", "no_entries", "service_not_found", "home_assistant_down")


def _seconds(values: list[float | None]) -> str:
    known = [v for v in values if v is not None]
    if not known:
        return "-"
    if len(known) == 1:
        return f"{known[0]:.1f} s"
    return f"{statistics.median(known):.1f} s (max {max(known):.1f})"


class Report:
    """Checks and figures of one run."""

    def __init__(
        self,
        run: Run,
        samples: list[dict[str, Any]],
        events: list[list[Any]],
        log_errors: list[str],
        error: str,
        load: tuple[float, float, float],
    ) -> None:
        self.run = run
        self.samples = samples
        self.events = events
        self.log_errors = log_errors
        self.error = error
        self.load = load

    def evaluate(self) -> tuple[list[checks.Check], dict[str, Any]]:
        run = self.run
        ledger = run.ledger
        store = run.sim.store
        mailbox = run.sim.smpp.mailbox
        unanswered = {s.message_id for s in store.unanswered if s.message_id}
        out_checks, out_figures = checks.outgoing(ledger, unanswered)
        in_checks, in_figures = checks.incoming(ledger, self.events)
        mem_checks, mem_figures = checks.memory(self.samples, run.warmup, run.started)
        ours = run.drained_sizes or (run.final or {}).get("ours", {})
        queued = ours.get("outbox_queued"), ours.get("outbox_pending")
        pending_calls = sum(1 for c in ledger.calls.values() if c.outcome == "pending")
        drained = (
            bool(run.drained)
            and queued == (0, 0)
            and not pending_calls
            and (mailbox is None or not mailbox)
        )
        results = [
            *out_checks,
            checks.Check(
                "no stray parts at the SMSC",
                not store.repeated_parts and not store.open_messages,
                f"{store.repeated_parts} parts again, {store.open_messages} long messages"
                " incomplete",
            ),
            *in_checks,
            checks.Check(
                "the queue drained",
                drained,
                f"outbox queued/awaiting {queued}, calls unanswered {pending_calls}, SMSC"
                f" mailbox {len(mailbox) if mailbox is not None else 0}"
                + (f", in {run.drained - run.ended:.0f} s" if run.drained else ""),
            ),
            *mem_checks,
        ]
        if self.error:
            results.insert(0, checks.Check("the run completed", False, self.error))
        boot = {k: v for k, v in ledger.refusals.items() if k in BOOT_REFUSALS}
        figures = {
            "seed": run.plan.seed,
            "plan": run.plan.as_dict(),
            "started": run.started,
            "ended": run.ended,
            "drained": run.drained,
            "load_average": self.load,
            "tracemalloc": run.tracemalloc,
            "counts": ledger.as_counts(),
            "outgoing": out_figures,
            "incoming": in_figures,
            "memory": mem_figures,
            "stalls": checks.stalls(
                self.samples, [s["loaded"] for s in run.hass.starts if "loaded" in s]
            ),
            "faults": checks.faults(run.faults.applied, ledger, run.sim.backup_port or 0),
            "faults_applied": [a.as_dict() for a in run.faults.applied],
            "boot_refusals": boot,
            "refusals": dict(ledger.refusals),
            "exit_codes": run.exit_codes,
            "starts": run.hass.starts,
            "smsc": {
                **{k: v for k, v in run.sim.stats().items() if k != "sessions"},
                "status_counts": {str(k): v for k, v in store.status_counts.items()},
                "unanswered_submits": len(store.unanswered),
                "delivers_resent": mailbox.resent if mailbox is not None else 0,
            },
            "log_errors": self.log_errors[:50],
            "final_sample": run.final,
            "samples": self.samples,
            "checks": [c.__dict__ for c in results],
        }
        return results, figures

    def write(self, out: Path) -> int:
        results, figures = self.evaluate()
        (out / "figures.json").write_text(json.dumps(figures, indent=1, default=str))
        image = plot(self.run, self.samples, out / "soak.png")
        passed = sum(1 for c in results if c.passed is True)
        failed = sum(1 for c in results if c.passed is False)
        skipped = len(results) - passed - failed  # not judged (memory in a short run)
        lines = [
            *self.table(results, figures),
            f"figures: {out / 'figures.json'}; plot: {image}; logs: {out}",
            f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""),
        ]
        (out / "report.txt").write_text("\n".join(lines) + "\n")
        for line in lines:
            print(line, flush=True)
        return 1 if failed else 0

    def table(self, results: list[checks.Check], figures: dict[str, Any]) -> list[str]:
        run = self.run
        counts = figures["counts"]
        out = figures["outgoing"]
        lines = [
            "",
            f"soak, seed {run.plan.seed}: {run.plan.seconds / 60:.0f} min at"
            f" {run.plan.rate:g} messages/s; load average {self.load[0]:.1f} / {self.load[1]:.1f}"
            f" / {self.load[2]:.1f} (2 cores)" + ("; tracemalloc on" if run.tracemalloc else ""),
            "",
            f"{'check':<50} {'result':<8} detail",
            f"{'-' * 50} {'-' * 8} {'-' * 40}",
        ]
        for check in results:
            verdict = {True: "passed", False: "FAILED", None: "-"}[check.passed]
            lines.append(f"{check.name:<50} {verdict:<8} {check.detail}")
        lines += ["", f"{'fault':<16} {'count':>5}  recovery (median, max)  other"]
        for row in figures["faults"]:
            other = []
            if "takeover" in row:
                other.append(f"backup took over in {_seconds(row['takeover'])}")
                other.append(f"back on the primary {_seconds(row['failback'])} after it was up")
            if "downtime" in row:
                other.append(f"stop to entry loaded {_seconds(row['downtime'])}")
            if "http_after" in row:
                other.append(f"HTTP fallback after {_seconds(row['http_after'])}")
            if row.get("errors"):
                other.append(f"errors: {row['errors']}")
            lines.append(
                f"{row['kind']:<16} {row['count']:>5}  {_seconds(row['recovery']):<22}  "
                + "; ".join(other)
            )
        stalls = figures["stalls"]
        p50, p99 = out["latency_p50"], out["latency_p99"]
        mem = figures["memory"]["judged"]
        lines += [
            "",
            f"calls {counts['calls']} ({counts['outcomes']}), messages at the SMSC"
            f" {counts['messages_accepted_by_smsc']}, incoming {counts['incoming_injected']},"
            f" HLR lookups {counts['hlr_calls']}",
            "action call -> SUBMIT_SM: "
            + (f"p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms" if p50 is not None else "-")
            + f" ({out['latencies']} messages, outages included)",
            f"longest event-loop stall {stalls['longest_not_probe'] * 1000:.0f} ms"
            f" (the probe's own sampling included: {stalls['longest'] * 1000:.0f} ms;"
            f" start-ups excluded), stalls over 100 ms: {stalls['over_100ms']}",
            f"refused while Home Assistant started or stopped: {figures['boot_refusals']}",
            f"documented at-least-once duplicates: {len(out['documented_at_least_once'])};"
            f" answers lost in a restart: {out['answer_lost_arrived']} arrived,"
            f" {out['answer_lost_missing']} not",
        ]
        for item in mem:
            slope = item["rss_slope_mb_per_hour"]
            lines.append(
                f"memory pid {item['pid']}: RSS {item['rss_first'] / 2**20:.0f} ->"
                f" {item['rss_last'] / 2**20:.0f} MB (max {item['rss_max'] / 2**20:.0f}),"
                f" objects {item['objects_first']:,} -> {item['objects_last']:,}"
                + (f", RSS slope {slope:+.0f} MB/h" if slope is not None else "")
            )
            grown = ", ".join(f"{k} {v:+,}" for k, v in item["types_grown"].items() if v)
            lines.append(f"  heap objects grown by type: {grown or 'none'}")
            first, last = item["malloc_first"], item["malloc_last"]
            if first and last:
                lines.append(
                    f"  allocator: in use {first['in_use'] / 2**20:.0f} ->"
                    f" {last['in_use'] / 2**20:.0f} MB, held {first['held'] / 2**20:.0f} ->"
                    f" {last['held'] / 2**20:.0f} MB (free inside {last['free'] / 2**20:.0f} MB)"
                )
            for top in item["top_allocations"][:8]:
                lines.append(
                    f"  tracemalloc {top['size_diff'] / 2**20:+.2f} MB"
                    f" ({top['count_diff']:+,} blocks) at {top['trace'][-1]}"
                )
        trim = (run.final or {}).get("trim")
        if trim:
            lines.append(
                f"at the end, the C allocator's free memory given back (malloc_trim): RSS"
                f" {trim['rss_before'] / 2**20:.0f} -> {trim['rss_after'] / 2**20:.0f} MB"
            )
        if self.log_errors:
            lines.append(f"ERROR lines in Home Assistant's log: {len(self.log_errors)}")
        return lines
