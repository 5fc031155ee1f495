"""One message for one cause: what each kind of bind failure asks of a person, and that it is
never more than one thing (a reauthentication or one repair issue), against the simulator.

A refused password (0x0E) asks for a new one; every other cause (0x0D, another status, no
connection, no answer, TLS) raises one repair issue once the link has been down for
``REPAIR_AFTER`` (shortened here), which follows the cause and goes away on bind or unload.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
import time
from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smscentre import health
from custom_components.smscentre.const import DOMAIN
from custom_components.smscentre.settings import EntryOptions
from smscsim import SmscSimulator

from .health_helpers import IssueClock, findings, link_issue, wait_findings

PASSWORD = "Hl7#pass"
REPAIR_AFTER = 1.0


@pytest.fixture(autouse=True)
def _allow_sockets(socket_enabled: None) -> None:
    """The simulator listens on 127.0.0.1."""


@pytest.fixture(autouse=True)
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    """A repair after a second; the link answers its failures within a fraction of one."""
    monkeypatch.setattr(health, "REPAIR_AFTER", REPAIR_AFTER)
    original = EntryOptions.from_entry.__func__  # type: ignore[attr-defined]

    def from_entry(cls: type[EntryOptions], entry: ConfigEntry) -> EntryOptions:
        options = original(cls, entry)
        options.link = replace(
            options.link, backoff_base=0.05, backoff_cap=0.2, response_timeout=0.3
        )
        return options

    monkeypatch.setattr(EntryOptions, "from_entry", classmethod(from_entry))


@pytest.fixture
async def servers() -> AsyncIterator[list[SmscSimulator]]:
    """The simulator, and any started in its place on the same port."""
    made = [SmscSimulator(accounts={"test": PASSWORD})]
    await made[0].start()
    yield made
    for server in made:
        await server.stop()


def make_entry(sim: SmscSimulator, *, port: int | None = None, ssl: bool = False) -> Any:
    """An entry of the simulator's account."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Health",
        unique_id="test",
        data={
            "username": "test",
            "password": PASSWORD,
            "host": sim.host,
            "port": port or sim.port,
            "ssl": ssl,
            "verify_ssl": True,
            "sender": "",
            "webhook_id": "abc123",
        },
        options={"backup_host": "", "enquire_link_interval": 5},
    )


async def set_up(hass: HomeAssistant, entry: MockConfigEntry) -> ConfigEntryState:
    """Add and set up the entry; its state afterwards."""
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry.state


