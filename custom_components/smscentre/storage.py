"""What an entry keeps in .storage, and how it is saved: coalesced, off the event loop.

Each entry has up to four stores (``const.STORES``): the outbox, the sent-message map, the
webhook's handled requests and the SMPP receiver's handled DELIVER_SMs (written when the entry
stops). ``CoalescedSave`` writes one at most once per ``delay`` seconds however often it
changes (``Store.async_delay_save`` reschedules on every change and so never saves during a
steady stream), builds the snapshot in the event loop and serializes it in the executor;
``StreamedStore`` writes it in pieces, so a large file never needs one large buffer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
import itertools
import logging
import os
import tempfile
import time
from typing import Any

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.json import json_bytes
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util
from homeassistant.util.file import WriteError

from .const import DOMAIN, STORES, store_key

_LOGGER = logging.getLogger(__name__)
ISSUE_MOVED_ASIDE = "store_moved_aside"

STORAGE_VERSION = 1
SAVE_DELAY_MAX = 60.0  # s; the longest a save may wait after slow snapshots
SAVE_COST_FACTOR = 50  # a save waits at least this many times as long as its snapshot took

CHUNK = 500  # list items or dict entries serialized at a time when a store is written


class StreamedStore(Store[dict[str, Any]]):
    """A Store whose file is written in pieces of ``CHUNK`` entries, never as one buffer.

    Home Assistant's Store serializes the whole file into one bytes object first: the
    sent-message map of 50,000 records is 11 MB of JSON, made afresh every save, each time
    in an executor thread. The C allocator keeps such a block in the thread's arena after it
    is freed (past the first, glibc serves blocks that size from its arenas, which it does
    not give back), so resident memory rose by the file's size for every arena the saves
    went through: +190 MB in a half-hour soak. Written in pieces, a save's buffers stay
    small and are reused. The file is the same JSON (without indentation), loaded by the
    Store as ever; written to a temporary file and renamed over the old one, so a crash
    keeps the old file whole.
    """

    def _write_data(self, data: dict[str, Any]) -> None:
        if "data_func" in data:
            data["data"] = data.pop("data_func")()
        path = self.path
        os.makedirs(os.path.dirname(path), exist_ok=True)
        temporary = ""
        try:
            with tempfile.NamedTemporaryFile(
                "wb", dir=os.path.dirname(path), prefix=".smscentre.", delete=False
            ) as file:
                temporary = file.name
                write_json(file.write, data)
                if not self._private:
                    os.fchmod(file.fileno(), 0o644)
            os.replace(temporary, path)
            temporary = ""
        except OSError as err:
            raise WriteError(err) from err
        finally:
            if temporary:
                with contextlib.suppress(OSError):
                    os.remove(temporary)


def write_json(write: Callable[[bytes], object], value: Any) -> None:
    """Write `value` as JSON through `write`, a list or dict of more than ``CHUNK``
    entries in pieces of ``CHUNK`` (each piece one small buffer)."""
    if isinstance(value, list) and len(value) > CHUNK:
        write(b"[")
        for start in range(0, len(value), CHUNK):
            if start:
                write(b",")
            write(json_bytes(value[start : start + CHUNK])[1:-1])
        write(b"]")
    elif isinstance(value, dict) and len(value) > CHUNK:
        items = iter(value.items())
        write(b"{")
        first = True
        while piece := dict(itertools.islice(items, CHUNK)):
            write(json_bytes(piece)[1:-1] if first else b"," + json_bytes(piece)[1:-1])
            first = False
        write(b"}")
    elif isinstance(value, dict):  # a few keys, each maybe large
        write(b"{")
        for index, (key, item) in enumerate(value.items()):
            write(b',"' if index else b'"')
            write(json_bytes(str(key))[1:])
            write(b":")
            write_json(write, item)
        write(b"}")
    else:
        write(json_bytes(value))


type EntryStore = Store[dict[str, Any]]


def entry_store(hass: HomeAssistant, entry_id: str, name: str) -> EntryStore:
    """One of an entry's stores; snapshots are serialized in the executor, in pieces."""
    return StreamedStore(
        hass, STORAGE_VERSION, store_key(entry_id, name), serialize_in_event_loop=False
    )


