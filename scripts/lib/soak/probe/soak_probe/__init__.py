"""The soak's probe: what a long run measures from inside Home Assistant.

Installed only into the soak's config folder (``scripts/soak``), never shipped. Every
``interval`` seconds it appends one sample to ``<config>/soak_probe/samples.jsonl``: resident
memory, Python heap objects by type, allocated blocks, the allocator's arenas, the longest
event-loop stall, the sizes of SMS Center's own maps and, with ``tracemalloc: true``, the
top allocations by traceback compared with the first snapshot after warm-up. It writes every
SMS Center event fired (incoming SMS, delivery reports, HLR results) to ``events.jsonl``, a
second at a time, so the soak counts them across restarts. File writes run in the executor.
"""

from __future__ import annotations

from collections import Counter
import ctypes
import ctypes.util
from datetime import timedelta
import gc
import json
import os
from pathlib import Path
import re
import sys
import time
import tracemalloc
from typing import TYPE_CHECKING, Any

from homeassistant.components.websocket_api import async_register_command
from homeassistant.components.websocket_api.connection import ActiveConnection
from homeassistant.components.websocket_api.decorators import async_response, websocket_command
from homeassistant.const import EVENT_HOMEASSISTANT_FINAL_WRITE
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.typing import ConfigType

if TYPE_CHECKING:  # Home Assistant validates with probatio and aliases voluptuous to it
    import probatio as vol
else:
    import voluptuous as vol

DOMAIN = "soak_probe"
EVENTS = ("smscentre_incoming_sms", "smscentre_delivery_report", "smscentre_hlr_result")
TICK = 0.05  # s: the stall monitor's period
STALL = 0.1  # s: a tick this late is a stall worth listing
TAG = re.compile(r"#([A-Za-z]\d+)")  # the soak's tag in a message text
TOP_TYPES = 30
TOP_ALLOCATIONS = 25
TRACE_FRAMES = 12

CONFIG_SCHEMA = vol.Schema(
    {
        DOMAIN: vol.Schema(
            {
                vol.Optional("interval", default=60): cv.positive_int,
                vol.Optional("tracemalloc", default=False): cv.boolean,
                vol.Optional("warmup", default=300): cv.positive_int,
            }
        )
    },
    extra=vol.ALLOW_EXTRA,
)


class _Malloc(ctypes.Structure):
    """glibc's ``struct mallinfo2``."""

    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def _mallinfo() -> dict[str, int] | None:
    """The C allocator's view: bytes in use and bytes it holds (arenas and mmaps)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallinfo2.restype = _Malloc
        info = libc.mallinfo2()
    except (OSError, AttributeError):
        return None
    return {
        "in_use": int(info.uordblks + info.hblkhd),
        "held": int(info.arena + info.hblkhd),
        "free": int(info.fordblks),
    }


def _trim() -> dict[str, Any] | None:
    """Give the C allocator's free memory back to the system (glibc's ``malloc_trim``) and
    say how much the resident memory fell: what it fell by was free memory the allocator
    kept, not memory anything still uses."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    before, malloc_before = _rss(), _mallinfo()
    libc.malloc_trim(0)
    return {
        "rss_before": before,
        "rss_after": _rss(),
        "malloc_before": malloc_before,
        "malloc_after": _mallinfo(),
    }


def _rss() -> int:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _sizes(hass: HomeAssistant) -> dict[str, int]:
    """SMS Center's own maps: what grows with traffic or a backlog, if anything."""
    sizes: dict[str, int] = {}
    for entry in hass.config_entries.async_entries("smscentre"):
        runtime = getattr(entry, "runtime_data", None)
        if runtime is None:
            continue
        paths = {
            "tracker": ("tracker",),
            "outbox_queued": ("outbox", "queued"),
            "outbox_pending": ("outbox", "pending"),
            "receiver_dedup": ("receiver", "_dedup"),
            "receiver_folds": ("receiver", "_folds"),
            "receiver_finished_folds": ("receiver", "_finished_folds"),
            "reassembly": ("receiver", "_reassembler"),
            "sending_waiting": ("sending", "_waiting"),
            "hlr_waiting": ("sending", "_hlr_waiters"),
        }
        for name, path in paths.items():
            value: Any = runtime
            for attribute in path:
                value = getattr(value, attribute, None)
            if isinstance(value, int):
                sizes[name] = value
            elif value is not None and hasattr(value, "__len__"):
                sizes[name] = len(value)
    return sizes


def _event_key(event: Event) -> list[Any]:
    data = event.data
    if event.event_type == "smscentre_incoming_sms":
        found = TAG.search(str(data.get("text", "")))
        return ["sms", found.group(1) if found else None, data.get("parts")]
    if event.event_type == "smscentre_delivery_report":
        return [
            "report",
            data.get("message_id"),
            data.get("local_id"),
            data.get("status"),
            data.get("recipient"),
        ]
    return ["hlr", data.get("message_id"), data.get("phone")]


def _ignore(sample: Any) -> Any:
    async def run(now: Any) -> None:
        await sample(now)

    return run


