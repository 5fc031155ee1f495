"""The simulator's control API (``smscsim/control.py``): what reached it, incoming SMS,
delivery reports, the HTTP API's account, faults."""

from __future__ import annotations

from typing import Any, cast

import aiohttp

from .account import SENDER
from .common import DemoError


class SimulatorControl:
    """Calls to a running simulator's control API."""

    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        self.session = session
        self.url = url

    async def up(self) -> bool:
        async with self.session.get(f"{self.url}/stats") as resp:
            return resp.status == 200

    async def messages(self) -> list[dict[str, Any]]:
        """Every message the simulator accepted (over SMPP or its HTTP API), reassembled."""
        async with self.session.get(f"{self.url}/messages") as resp:
            return cast(list[dict[str, Any]], await resp.json())

    async def deliver(self, source: str, text: str, destination: str = SENDER) -> None:
        """An incoming SMS from `source` to the account."""
        async with self.session.post(
            f"{self.url}/deliver",
            json={"source": source, "destination": destination, "text": text},
        ) as resp:
            if resp.status != 200:
                raise DemoError(f"simulator /deliver: HTTP {resp.status} {await resp.text()}")

    async def receipt(self, message_id: str, stat: str, err: int = 0) -> None:
        """A delivery report for `message_id` with the provider's `stat` (``UNDELIV``, ...)."""
        async with self.session.post(
            f"{self.url}/receipt", json={"message_id": message_id, "stat": stat, "err": err}
        ) as resp:
            if resp.status != 200:
                raise DemoError(f"simulator /receipt: HTTP {resp.status} {await resp.text()}")

    async def account(self, **fields: float | str) -> None:
        """Change the HTTP API's account: ``balance``, ``currency``, ``price``."""
        async with self.session.post(f"{self.url}/account", json=fields) as resp:
            if resp.status != 200:
                raise DemoError(f"simulator /account: HTTP {resp.status} {await resp.text()}")

    async def fault(self, kind: str) -> None:
        """Start a fault (``refuse_binds``, ``drop_all``, ...) or end them all (``clear``)."""
        async with self.session.post(f"{self.url}/fault", json={"kind": kind}) as resp:
            if resp.status != 200:
                raise DemoError(f"simulator /fault {kind}: HTTP {resp.status}")
