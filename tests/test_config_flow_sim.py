"""The config flow binding for real against the simulator (no mocked probe)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from unittest.mock import patch

from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest

from custom_components.smscentre.const import DOMAIN
from smscsim import SmscSimulator


@pytest.fixture(autouse=True)
def _allow_sockets(socket_enabled: None) -> None:
    """The simulator listens on 127.0.0.1."""


@pytest.fixture
async def sim() -> AsyncIterator[SmscSimulator]:
    """A simulator with TLS too."""
    server = SmscSimulator(accounts={"myhome": "good1"}, tls_port=0)
    await server.start()
    yield server
    await server.stop()


def user_input(sim: SmscSimulator, password: str, **extra: object) -> dict[str, object]:
    """The user step's form."""
    return {
        "username": "myhome",
        "password": password,
        "host": sim.host,
        "encryption": "none",
        "port": sim.port,
        "sender": "",
    } | extra


async def test_wrong_password_then_fixed(hass: HomeAssistant, sim: SmscSimulator) -> None:
    """invalid_auth from a real 0x0E, then the right password creates the entry."""
    with (
        patch("custom_components.smscentre.async_setup_entry", return_value=True),
        patch("custom_components.smscentre.async_unload_entry", return_value=True),
    ):
        result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], user_input(sim, "wrong")
        )
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == {"base": "invalid_auth"}
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], user_input(sim, "good1")
        )
        assert result["type"] is FlowResultType.CREATE_ENTRY
        assert result["data"]["password"] == "good1"
        await hass.config_entries.async_remove(result["result"].entry_id)
    assert [b.status for b in sim.binds] == [0x0E, 0x00]
    await sim.wait_for(lambda s: not s.connections)


async def test_refused_and_unreachable(hass: HomeAssistant, sim: SmscSimulator) -> None:
    """bind_refused shows the SMPP status; a closed port is cannot_connect."""
    sim.refuse_binds(0x0D)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input(sim, "good1")
    )
    assert result["errors"] == {"base": "bind_refused"}
    assert result["description_placeholders"]["status"] == "0x0000000D"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input(sim, "good1", port=1)
    )
    assert result["errors"] == {"base": "cannot_connect"}


async def test_tls_certificate_checked(hass: HomeAssistant, sim: SmscSimulator) -> None:
    """An untrusted certificate is tls_error; TLS without checking the certificate binds."""
    loop = asyncio.get_running_loop()
    handler = loop.get_exception_handler()

    def ignore_server_side_reset(loop: asyncio.AbstractEventLoop, context: dict) -> None:
        # the simulator's TLS listener reports the handshake our client aborted
        if not isinstance(context.get("exception"), ConnectionResetError) and handler:
            handler(loop, context)

    loop.set_exception_handler(ignore_server_side_reset)
    try:
        result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
        form = user_input(sim, "good1", port=sim.tls_port, encryption="tls")
        result = await hass.config_entries.flow.async_configure(result["flow_id"], form)
        assert result["errors"] == {"base": "tls_error"}
        await asyncio.sleep(0.1)
    finally:
        loop.set_exception_handler(handler)
    with (
        patch("custom_components.smscentre.async_setup_entry", return_value=True),
        patch("custom_components.smscentre.async_unload_entry", return_value=True),
    ):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], form | {"encryption": "tls_unverified"}
        )
        assert result["type"] is FlowResultType.CREATE_ENTRY
        assert [b.tls for b in sim.binds if b.status == 0] == [True]
        await hass.config_entries.async_remove(result["result"].entry_id)