class Probe:
    """The samples and the events of one Home Assistant process."""

    def __init__(self, hass: HomeAssistant, folder: Path, conf: ConfigType) -> None:
        self.hass = hass
        self.folder = folder
        self.pid = os.getpid()
        self.interval = conf["interval"]
        self.trace = conf["tracemalloc"]
        self.warmup = conf["warmup"]
        self.started = time.monotonic()
        self.events: list[str] = []
        self.stalls: list[tuple[float, float]] = []  # (wall time, seconds late)
        self.max_stall = 0.0
        self.sampling: list[tuple[float, float]] = []  # this probe's own (start, end) wall
        self.base: tracemalloc.Snapshot | None = None
        self._expected = 0.0

    # -- the stall monitor
    @callback
    def tick(self) -> None:
        loop = self.hass.loop
        late = loop.time() - self._expected
        if late > STALL:
            self.stalls.append((time.time(), round(late, 3)))
        self.max_stall = max(self.max_stall, late)
        self._expected = loop.time() + TICK
        loop.call_at(self._expected, self.tick)

    # -- events
    @callback
    def event(self, event: Event) -> None:
        self.events.append(json.dumps([round(time.time(), 3), self.pid, *_event_key(event)]))

    async def flush(self, _now: Any = None) -> None:
        if self.events:
            lines, self.events = self.events, []
            await self.hass.async_add_executor_job(self._append, "events.jsonl", lines)

    def _append(self, name: str, lines: list[str]) -> None:
        with (self.folder / name).open("a", encoding="utf-8") as file:
            file.write("\n".join(lines) + "\n")

    # -- samples
    async def sample(self, _now: Any = None, *, compare: bool = True) -> dict[str, Any]:
        start = time.time()
        sizes = _sizes(self.hass)
        sample = await self.hass.async_add_executor_job(self._measure, compare)
        sample.update(
            t=round(start, 3),
            pid=self.pid,
            uptime=round(time.monotonic() - self.started, 1),
            max_stall=round(self.max_stall, 3),
            stalls=self.stalls,
            ours=sizes,
            sampling=[[round(a, 3), round(b, 3)] for a, b in self.sampling],
        )
        self.max_stall = 0.0
        self.stalls = []
        self.sampling = [(start, time.time())]  # this sample's own stall goes with the next
        await self.hass.async_add_executor_job(self._append, "samples.jsonl", [json.dumps(sample)])
        return sample

    def _measure(self, compare: bool) -> dict[str, Any]:
        """Measured in a worker thread; it holds the GIL while it counts (a stall it notes).

        In the attribution mode (``tracemalloc``) a full collection runs first, so the counts
        are of live objects and ``garbage`` says how many were waiting to be collected; the
        ordinary mode leaves the collector alone (it would change what it measures).
        """
        garbage = gc.collect() if self.trace else None
        objects = gc.get_objects()
        by_type = Counter(type(o).__qualname__ for o in objects)
        count = len(objects)
        del objects
        sample: dict[str, Any] = {
            "rss": _rss(),
            "objects": count,
            "blocks": sys.getallocatedblocks(),
            "types": dict(by_type.most_common(TOP_TYPES)),
            "malloc": _mallinfo(),
            "gc": [s["collections"] for s in gc.get_stats()],
            "garbage": garbage,
        }
        if self.trace and tracemalloc.is_tracing():
            sample["traced"] = tracemalloc.get_traced_memory()[0]
            if compare and time.monotonic() - self.started >= self.warmup:
                sample["top"] = self._compare()
        return sample

    def _compare(self) -> list[dict[str, Any]]:
        """Growth since the first snapshot after warm-up, biggest first, by traceback."""
        snapshot = tracemalloc.take_snapshot().filter_traces(
            (tracemalloc.Filter(False, tracemalloc.__file__),)
        )
        if self.base is None:
            self.base = snapshot
            return []
        top = []
        for stat in snapshot.compare_to(self.base, "traceback")[:TOP_ALLOCATIONS]:
            top.append(
                {
                    "size_diff": stat.size_diff,
                    "count_diff": stat.count_diff,
                    "size": stat.size,
                    "trace": [f"{f.filename}:{f.lineno}" for f in stat.traceback][-TRACE_FRAMES:],
                }
            )
        return top


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Start sampling, listening and the stall monitor."""
    conf = config[DOMAIN]
    folder = Path(hass.config.path(DOMAIN))
    await hass.async_add_executor_job(lambda: folder.mkdir(exist_ok=True))
    if conf["tracemalloc"] and not tracemalloc.is_tracing():
        tracemalloc.start(TRACE_FRAMES)
    probe = Probe(hass, folder, conf)
    for event_type in EVENTS:
        hass.bus.async_listen(event_type, probe.event)
    probe._expected = hass.loop.time() + TICK
    hass.loop.call_at(probe._expected, probe.tick)
    async_track_time_interval(hass, probe.flush, timedelta(seconds=1))
    async_track_time_interval(hass, _ignore(probe.sample), timedelta(seconds=probe.interval))
    hass.async_create_task(probe.sample())

    async def stop(_event: Event) -> None:
        await probe.flush()

    async_register_command(hass, _ws_sizes)
    async_register_command(hass, _ws_sample)
    hass.data[DOMAIN] = probe
    # the last events of a stopping Home Assistant (the link's last DELIVER_SMs) too
    hass.bus.async_listen_once(EVENT_HOMEASSISTANT_FINAL_WRITE, stop)
    return True


@websocket_command({"type": "soak_probe/sizes"})
@callback
def _ws_sizes(hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]) -> None:
    """SMS Center's own maps now (cheap: the soak polls it while the queue drains)."""
    connection.send_result(msg["id"], {"pid": os.getpid(), "ours": _sizes(hass)})


@websocket_command({vol.Required("type"): "soak_probe/sample", vol.Optional("trim"): bool})
@async_response
async def _ws_sample(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]
) -> None:
    """A sample now (the run's last, after the queue drained), also written to the file;
    with ``trim``, then the allocator's free memory given back (``_trim``), measured."""
    probe: Probe = hass.data[DOMAIN]
    await probe.flush()
    sample = await probe.sample(compare=False)  # a snapshot of a traced heap takes minutes
    if msg.get("trim"):
        sample["trim"] = await hass.async_add_executor_job(_trim)
    connection.send_result(msg["id"], sample)
