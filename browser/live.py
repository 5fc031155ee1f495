"""The demo running for the browser test: the simulator and a real Home Assistant, the account
set up through its flows, in an event loop of their own (a thread) that the tests call into."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from pathlib import Path
import shutil
import tempfile
import threading
from typing import Any

import aiohttp
from ha_demo.client import HomeAssistantClient
from ha_demo.common import STEP_TIMEOUT
from ha_demo.config_folder import integration_errors
from ha_demo.demo import Demo, Ports
from ha_demo.simulator import SimulatorControl
from ha_demo.websocket import Websocket

START_TIMEOUT = 240.0  # s: the simulator and Home Assistant up, onboarded, the account added
# s: a message's delivery report comes this long after it was accepted, as a real provider's
# does, so a test can have the simulator report a failure first (POST /receipt).
RECEIPT_DELAY = 10.0


class LiveDemo:
    """One demo for the whole browser run.

    The demo's own clients are asyncio (``ha_demo``); the browser is driven synchronously, so
    the demo lives in a thread with its own loop and ``run`` waits for a coroutine there.
    """

    def __init__(self, hass: Path | None) -> None:
        self.config = Path(tempfile.mkdtemp(prefix="smscentre-browser-"))
        self.demo = Demo(
            self.config,
            self.config,
            Ports.any_free(),
            host="127.0.0.1",
            throwaway=True,
            hass=hass,
            receipt_delay=RECEIPT_DELAY,
        )
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._session: aiohttp.ClientSession | None = None
        self.client: HomeAssistantClient
        self.control: SimulatorControl
        self.entry_id = ""
        self.version = ""
        self.expected_errors: list[str] = []  # texts of errors a test brings about on purpose

    def run[T](self, coro: Coroutine[Any, Any, T], timeout: float = STEP_TIMEOUT) -> T:
        """Run `coro` on the demo's loop and return its result."""
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def start(self) -> None:
        self._thread.start()

        async def start() -> None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=STEP_TIMEOUT))
            self.client, self.control, self.entry_id = await self.demo.start(self._session)
            self.version = (await self.client.request("GET", "/api/config"))["version"]

        self.run(start(), START_TIMEOUT)

    @property
    def base_url(self) -> str:
        return self.demo.base_url

    @property
    def token(self) -> str:
        """The owner's access token (the REST API's, as the frontend has it)."""
        return self.client.token

    def websocket(self) -> Websocket:
        return self.run(Websocket.connect(self.client))

    def release(self) -> tuple[int, ...]:
        """Home Assistant's release as numbers, e.g. (2026, 10, 4)."""
        return tuple(int(part) for part in self.version.split(".")[:3] if part.isdigit())

    def stop(self) -> list[str]:
        """Stop everything; return what went wrong on the way (exit codes, errors logged by
        the integration or Home Assistant's setup). Keeps the folder when anything did."""
        problems: list[str] = []
        if self._session is not None:
            self.run(self._session.close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        codes = self.demo.stop()
        problems += [f"{name} exited with {code}" for name, code in codes.items() if code != 0]
        problems += [
            line
            for line in integration_errors(self.config)
            if not any(expected in line for expected in self.expected_errors)
        ]
        if problems:
            problems.append(f"kept {self.config} for inspection")
        else:
            shutil.rmtree(self.config, ignore_errors=True)
        return problems
