"""The HTTP API client against the simulator's HTTP API, over TCP; no Home Assistant."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from custom_components.smscentre.smsc.http.api import HttpApi
from smscsim import SmscSimulator
from smscsim.httpapi import HttpApi as SimHttpApi

PASSWORD = "Pa55-w0rd-x"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override the package-wide fixture: no Home Assistant here."""
    return


@pytest.fixture(autouse=True)
def _allow_sockets(socket_enabled: None) -> None:
    """Let the tests open sockets (pytest-socket still limits connects to 127.0.0.1)."""


@pytest.fixture
async def sim() -> AsyncIterator[SmscSimulator]:
    """A simulator with its HTTP API; account test / PASSWORD."""
    simulator = SmscSimulator(accounts={"test": PASSWORD}, http_port=0)
    await simulator.start()
    yield simulator
    await simulator.stop()


@pytest.fixture
def sim_http(sim: SmscSimulator) -> SimHttpApi:
    assert sim.http is not None
    return sim.http


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as http:
        yield http


@pytest.fixture
def client(session: aiohttp.ClientSession, sim_http: SimHttpApi) -> HttpApi:
    """The client of the account, at the simulator's HTTP API."""
    return HttpApi(session, "test", PASSWORD, url=sim_http.url, timeout=5.0)
