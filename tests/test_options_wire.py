"""Each connection option of an entry, as the simulator sees it on the wire."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
import pytest

from custom_components.smscentre.const import DOMAIN
from smscsim import SmscSimulator

from .conftest import EntryFactory

PHONE = "+7 999 123-45-67"


@pytest.mark.parametrize("bind_mode", ["transceiver", "receiver", "transmitter"])
async def test_bind_mode(
    hass: HomeAssistant, simulator: SmscSimulator, entry_factory: EntryFactory, bind_mode: str
) -> None:
    """The option picks the bind PDU."""
    await entry_factory(bind_mode=bind_mode)
    await simulator.wait_for(lambda sim: len(sim.sessions) == 1)
    assert simulator.sessions[0].mode == bind_mode


async def test_single_status(
    hass: HomeAssistant, simulator: SmscSimulator, entry_factory: EntryFactory
) -> None:
    """One delivery report per long message: SINGLE in system_type."""
    await entry_factory(single_status=True)
    await simulator.wait_for(lambda sim: len(sim.sessions) == 1)
    session = simulator.sessions[0]
    assert session.system_type == "SINGLE"
    assert session.single


async def test_connections(
    hass: HomeAssistant, simulator: SmscSimulator, entry_factory: EntryFactory
) -> None:
    """Connections 3: three sessions, each with MCON3, all of them kept."""
    await entry_factory(connections=3)
    await simulator.wait_for(lambda sim: len(sim.sessions) == 3)
    assert {session.system_type for session in simulator.sessions} == {"MCON3"}
    assert {session.mcon for session in simulator.sessions} == {3}


@pytest.mark.parametrize(("option", "wire"), [(True, 1), (False, 0)])
async def test_registered_delivery(
    hass: HomeAssistant,
    simulator: SmscSimulator,
    entry_factory: EntryFactory,
    option: bool,
    wire: int,
) -> None:
    """Request delivery reports: registered_delivery of every submit."""
    await entry_factory(registered_delivery=option)
    await simulator.wait_for(lambda sim: len(sim.sessions) == 1)
    await hass.services.async_call(
        DOMAIN, "send_sms", {"recipients": PHONE, "message": "hello"}, blocking=True
    )
    await simulator.wait_for(lambda sim: len(sim.accepted) == 1)
    assert simulator.accepted[0].registered_delivery == wire
