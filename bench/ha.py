"""A real Home Assistant (the tests' machinery) with one SMS Center entry on the simulator."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import contextlib
import logging
import socket
from typing import Any

from homeassistant import loader
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_test_home_assistant,
)

from custom_components.smscentre.const import (
    CONF_BACKUP_HOST,
    CONF_REGISTERED_DELIVERY,
    CONF_SENDER,
    CONF_THROUGHPUT,
    CONF_WINDOW,
    DEFAULT_OPTIONS,
    DOMAIN,
)

from .simproc import ACCOUNT

ENTRY_ID = "bench0000000000000000000000001"

# Burst settings: window 1000 and no rate limit. Throughput 0 ("no limit") is not offered by
# the options flow (1..1000); the benchmark writes it into the entry to measure the send path
# itself rather than the limiter. Rules stay on: every message has its own number and text.
BURST_OPTIONS: dict[str, Any] = {
    CONF_WINDOW: 1000,
    CONF_THROUGHPUT: 0,
    CONF_REGISTERED_DELIVERY: False,
    CONF_BACKUP_HOST: "",
}
# The provider's defaults (window 10, 30 SUBMIT_SMs a second).
DEFAULT_RATE_OPTIONS: dict[str, Any] = {CONF_REGISTERED_DELIVERY: False, CONF_BACKUP_HOST: ""}


def entry_for(port: int, options: dict[str, Any]) -> MockConfigEntry:
    """The benchmark's config entry (same id every time, so its storage survives a restart)."""
    return MockConfigEntry(
        domain=DOMAIN,
        entry_id=ENTRY_ID,
        title="bench",
        unique_id=ACCOUNT[0],
        data={
            CONF_USERNAME: ACCOUNT[0],
            CONF_PASSWORD: ACCOUNT[1],
            CONF_HOST: "127.0.0.1",
            CONF_PORT: port,
            CONF_SENDER: "Bench",
        },
        options={**DEFAULT_OPTIONS, **options},
    )


@contextlib.asynccontextmanager
async def home_assistant(config_dir: str) -> AsyncIterator[HomeAssistant]:
    """A running Home Assistant that can load custom_components/smscentre."""
    async with async_test_home_assistant(config_dir=config_dir) as hass:
        hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)  # enable custom integrations
        try:
            yield hass
        finally:
            with contextlib.suppress(Exception):
                await hass.async_stop(force=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def set_up(hass: HomeAssistant, entry: MockConfigEntry) -> Any:
    """Add and set up the entry (HTTP, for the webhook, on a free loopback port); return its
    runtime."""
    http = {"server_host": ["127.0.0.1"], "server_port": _free_port()}
    if not await async_setup_component(hass, "http", {"http": http}):
        raise RuntimeError("http did not set up")
    entry.add_to_hass(hass)
    if not await hass.config_entries.async_setup(entry.entry_id):
        raise RuntimeError(f"entry did not set up: {entry.state}")
    await hass.async_block_till_done()
    if entry.state is not ConfigEntryState.LOADED:
        raise RuntimeError(f"entry not loaded: {entry.state}")
    return entry.runtime_data


async def reconfigure(hass: HomeAssistant, entry: MockConfigEntry, options: dict[str, Any]) -> Any:
    """Reload the entry with other options; return the new runtime."""
    hass.config_entries.async_update_entry(entry, options={**entry.options, **options})
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    return entry.runtime_data


def quiet_logging() -> None:
    """Warnings and errors only (the figures are printed, not logged)."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for name in ("homeassistant", "asyncio"):
        logging.getLogger(name).setLevel(logging.WARNING)


async def wait_until(predicate: Any, timeout: float, step: float = 0.005) -> bool:
    """Poll ``predicate`` until true or ``timeout``."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not predicate():
        if loop.time() > end:
            return False
        await asyncio.sleep(step)
    return True
