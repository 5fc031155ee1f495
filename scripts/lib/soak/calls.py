"""Actions called over Home Assistant's websocket API, many at once on one connection.

Each call ends in one of: ``ok`` (the action's response), ``error`` (Home Assistant
answered with an error: its code, translation key and message) or ``lost`` (the connection
went before an answer: the caller cannot know what became of it). A call while no connection
is up is ``down`` at once.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import aiohttp
from ha_demo.client import HomeAssistantClient
from ha_demo.common import STEP_TIMEOUT, DemoError

CALL_TIMEOUT = 180.0  # s: an action waits up to 30 s for its ids, an HLR lookup 60 s


@dataclass(slots=True)
class Answer:
    """What became of one call."""

    kind: str  # ok, error, lost, down
    response: Any = None
    error: str = ""  # the translation key, else the error's code


class Caller:
    """One websocket connection that carries every call; reconnected after a restart."""

    def __init__(self) -> None:
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._id = 0

    @property
    def up(self) -> bool:
        return self._ws is not None and not self._ws.closed

    async def connect(self, client: HomeAssistantClient) -> None:
        ws = await client.session.ws_connect(
            f"{client.base}/api/websocket", heartbeat=20, max_msg_size=0
        )
        if (await ws.receive_json(timeout=STEP_TIMEOUT))["type"] != "auth_required":
            raise DemoError("websocket: no auth_required")
        await ws.send_json({"type": "auth", "access_token": client.token})
        if (answer := await ws.receive_json(timeout=STEP_TIMEOUT))["type"] != "auth_ok":
            raise DemoError(f"websocket auth: {answer}")
        self._ws = ws
        self._pending = {}  # a new connection's calls; the old one's end with it
        self._reader = asyncio.create_task(self._read(ws))

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        pending = self._pending  # this connection's calls
        try:
            async for msg in ws:
                if msg.type != aiohttp.WSMsgType.TEXT:
                    continue
                data = msg.json()
                for item in data if isinstance(data, list) else [data]:
                    future = pending.pop(item.get("id"), None)
                    if future is not None and not future.done():
                        future.set_result(item)
        finally:
            if self._ws is ws:
                self._ws = None
            for future in pending.values():
                if not future.done():
                    future.set_exception(ConnectionError("websocket closed"))

    async def call(self, domain: str, service: str, data: dict[str, Any]) -> Answer:
        return await self.command(
            {
                "type": "call_service",
                "domain": domain,
                "service": service,
                "service_data": data,
                "return_response": True,
            }
        )

    async def command(self, command: dict[str, Any]) -> Answer:
        """Any websocket command; an action's answer is its ``response``."""
        ws = self._ws
        if ws is None or ws.closed:
            return Answer("down")
        self._id += 1
        number = self._id
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        pending = self._pending
        pending[number] = future
        message = {"id": number, **command}
        try:
            await ws.send_json(message)
        except (ConnectionError, RuntimeError, aiohttp.ClientError):
            pending.pop(number, None)
            return Answer("down")
        if _closed(ws) and not future.done():  # closed while sending: the reader may be done
            pending.pop(number, None)
            return Answer("lost")
        try:
            answer = await asyncio.wait_for(future, CALL_TIMEOUT)
        except (ConnectionError, TimeoutError):
            return Answer("lost")
        if answer.get("success"):
            result = answer.get("result") or {}
            if command["type"] == "call_service":
                result = result.get("response")
            return Answer("ok", result)
        error = answer.get("error") or {}
        return Answer("error", error, str(error.get("translation_key") or error.get("code")))

    async def close(self) -> None:
        ws, self._ws = self._ws, None
        if ws is not None:
            await ws.close()
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)


def _closed(ws: aiohttp.ClientWebSocketResponse) -> bool:
    return ws.closed
