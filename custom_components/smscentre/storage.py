"""What an entry keeps in .storage, and how it is saved: coalesced, off the event loop.

Each entry has up to three stores (``const.STORES``): the outbox, the sent-message map and
the webhook's handled requests. ``CoalescedSave`` writes one at most once per ``delay``
seconds however often it changes (``Store.async_delay_save`` reschedules on every change and
so never saves during a steady stream), builds the snapshot in the event loop and serializes
it in the executor.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import time
from typing import Any

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.storage import Store

from .const import STORES, store_key

STORAGE_VERSION = 1
SAVE_DELAY_MAX = 60.0  # s; the longest a save may wait after slow snapshots
SAVE_COST_FACTOR = 50  # a save waits at least this many times as long as its snapshot took

type EntryStore = Store[dict[str, Any]]


def entry_store(hass: HomeAssistant, entry_id: str, name: str) -> EntryStore:
    """One of an entry's stores; snapshots are serialized in the executor."""
    return Store(hass, STORAGE_VERSION, store_key(entry_id, name), serialize_in_event_loop=False)


async def async_remove_stores(hass: HomeAssistant, entry_id: str) -> None:
    """Delete everything an entry kept (it is being removed)."""
    for name in STORES:
        await entry_store(hass, entry_id, name).async_remove()


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