async def unload(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Unload when loaded."""
    if entry.state is ConfigEntryState.LOADED:
        assert await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()


async def _stop_listening(servers: list[SmscSimulator]) -> Callable[[], Awaitable[None]]:
    port = servers[0].port
    await servers[0].stop()

    async def mend() -> None:
        server = SmscSimulator(accounts={"test": PASSWORD}, port=port)
        await server.start()
        servers.append(server)

    return mend


async def _fault(servers: list[SmscSimulator], fault: str) -> Callable[[], Awaitable[None]]:
    """Break the SMSC as ``fault`` says; return what mends it."""
    sim = servers[0]
    if fault == "nothing_listens":
        return await _stop_listening(servers)
    if fault == "no_answer":
        sim.hang(None)
    else:
        sim.refuse_binds(int(fault, 16))

    async def mend() -> None:
        sim.clear_faults()

    return mend


@pytest.mark.parametrize(
    ("fault", "key", "status"),
    [
        ("0x0D", "bind_refused", "0x0000000D"),
        ("0x08", "bind_refused", "0x00000008"),
        ("no_answer", "link_no_answer", "?"),
        ("nothing_listens", "link_cannot_connect", "?"),
    ],
)
async def test_outage_from_the_start_gives_one_repair_after_the_bound(
    hass: HomeAssistant, servers: list[SmscSimulator], fault: str, key: str, status: str
) -> None:
    """The SMSC cannot be used from the start: the entry loads; once the link has been down
    for REPAIR_AFTER one repair issue says why (never a reauthentication), and it goes away
    when the link binds."""
    clock = IssueClock()
    clock.listen(hass)
    sim = servers[0]
    entry = make_entry(sim)
    mend = await _fault(servers, fault)
    started = time.monotonic()
    assert await set_up(hass, entry) is ConfigEntryState.LOADED
    await wait_findings(hass, entry, [key])
    assert clock.created[0] - started >= REPAIR_AFTER
    issue = link_issue(hass, entry)
    assert issue.severity is ir.IssueSeverity.ERROR
    assert not issue.is_fixable
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["status"] == status
    assert issue.translation_placeholders["server"] == f"{sim.host}:{sim.port}"
    assert issue.translation_placeholders["title"] == "Health"
    await mend()
    await wait_findings(hass, entry, [])
    assert entry.runtime_data.link.status.bound
    await unload(hass, entry)


async def test_tls_failure_gives_one_repair(
    hass: HomeAssistant, servers: list[SmscSimulator]
) -> None:
    """TLS to a port that speaks plain SMPP (3700 instead of 3443): the entry loads, the TLS
    repair follows the bound, and unloading the entry removes it."""
    sim = servers[0]
    entry = make_entry(sim, ssl=True)
    assert await set_up(hass, entry) is ConfigEntryState.LOADED
    assert entry.runtime_data.link.status.last_error == "tls_error"
    await wait_findings(hass, entry, ["link_tls"])
    await unload(hass, entry)
    assert findings(hass, entry) == []


async def test_wrong_password_at_start_asks_for_it_and_nothing_else(
    hass: HomeAssistant, servers: list[SmscSimulator]
) -> None:
    """0x0E at setup: reauthentication, no repair issue, and no retry loop."""
    sim = servers[0]
    sim.accounts["test"] = "other"
    entry = make_entry(sim)
    assert await set_up(hass, entry) is ConfigEntryState.SETUP_ERROR
    assert findings(hass, entry) == ["reauth"]
    binds = len(sim.binds)
    await hass.async_block_till_done()
    assert findings(hass, entry) == ["reauth"]
    assert len(sim.binds) == binds


async def test_wrong_password_at_runtime_asks_for_it_and_nothing_else(
    hass: HomeAssistant, servers: list[SmscSimulator]
) -> None:
    """0x0E after a drop: reauthentication only, also long after the repair bound."""
    sim = servers[0]
    entry = make_entry(sim)
    assert await set_up(hass, entry) is ConfigEntryState.LOADED
    sim.accounts["test"] = "changed"
    sim.drop_all()
    await wait_findings(hass, entry, ["reauth"])
    await _idle(hass, REPAIR_AFTER * 2)
    assert findings(hass, entry) == ["reauth"]
    await unload(hass, entry)
    assert findings(hass, entry) == ["reauth"]  # unloading does not answer it


async def test_repeated_0x0d_from_a_server_that_knew_the_login_is_one_repair(
    hass: HomeAssistant, servers: list[SmscSimulator]
) -> None:
    """0x0D again and again after the login was accepted (an outage, SMPP switched off, an
    address no longer allowed): one repair with the account's checks, never a request for
    a password that was not refused."""
    sim = servers[0]
    entry = make_entry(sim)
    assert await set_up(hass, entry) is ConfigEntryState.LOADED
    sim.refuse_binds(0x0D)
    sim.drop_all()
    seen: set[tuple[str, ...]] = set()
    deadline = time.monotonic() + REPAIR_AFTER * 5
    while findings(hass, entry) != ["bind_refused"]:
        assert time.monotonic() < deadline, seen
        seen.add(tuple(findings(hass, entry)))
        await _idle(hass, 0.02)
    assert sum(1 for b in sim.binds if b.status == 0x0D) >= 4
    assert seen <= {()}
    sim.clear_faults()
    await wait_findings(hass, entry, [])
    await unload(hass, entry)


async def test_the_one_issue_follows_the_cause(
    hass: HomeAssistant, servers: list[SmscSimulator]
) -> None:
    """Refused, then no answer: the same issue says the new cause; never two."""
    sim = servers[0]
    sim.refuse_binds(0x0D)
    entry = make_entry(sim)
    assert await set_up(hass, entry) is ConfigEntryState.LOADED
    await wait_findings(hass, entry, ["bind_refused"])
    sim.clear_faults()
    sim.hang(None)
    await wait_findings(hass, entry, ["link_no_answer"])
    sim.clear_faults()
    await wait_findings(hass, entry, [])
    await unload(hass, entry)


async def test_a_short_outage_raises_nothing(
    hass: HomeAssistant, servers: list[SmscSimulator]
) -> None:
    """Binds refused for less than the bound: no issue is ever created."""
    clock = IssueClock()
    clock.listen(hass)
    sim = servers[0]
    entry = make_entry(sim)
    assert await set_up(hass, entry) is ConfigEntryState.LOADED
    sim.refuse_binds(0x0D, duration=REPAIR_AFTER / 3)
    sim.drop_all()
    await sim.wait_for(lambda s: any(b.status == 0x0D for b in s.binds))
    await sim.wait_for(lambda s: len(s.sessions) == 1, timeout=5)
    await _idle(hass, REPAIR_AFTER * 1.5)
    assert clock.created == []
    assert findings(hass, entry) == []
    await unload(hass, entry)


async def test_unload_removes_the_issue(hass: HomeAssistant, servers: list[SmscSimulator]) -> None:
    """An entry that is not loaded tries nothing: its issue goes with it."""
    sim = servers[0]
    sim.refuse_binds(0x0D)
    entry = make_entry(sim)
    assert await set_up(hass, entry) is ConfigEntryState.LOADED
    await wait_findings(hass, entry, ["bind_refused"])
    await unload(hass, entry)
    assert findings(hass, entry) == []


async def _idle(hass: HomeAssistant, seconds: float) -> None:
    """Let the event loop run for ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        await hass.async_block_till_done()
        await asyncio.sleep(0.02)
