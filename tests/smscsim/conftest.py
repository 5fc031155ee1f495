"""Fixtures for the simulator's own tests (no Home Assistant)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
import contextlib
from typing import Any

import pytest

from smscsim import SmscSimulator
from smscsim.__main__ import parse_args, serve
from smscsim.client import RawClient
from smscsim.control import ControlServer

type Connect = Callable[..., Awaitable[RawClient]]


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override the Home Assistant fixture: these tests do not start Home Assistant."""
    return


@pytest.fixture(autouse=True)
def _allow_sockets(socket_enabled: None) -> None:
    """Let the tests open sockets (pytest-socket still limits connects to 127.0.0.1)."""


@pytest.fixture
async def sim() -> AsyncIterator[SmscSimulator]:
    """A running simulator on an ephemeral port, accounts test/secret and other/pw."""
    simulator = SmscSimulator(accounts={"test": "secret", "other": "pw"})
    await simulator.start()
    yield simulator
    await simulator.stop()


@pytest.fixture
async def connect(sim: SmscSimulator) -> AsyncIterator[Connect]:
    """Factory of bound raw clients (closed at teardown); bind=False only connects."""
    clients: list[RawClient] = []

    async def factory(
        mode: str = "transceiver",
        system_id: str = "test",
        password: str = "secret",
        system_type: str = "",
        *,
        target: SmscSimulator | None = None,
        bind: bool = True,
        tls: bool = False,
        expect: int = 0,
        **kwargs: Any,
    ) -> RawClient:
        server = target or sim
        client = RawClient(
            "127.0.0.1",
            server.tls_port if tls else server.port,
            system_id,
            password,
            mode,
            system_type,
            ssl=server.tls_context_for_clients if tls else None,
            **kwargs,
        )
        clients.append(client)
        if bind:
            status = await client.bind()
            assert status == expect, f"bind status 0x{status:02X}"
        else:
            await client.connect()
        return client

    yield factory
    for client in clients:
        await client.close()


@contextlib.asynccontextmanager
async def served(argv: list[str]) -> AsyncIterator[tuple[SmscSimulator, ControlServer]]:
    """``python -m smscsim`` with these arguments (and a control API) in this event loop,
    until the block ends."""
    args = parse_args([*argv, "--control-port", "0"])
    stop = asyncio.Event()
    started: asyncio.Future[tuple[SmscSimulator, ControlServer | None]] = (
        asyncio.get_running_loop().create_future()
    )
    task = asyncio.create_task(
        serve(args, stop=stop, ready=lambda sim, ctl: started.set_result((sim, ctl)))
    )
    sim, control = await started
    assert control is not None
    try:
        yield sim, control
    finally:
        stop.set()
        await task
