"""Where the time of a burst goes: cProfile's own time, summed by area of the code.

Everything the event loop's thread runs while the profiler is on is counted (the action
calls, the link's writes and reads, Home Assistant's service machinery). The time of a C
function (a built-in) goes to the area of the Python code that called it, so socket writes
land in the link and ``epoll`` waits in the event loop. cProfile slows Python calls down
(roughly twice), so the shares are what to read, not the absolute microseconds. The cyclic
garbage collector is off meanwhile: cProfile would charge a collection to whichever function
happened to allocate when it started (the timed runs report collections on their own).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable
import cProfile
import gc
import os
import pstats
from typing import Any

# (area, substring of the file path), first match wins
_CORE = f"smscentre{os.sep}smsc{os.sep}"
_AREAS: tuple[tuple[str, str], ...] = (
    *(
        ("core: a message's checks and encoding", f"{_CORE}{name}.py")
        for name in ("prepare", "channels", "encoding", "rules", "message")
    ),
    ("core: outbox and rate limiter", f"{_CORE}outbox{os.sep}"),
    ("core: outbox and rate limiter", f"{_CORE}ratelimit.py"),
    ("core: sent-message map (tracker)", f"{_CORE}tracker.py"),
    ("core: SMPP session (PDUs out and in)", f"{_CORE}smpp{os.sep}"),
    ("core: other", _CORE),
    ("integration: action, request, answer", f"custom_components{os.sep}smscentre{os.sep}"),
    ("Home Assistant: service call machinery", f"homeassistant{os.sep}"),
    ("schema validation", "probatio"),
    ("schema validation", f"voluptuous{os.sep}"),
    ("event loop (asyncio, selectors)", f"asyncio{os.sep}"),
    ("event loop (asyncio, selectors)", "selectors.py"),
    ("benchmark harness", f"bench{os.sep}"),
)
WAITING = "waiting for I/O (epoll)"
OTHER = "other Python (stdlib, libraries)"


def _area(key: tuple[str, int, str]) -> str:
    path = key[0]
    for area, needle in _AREAS:
        if needle in path:
            return area
    return OTHER


def _is_builtin(key: tuple[str, int, str]) -> bool:
    return key[0] == "~"


async def profile(awaitable: Awaitable[Any]) -> tuple[Any, dict[str, float], list[str]]:
    """Run ``awaitable`` under cProfile; (its result, seconds by area, top functions)."""
    profiler = cProfile.Profile()
    gc.collect()
    gc.disable()
    profiler.enable()
    try:
        result = await awaitable
    finally:
        profiler.disable()
        gc.enable()
    stats: dict[Any, Any] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    areas: Counter[str] = Counter()
    for key, (_, _, own, _, callers) in stats.items():
        if not _is_builtin(key):
            areas[_area(key)] += own
            continue
        if "poll" in key[2] and "epoll" in key[2]:
            areas[WAITING] += own
            continue
        # a built-in: its time goes to the areas of its callers, in their shares
        for caller, (_, _, caller_own, _) in callers.items():
            areas[OTHER if _is_builtin(caller) else _area(caller)] += caller_own
    top = sorted(stats.items(), key=lambda item: item[1][2], reverse=True)[:12]
    lines = [
        f"{own * 1e3:8.1f} ms  {calls:>8}  {_short(key)}" for key, (_, calls, own, _, _) in top
    ]
    return result, dict(areas), lines


def _short(key: tuple[str, int, str]) -> str:
    path, line, name = key
    if path == "~":
        return name
    parts = path.split(os.sep)
    return f"{os.sep.join(parts[-2:])}:{line} {name}"
