"""Home Assistant's websocket API as the frontend uses it: commands, subscribed events."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
import time
from typing import Any, Self

import aiohttp

from .client import HomeAssistantClient
from .common import STEP_TIMEOUT, DemoError

type Event = dict[str, Any]


class Websocket:
    """One authenticated websocket connection; events queue up until read."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self._id = 0
        self.events: asyncio.Queue[Event] = asyncio.Queue()
        self._results: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._reader: asyncio.Task[None] | None = None

    @classmethod
    async def connect(cls, client: HomeAssistantClient) -> Self:
        """Connect and authenticate with the client's token."""
        ws = await client.session.ws_connect(f"{client.base}/api/websocket", heartbeat=20)
        if (await ws.receive_json(timeout=STEP_TIMEOUT))["type"] != "auth_required":
            raise DemoError("websocket: no auth_required")
        await ws.send_json({"type": "auth", "access_token": client.token})
        if (answer := await ws.receive_json(timeout=STEP_TIMEOUT))["type"] != "auth_ok":
            raise DemoError(f"websocket auth: {answer}")
        self = cls(ws)
        self._reader = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        async for msg in self.ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                continue
            data = msg.json()
            for item in data if isinstance(data, list) else [data]:
                if item.get("type") == "event":
                    await self.events.put(item["event"])
                elif (future := self._results.pop(item.get("id"), None)) and not future.done():
                    future.set_result(item)

    async def command(self, message: dict[str, Any]) -> Any:
        """Send a command; its result, or DemoError when it did not succeed."""
        self._id += 1
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._results[self._id] = future
        await self.ws.send_json({"id": self._id, **message})
        answer = await asyncio.wait_for(future, STEP_TIMEOUT)
        if not answer.get("success"):
            raise DemoError(f"websocket {message['type']}: {answer.get('error')}")
        return answer.get("result")

    async def subscribe(self, event_type: str) -> None:
        """Queue the bus events of `event_type` from now on."""
        await self.command({"type": "subscribe_events", "event_type": event_type})

    async def next_event(self, what: str, match: Callable[[Event], bool]) -> Event:
        """The next queued event `match` accepts (those before it are dropped); bounded."""
        deadline = time.monotonic() + STEP_TIMEOUT
        while (left := deadline - time.monotonic()) > 0:
            try:
                event = await asyncio.wait_for(self.events.get(), left)
            except TimeoutError:
                break
            if match(event):
                return event
        raise DemoError(f"no {what} within {STEP_TIMEOUT:.0f} s")

    async def entity_ids(self, entry_id: str) -> dict[str, list[str]]:
        """The entry's entity ids by platform domain."""
        by_domain: dict[str, list[str]] = {}
        for entity in await self.command({"type": "config/entity_registry/list"}):
            if entity.get("config_entry_id") == entry_id:
                domain = entity["entity_id"].split(".", 1)[0]
                by_domain.setdefault(domain, []).append(entity["entity_id"])
        return by_domain

    async def close(self) -> None:
        await self.ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
