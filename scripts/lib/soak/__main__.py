"""``python -m soak`` (run by ``scripts/soak``): the command line."""

from __future__ import annotations

import argparse
import asyncio
import os
from pathlib import Path
import random
import sys

from ha_demo.common import ROOT

from .plan import make_plan
from .run import log, soak


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="scripts/soak",
        description="Traffic and random faults against a real Home Assistant for a while;"
        " checks that nothing was lost or sent twice and that memory stayed flat.",
    )
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=None, help="default: a random one (printed)")
    parser.add_argument("--rate", type=float, default=50.0, help="outgoing messages/s")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "soak-results", help="results go to OUT/seed-SEED/"
    )
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="trace Home Assistant's allocations (slower): the memory attribution run",
    )
    parser.add_argument(
        "--no-restarts",
        action="store_true",
        help="no Home Assistant restart: one process throughout (its memory judged whole)",
    )
    args = parser.parse_args(argv)
    # Home Assistant, a child, must not see this repository on its path: its own
    # custom_components folder would hide the config folder's (the probe's)
    os.environ.pop("PYTHONPATH", None)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1, 10**6)
    replay = f"scripts/soak --minutes {args.minutes:g} --seed {seed} --rate {args.rate:g}"
    replay += " --no-restarts" if args.no_restarts else ""
    replay += " --tracemalloc" if args.tracemalloc else ""
    log(f"seed {seed} (replay: {replay})")
    plan = make_plan(seed, args.minutes, args.rate, restarts=not args.no_restarts)
    return asyncio.run(soak(plan, args.out / f"seed-{seed}", tracemalloc=args.tracemalloc))


if __name__ == "__main__":
    sys.exit(main())
