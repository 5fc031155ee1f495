"""The run's verdicts and figures, from the simulator's records (the ledger), the probe's
samples and events, and the faults as applied.

Outgoing: every message an action accepted reached the SMSC exactly once; a duplicate whose
first copy was accepted and never answered and whose second came after the provider's
one-minute duplicate window is the documented at-least-once case (docs/ARCHITECTURE.md),
counted apart with its cause; any other is a failure. A refused or failed call sent nothing;
a call whose answer was lost (Home Assistant stopped under it) arrived at most once.
Incoming: every SMS injected and every receipt and HLR result the SMSC sent fired exactly one
event. The queue drained. Memory: see `memory`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
import statistics
from typing import Any

from .faults import Applied
from .ledger import Ledger, report_key

DUPLICATE_WINDOW = 60.0  # s: the provider refuses the same message within it
# Memory: judged per Home Assistant process, from its first sample after the warm-up to its
# last; growth within the bound passes. The warm-up: the process up PROCESS_WARMUP (its
# caches, the recorder's first commits) and the run past the time the sent-message map
# (capped at 50,000 records, restored after a restart) takes to fill at the run's rate, at
# most MAX_WARMUP_SHARE of the run. A span shorter than MIN_JUDGED is not judged (a
# 2-minute run says nothing about a leak).
PROCESS_WARMUP = 300.0
MAX_WARMUP_SHARE = 0.6
TRACKER_CAP = 50_000
MIN_JUDGED = 300.0
RSS_GROWTH = 0.10  # of the RSS after warm-up ...
RSS_SLACK = 16 * 2**20  # ... plus this (the allocator's own noise)
OBJECT_GROWTH = 0.10
OBJECT_SLACK = 20_000
BOOT_GRACE = 20.0  # s after the entry loaded: Home Assistant still starting up


@dataclass
class Check:
    name: str
    passed: bool | None  # None: not judged
    detail: str


def _percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def warmup_seconds(rate: float, seconds: float) -> float:
    """How long the run warms up (from the traffic's start) before memory is judged."""
    fill = TRACKER_CAP / max(rate, 1.0)
    return min(max(PROCESS_WARMUP, fill), MAX_WARMUP_SHARE * seconds)


def outgoing(ledger: Ledger, unanswered_ids: set[str]) -> tuple[list[Check], dict[str, Any]]:
    lost: list[str] = []
    duplicates: list[str] = []
    documented: list[dict[str, Any]] = []
    ghosts: list[str] = []
    lost_answer_arrived = lost_answer_missing = 0
    latencies: list[float] = []
    expected = 0
    for call in ledger.calls.values():
        for index, recipient in enumerate(call.recipients):
            arrivals = ledger.arrivals.get((call.tag, recipient), [])
            status = call.statuses[index] if index < len(call.statuses) else ""
            key = f"{call.tag}->{recipient}"
            if call.outcome in ("accepted", "partly_failed") and status != "failed":
                expected += 1
                if not arrivals:
                    lost.append(key)
                    continue
                latencies.append(arrivals[0].at - call.at)
                if len(arrivals) > 1:
                    first, second = arrivals[0], arrivals[1]
                    if (
                        first.message_id in unanswered_ids
                        and second.at - first.at > DUPLICATE_WINDOW
                    ):
                        documented.append(
                            {
                                "message": key,
                                "first": first.at,
                                "second": second.at,
                                "cause": "SUBMIT_SM accepted, never answered; resent after"
                                f" {second.at - first.at:.0f} s (> the one-minute window)",
                            }
                        )
                    else:
                        duplicates.append(key)
            elif call.outcome == "lost":
                if len(arrivals) > 1:
                    duplicates.append(key)
                elif arrivals:
                    lost_answer_arrived += 1
                else:
                    lost_answer_missing += 1
            elif arrivals:
                ghosts.append(f"{key} ({call.outcome} {call.error or status})")
    known = {(c.tag, r) for c in ledger.calls.values() for r in c.recipients}
    unexpected = [k for k in ledger.arrivals if k[0] != "hlr" and k not in known]
    checks = [
        Check(
            "every accepted message reached the SMSC",
            not lost,
            f"{expected - len(lost)} of {expected}" + (f"; lost: {lost[:5]}" if lost else ""),
        ),
        Check(
            "no message reached the SMSC twice",
            not duplicates,
            f"{len(duplicates)} duplicates"
            + (f": {duplicates[:5]}" if duplicates else "")
            + f"; documented at-least-once: {len(documented)}",
        ),
        Check(
            "a refused or failed call sent nothing",
            not ghosts,
            f"{len(ghosts)} sent anyway" + (f": {ghosts[:5]}" if ghosts else ""),
        ),
        Check(
            "nothing reached the SMSC that no call asked for",
            not unexpected and not ledger.untagged,
            f"{len(unexpected)} unknown, {ledger.untagged} untagged",
        ),
    ]
    figures = {
        "expected": expected,
        "lost": lost,
        "duplicates": duplicates,
        "documented_at_least_once": documented,
        "refused_but_sent": ghosts,
        "answer_lost_arrived": lost_answer_arrived,
        "answer_lost_missing": lost_answer_missing,
        "latency_p50": _percentile(latencies, 0.5),
        "latency_p99": _percentile(latencies, 0.99),
        "latencies": len(latencies),
    }
    return checks, figures


def incoming(ledger: Ledger, events: list[list[Any]]) -> tuple[list[Check], dict[str, Any]]:
    sms = Counter(e[3] for e in events if e[2] == "sms")
    reports = Counter(
        report_key(str(e[3]), str(e[6]) if len(e) > 6 else "") for e in events if e[2] == "report"
    )
    hlr = Counter(e[3] for e in events if e[2] == "hlr")

    def compare(
        name: str, expected: list[str], fired: Counter[str]
    ) -> tuple[Check, dict[str, Any]]:
        missing = [k for k in expected if fired[k] == 0]
        twice = [k for k in expected if fired[k] > 1]
        wanted = set(expected)
        stray = [k for k in fired if k not in wanted]
        detail = f"{len(expected) - len(missing)} of {len(expected)}"
        if missing:
            detail += f"; missing {len(missing)}: {missing[:5]}"
        if twice:
            detail += f"; twice {len(twice)}: {twice[:5]}"
        if stray:
            detail += f"; not expected {len(stray)}"
        figures = {
            "expected": len(expected),
            "missing": missing[:50],
            "twice": twice[:50],
            "not_expected": [str(s) for s in stray[:50]],
        }
        return Check(name, not missing and not twice, detail), figures

    sms_check, sms_figures = compare(
        "every incoming SMS fired one event", list(ledger.incoming), sms
    )
    report_check, report_figures = compare(
        "every delivery report fired one event", list(ledger.receipts_expected), reports
    )
    hlr_check, hlr_figures = compare("every HLR result fired one event", list(ledger.hlr_ids), hlr)
    return [sms_check, report_check, hlr_check], {
        "incoming": sms_figures,
        "reports": report_figures,
        "hlr": hlr_figures,
    }


def memory(
    samples: list[dict[str, Any]], warmup: float, started: float
) -> tuple[list[Check], dict[str, Any]]:
    """Growth of each process after the warm-up, within RSS_GROWTH/OBJECT_GROWTH (+ slack)."""
    by_pid: dict[int, list[dict[str, Any]]] = {}
    for sample in samples:
        by_pid.setdefault(sample["pid"], []).append(sample)
    judged: list[dict[str, Any]] = []
    verdict: bool | None = None
    details = []
    for pid, own in by_pid.items():
        after = [s for s in own if s["uptime"] >= PROCESS_WARMUP and s["t"] >= started + warmup]
        if len(after) < 2 or after[-1]["t"] - after[0]["t"] < MIN_JUDGED:
            continue
        first, last = after[0], after[-1]
        rss_bound = first["rss"] * (1 + RSS_GROWTH) + RSS_SLACK
        obj_bound = first["objects"] * (1 + OBJECT_GROWTH) + OBJECT_SLACK
        ok = last["rss"] <= rss_bound and last["objects"] <= obj_bound
        span = last["t"] - first["t"]
        slope = _slope([(s["t"], s["rss"]) for s in after])
        grew = Counter(last.get("types", {}))
        grew.subtract(Counter(first.get("types", {})))
        judged.append(
            {
                "types_grown": dict(grew.most_common(12)),
                "malloc_first": first.get("malloc"),
                "malloc_last": last.get("malloc"),
                "traced_first": first.get("traced"),
                "traced_last": last.get("traced"),
                "top_allocations": next((s["top"] for s in reversed(own) if s.get("top")), [])[:15],
                "pid": pid,
                "from": first["t"],
                "to": last["t"],
                "rss_first": first["rss"],
                "rss_last": last["rss"],
                "rss_max": max(s["rss"] for s in after),
                "objects_first": first["objects"],
                "objects_last": last["objects"],
                "rss_slope_mb_per_hour": None if slope is None else slope * 3600 / 2**20,
                "passed": ok,
            }
        )
        verdict = ok if verdict is None else verdict and ok
        details.append(
            f"pid {pid}: RSS {first['rss'] / 2**20:.0f} -> {last['rss'] / 2**20:.0f} MB,"
            f" objects {first['objects']:,} -> {last['objects']:,} over {span / 60:.0f} min"
        )
    detail = "; ".join(details) or (
        f"not judged: no process ran {MIN_JUDGED / 60:.0f} min after the warm-up"
        f" ({warmup / 60:.1f} min of the run, {PROCESS_WARMUP / 60:.0f} min of the process)"
    )
    return [Check("memory flat after warm-up", verdict, detail)], {
        "warmup_s": warmup,
        "process_warmup_s": PROCESS_WARMUP,
        "judged": judged,
    }


def _slope(points: list[tuple[float, float]]) -> float | None:
    if len(points) < 3:
        return None
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    try:
        return statistics.linear_regression(xs, ys).slope
    except statistics.StatisticsError:
        return None


def stalls(samples: list[dict[str, Any]], loaded: list[float]) -> dict[str, Any]:
    """The longest event-loop stall once the entry was loaded (Home Assistant's own start-up
    stalls aside: ``BOOT_GRACE`` after each load), with and without the probe's sampling."""
    own: list[tuple[float, float]] = []
    listed: list[tuple[float, float]] = []
    for sample in samples:
        own.extend((a, b) for a, b in sample.get("sampling", []))
        listed.extend((t, late) for t, late in sample.get("stalls", []))

    def probes(t: float, late: float) -> bool:
        return any(a - 0.1 <= t - late and t - late <= b + 0.2 for a, b in own)

    def booting(t: float) -> bool:
        return any(0 <= t - moment <= BOOT_GRACE for moment in loaded) or (
            bool(loaded) and t < min(loaded)
        )

    listed = [(t, late) for t, late in listed if not booting(t)]
    others = [late for t, late in listed if not probes(t, late)]
    return {
        "longest": max((late for _, late in listed), default=0.0),
        "longest_not_probe": max(others, default=0.0),
        "over_100ms": len(others),
    }


def faults(applied: list[Applied], ledger: Ledger, backup_port: int) -> list[dict[str, Any]]:
    """Per fault kind: how many, and how long until messages went over SMPP again after it
    and every fault overlapping it had ended (a restart: and the entry was loaded)."""
    every = [a for arrivals in ledger.arrivals.values() for a in arrivals]
    smpp = sorted(a.at for a in every if a.via == "smpp")
    on_backup = sorted(a.at for a in every if a.port == backup_port)
    on_primary = sorted(a.at for a in every if a.via == "smpp" and a.port != backup_port)
    http = sorted(a.at for a in every if a.via == "http")

    def first_after(times: list[float], moment: float) -> float | None:
        import bisect

        index = bisect.bisect_right(times, moment)
        return times[index] - moment if index < len(times) else None

    def clear(fault: Applied) -> float:
        """When this fault and every one overlapping it (transitively) had ended."""
        moment = fault.end
        changed = True
        while changed:
            changed = False
            for other in applied:
                if other.start <= moment and other.end > moment and other.end >= fault.start:
                    moment, changed = other.end, True
        return moment

    rows: dict[str, dict[str, Any]] = {}
    for fault in applied:
        row = rows.setdefault(fault.kind, {"kind": fault.kind, "count": 0, "recovery": []})
        row["count"] += 1
        if fault.kind == "backup":
            took = first_after(on_backup, fault.start)
            row.setdefault("takeover", []).append(took)
            row.setdefault("failback", []).append(first_after(on_primary, fault.end))
            moment = fault.end
        elif fault.kind.startswith("restart"):
            loaded = fault.restart.get("loaded", fault.end)
            row.setdefault("downtime", []).append(loaded - fault.start)
            moment = max(loaded, clear(fault))
        else:
            moment = clear(fault)
            if fault.kind in ("refuse", "hang"):  # the HTTP fallback, if it took over in time
                after = first_after(http, fault.start)
                inside = after is not None and after <= fault.end - fault.start
                row.setdefault("http_after", []).append(after if inside else None)
        row["recovery"].append(first_after(smpp, moment))
        if fault.error:
            row.setdefault("errors", []).append(fault.error)
    return list(rows.values())