async def async_remove_stores(hass: HomeAssistant, entry_id: str) -> None:
    """Delete everything an entry kept (it is being removed)."""
    for name in STORES:
        await entry_store(hass, entry_id, name).async_remove()
        ir.async_delete_issue(hass, DOMAIN, _moved_issue_id(entry_id, name))


def _moved_issue_id(entry_id: str, name: str) -> str:
    return f"{ISSUE_MOVED_ASIDE}_{entry_id}_{name}"


def _move_aside(path: str, aside: str) -> bool:
    """Rename the file (in the executor); False when there is no file to move."""
    try:
        os.replace(path, aside)
    except FileNotFoundError:
        return False
    return True


async def async_load_into(
    hass: HomeAssistant,
    store: EntryStore,
    load: Callable[[Any], object],
    *,
    entry_id: str,
    title: str,
    name: str,
) -> None:
    """Hand a store's data to ``load``; never fail setup on it.

    A file that cannot be read (an outer version this release does not know, wrong types,
    an inner version ``load`` refuses by raising) is renamed next to itself, unchanged, in
    the executor, with a repair issue saying where; the entry starts without it and its next
    save writes a new file. It is never overwritten silently. (Corrupt JSON is moved aside
    by Home Assistant's own store the same way.) ``load`` must change nothing when it raises.
    """
    try:
        data = await store.async_load()
        if data is not None:
            load(data)
    except Exception as err:  # whatever the file holds, setup goes on
        problem = type(err).__name__
    else:
        return
    aside = f"{store.path}.unreadable.{dt_util.utcnow().strftime('%Y%m%dT%H%M%S')}"
    moved = await hass.async_add_executor_job(_move_aside, store.path, aside)
    _LOGGER.warning(
        "Could not read the saved %s of %s (%s): %s; starting without it",
        name,
        title,
        problem,
        f"moved to {aside}" if moved else "no file to move",
    )
    ir.async_create_issue(
        hass,
        DOMAIN,
        _moved_issue_id(entry_id, name),
        is_fixable=False,
        is_persistent=True,
        severity=ir.IssueSeverity.WARNING,
        translation_key=ISSUE_MOVED_ASIDE,
        translation_placeholders={
            "title": title,
            "store": name,
            "error": problem,
            "kept": aside if moved else store.path,
        },
    )


class CoalescedSave:
    """Save a store at most once per ``delay`` seconds, however often things change.

    ``schedule`` is O(1) (it runs for every message part); the data is built in the event
    loop when the timer fires and serialized in the executor; ``async_flush`` writes the
    final state on stop.
    """

    def __init__(
        self,
        hass: HomeAssistant,
        store: EntryStore,
        data: Callable[[], dict[str, Any]],
        delay: float,
    ) -> None:
        """Remember what to save and how often."""
        self._hass = hass
        self._store = store
        self._data = data
        self._base_delay = delay
        self._delay = delay
        self._timer: CALLBACK_TYPE | None = None
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self._scheduled = False  # anything changed since it was built

    @callback
    def schedule(self) -> None:
        """Something changed: save within ``delay``."""
        self._scheduled = True
        if self._timer is None and not self._closed:
            self._timer = async_call_later(self._hass, self._delay, self._fire)

    @callback
    def _fire(self, _now: Any) -> None:
        self._timer = None
        started = time.perf_counter()
        data = self._data()
        cost = time.perf_counter() - started
        self._task = self._hass.async_create_task(
            self._store.async_save(data), "smscentre save", eager_start=False
        )
        # A snapshot is O(queued or tracked): after a costly one the next waits longer, so
        # saving takes a bounded share of the event loop however large the backlog grows
        # (O(1) per message overall). Serializing it (in the executor, holding the GIL)
        # costs about as much again.
        self._delay = min(SAVE_DELAY_MAX, max(self._base_delay, cost * SAVE_COST_FACTOR))

    async def async_flush(self, *, only_if_changed: bool = False) -> None:
        """Stop scheduling and write the current state now (with ``only_if_changed``: only
        when something changed since it was built)."""
        self._closed = True
        if self._timer is not None:
            self._timer()
            self._timer = None
        if self._task is not None:
            await self._task
        if self._scheduled or not only_if_changed:
            await self._store.async_save(self._data())
