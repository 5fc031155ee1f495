"""Where the time of a single call goes: cProfile over another 5,000 single calls, CPU time
by area per message (not timed: cProfile slows it down)."""

from __future__ import annotations

from typing import Any

from bench.calls import action_calls
from bench.context import Bench


async def run(bench: Bench, hass: Any, n: int) -> None:
    from bench.profile import WAITING, profile

    (_, sent), areas, top = await profile(action_calls(bench, hass, n, "profiled"))
    busy = sum(seconds for area, seconds in areas.items() if area != WAITING)
    bench.figures["profile_calls_us_per_msg"] = {
        area: seconds / max(sent, 1) * 1e6 for area, seconds in areas.items()
    }
    bench.figures["profile_calls_busy_share"] = {
        area: seconds / busy for area, seconds in areas.items() if area != WAITING and busy
    }
    bench.figures["profile_calls_top"] = top
