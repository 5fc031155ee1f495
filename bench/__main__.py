"""``python -m bench [--json] [--quick]``: see the package docstring and docs/BENCHMARK.md."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile

from .simproc import SimProcess


def main() -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--quick", action="store_true", help="smaller counts (a smoke run)")
    args = parser.parse_args()

    # Home Assistant is imported here, not above: the simulator's process imports this module
    from .context import Bench
    from .ha import quiet_logging
    from .plan import run_all
    from .report import judge, table

    quiet_logging()
    sim = SimProcess()
    try:
        with tempfile.TemporaryDirectory(prefix="smscentre-bench-") as config_dir:
            bench = Bench(sim, config_dir, args.quick)
            figures = asyncio.run(run_all(bench))
    finally:
        sim.close()
    met = judge(figures, bench.notes)
    print(json.dumps(figures, sort_keys=True) if args.json else table(figures, met, bench.notes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
