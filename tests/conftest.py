"""Shared fixtures."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable
import copy
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import (
    CONF_HOST,
    CONF_PASSWORD,
    CONF_PORT,
    CONF_SSL,
    CONF_USERNAME,
    CONF_VERIFY_SSL,
)
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smscentre.const import (
    CONF_BACKUP_HOST,
    CONF_ENQUIRE_LINK_INTERVAL,
    CONF_RECIPIENTS,
    CONF_SENDER,
    DEFAULT_OPTIONS,
    DOMAIN,
)
from smscsim import SmscSimulator

LOGIN = "myhome"
PASSWORD = "secret"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom_components/smscentre in every test."""


@pytest.fixture
def sim_accounts() -> dict[str, str]:
    """Logins the simulator accepts (login -> password)."""
    return {LOGIN: PASSWORD}


@pytest.fixture
async def simulator(
    socket_enabled: None, sim_accounts: dict[str, str]
) -> AsyncGenerator[SmscSimulator]:
    """A running SMSC simulator on 127.0.0.1 (ephemeral ports, SMPP and the provider's
    HTTP API), stopped afterwards.

    Real TCP: pytest-socket lets sockets be made (``socket_enabled``) and still only
    lets them connect to 127.0.0.1.
    """
    sim = SmscSimulator(host="127.0.0.1", port=0, accounts=sim_accounts, http_port=0)
    await sim.start()
    try:
        yield sim
    finally:
        await sim.stop()


@pytest.fixture
def entry_options() -> dict[str, Any]:
    """Options of the test entry: defaults, no backup server, a short keepalive."""
    options = copy.deepcopy(DEFAULT_OPTIONS)
    options[CONF_BACKUP_HOST] = ""
    options[CONF_ENQUIRE_LINK_INTERVAL] = 5
    options[CONF_RECIPIENTS] = []
    return options


def make_entry(
    simulator: SmscSimulator,
    options: dict[str, Any],
    *,
    login: str = LOGIN,
    password: str = PASSWORD,
    sender: str = "",
) -> MockConfigEntry:
    """A config entry of ``login`` pointing at the simulator."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=login,
        unique_id=login,
        data={
            CONF_USERNAME: login,
            CONF_PASSWORD: password,
            CONF_HOST: "127.0.0.1",
            CONF_PORT: simulator.port,
            CONF_SSL: False,
            CONF_VERIFY_SSL: True,
            CONF_SENDER: sender,
        },
        options=options,
    )


@pytest.fixture
def mock_config_entry(simulator: SmscSimulator, entry_options: dict[str, Any]) -> MockConfigEntry:
    """The entry of the simulator's account (not added to Home Assistant yet)."""
    return make_entry(simulator, entry_options)


async def setup_entry(hass: HomeAssistant, entry: MockConfigEntry) -> MockConfigEntry:
    """Add the entry and set it up for real (binds to the simulator)."""
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    return entry


async def unload_entry(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Unload the entry when it is still loaded (unbinds, stops every task)."""
    if entry.state is ConfigEntryState.LOADED:
        assert await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()


@pytest.fixture
async def init_integration(
    hass: HomeAssistant, simulator: SmscSimulator, mock_config_entry: MockConfigEntry
) -> AsyncGenerator[MockConfigEntry]:
    """The entry set up and bound to the simulator; unloaded before the simulator stops."""
    await setup_entry(hass, mock_config_entry)
    await simulator.wait_for(lambda sim: len(sim.sessions) == 1)
    try:
        yield mock_config_entry
    finally:
        await unload_entry(hass, mock_config_entry)


type EntryFactory = Callable[..., Awaitable[MockConfigEntry]]


@pytest.fixture
async def entry_factory(
    hass: HomeAssistant, simulator: SmscSimulator, entry_options: dict[str, Any]
) -> AsyncGenerator[EntryFactory]:
    """Set up more entries (other options or logins); all are unloaded afterwards.

    ``await entry_factory(login=..., password=..., sender=..., **option_overrides)``; the
    login must be one of ``sim_accounts``.
    """
    entries: list[MockConfigEntry] = []

    async def _factory(
        *, login: str = LOGIN, password: str | None = None, sender: str = "", **overrides: Any
    ) -> MockConfigEntry:
        options = copy.deepcopy(entry_options) | overrides
        entry = make_entry(
            simulator,
            options,
            login=login,
            password=password or simulator.accounts[login],
            sender=sender,
        )
        entries.append(entry)
        return await setup_entry(hass, entry)

    try:
        yield _factory
    finally:
        for entry in entries:
            await unload_entry(hass, entry)
