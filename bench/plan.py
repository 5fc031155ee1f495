"""The scenarios in the order a run makes them.

``backlog`` first (memory in a process that has not yet held the bursts), then the reference
clients (``references``, ``kannel_sendsms``), then ``home_assistant``: one Home Assistant in
which ``gathered_calls``, ``callers``, ``multi_recipient``, ``realistic``, ``profiled``,
``scaling``, ``incoming``, ``accuracy`` and ``default_rate`` run in turn.
"""

from __future__ import annotations

import os
from typing import Any

from .context import Bench
from .scenarios import backlog, home_assistant, kannel_sendsms, references
from .timing import Timer


async def run_all(bench: Bench) -> dict[str, Any]:
    """Every scenario; the run's figures."""
    with Timer() as whole:
        bench.figures["load_average"] = os.getloadavg()[0]
        await backlog.run(bench)
        await references.run(bench)
        await kannel_sendsms.run(bench)
        await home_assistant.run(bench)
    bench.figures["bench_seconds"] = whole.elapsed
    return bench.figures
