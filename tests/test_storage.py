"""The entry's stores are written in pieces: a save of the full sent-message map needs no
buffer the size of its file (``storage.StreamedStore``), and the file is the same JSON that
Home Assistant's Store reads.

The soak found why it matters: each whole-file buffer (11 MB for 50,000 records) was made
in an executor thread, and the C allocator kept one in every arena the saves went through,
so Home Assistant's resident memory grew by about 190 MB in half an hour (README,
*Reliability*)."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
import time
import tracemalloc
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store

from custom_components.smscentre.const import STORE_SENT
from custom_components.smscentre.smsc.tracker import SentRecord, SentTracker
from custom_components.smscentre.storage import (
    CHUNK,
    StreamedStore,
    entry_store,
    write_json,
)

RECORDS = 50_000  # the sent-message map's cap


def _full_tracker() -> SentTracker:
    tracker = SentTracker()
    now = time.time()
    for number in range(RECORDS):
        tracker.add(
            SentRecord(
                f"{number:032x}", f"7999{number:07d}", "sms", now, 1, [str(100_000 + number)]
            )
        )
        tracker.set_status(f"{number:032x}", "delivered")
    return tracker


async def _peak(hass: HomeAssistant, store: Store[dict[str, Any]], data: Any) -> int:
    """The peak of memory traced while `store` writes `data` in an executor thread, as a
    save does; only what the write allocates counts (tracing starts after `data` is built)."""
    tracemalloc.start()
    try:
        await hass.async_add_executor_job(store._write_data, _wrapped(store, data))
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _read(path: str) -> str:
    return Path(path).read_text()


def _files(path: str) -> list[str]:
    return [p.name for p in Path(path).parent.iterdir()]


def _wrapped(store: Store[dict[str, Any]], data: dict[str, Any]) -> dict[str, Any]:
    return {"version": store.version, "minor_version": 1, "key": store.key, "data": data}


async def test_a_full_sent_map_is_saved_without_a_file_sized_buffer(
    hass: HomeAssistant, tmp_path: Path
) -> None:
    """One save of the entry's sent-message map, as the integration makes it, allocates a
    small fraction of its file; Home Assistant's Store, measured the same way, allocates
    more than the whole file at once (the buffer the allocator kept)."""
    hass.config.config_dir = str(tmp_path)
    data = _full_tracker().as_dict()
    streamed = entry_store(hass, "entry", STORE_SENT)
    whole = Store[dict[str, Any]](hass, 1, "smscentre.whole.sent", serialize_in_event_loop=False)

    streamed_peak = await _peak(hass, streamed, data)
    whole_peak = await _peak(hass, whole, data)
    size = len(_read(streamed.path))
    assert size > 4_000_000  # the file is large ...
    assert streamed_peak < size / 10  # ... a save's buffers are not
    assert whole_peak > size  # the measurement sees a one-piece write

    # the same data, in the Store's format (its file loader is mocked in these tests)
    saved = json.loads(_read(streamed.path))
    assert saved == json.loads(json.dumps(_wrapped(streamed, data)))
    restored = SentTracker()
    restored.load(saved["data"])
    assert len(restored) == RECORDS
    assert restored.get(str(100_000 + RECORDS - 1)) is not None


def test_every_shape_is_written_as_json() -> None:
    out: list[bytes] = []
    value = {
        "small": [1, "a", None],
        "list": list(range(CHUNK * 2 + 3)),
        "dict": {f"k{i}": [i, {"x": 'q"uote'}] for i in range(CHUNK + 1)},
        "empty": {"list": [], "dict": {}},
        'odd "key"': 1.5,
        "nested": {"list": [[i] for i in range(CHUNK * 3)]},
    }
    write_json(out.append, value)
    assert json.loads(b"".join(out)) == value
    assert max(len(piece) for piece in out) < 40 * CHUNK  # a piece: CHUNK entries at most


async def test_a_failed_write_keeps_the_old_file(hass: HomeAssistant, tmp_path: Path) -> None:
    hass.config.config_dir = str(tmp_path)
    store = StreamedStore(hass, 1, "smscentre.test.outbox", serialize_in_event_loop=False)
    store._write_data(_wrapped(store, {"messages": [1, 2]}))
    before = _read(store.path)
    with contextlib.suppress(TypeError):
        store._write_data(_wrapped(store, {"messages": [object()] * (CHUNK + 1)}))
    assert _read(store.path) == before
    assert _files(store.path) == [Path(store.path).name]  # no temporary file left
