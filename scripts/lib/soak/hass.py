"""Home Assistant for the soak: a config folder with the probe, the account added through the
real flows on the first start, restarts, and the owner's connections after each start.

The demo's parts (``ha_demo``) do the work: the folder, the child process, the REST client.
The soak's folder has a configuration.yaml of its own (the recorder, history and logbook as a
user has them, quieter logs, the probe) and the probe linked into custom_components.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
import time
from typing import Any

import aiohttp
from ha_demo.account import (
    OWNER_NAME,
    OWNER_PASSWORD,
    OWNER_USERNAME,
    account_form,
    demo_options,
)
from ha_demo.client import HomeAssistantClient
from ha_demo.common import DOMAIN, wait_for
from ha_demo.config_folder import http_settings_in_storage, prepare_config, write_http_config
from ha_demo.processes import Child, homeassistant_package, start_hass

from .calls import Caller

PROBE = Path(__file__).parent / "probe" / "soak_probe"
START_TIMEOUT = 180.0  # s: Home Assistant's HTTP server up (a loaded machine is slow)
LOADED_TIMEOUT = 60.0  # s: the entry loaded after the HTTP server is up
STOP_TIMEOUT = 60.0  # s: a graceful stop, then it is killed

CONFIGURATION = """\
# Written by scripts/soak: a Home Assistant as a user runs it (recorder, history, logbook),
# with the soak's probe.
homeassistant:
  name: SMS Center soak
  unit_system: metric
  time_zone: Europe/Moscow
  country: RU
  currency: RUB
  latitude: 55.7558
  longitude: 37.6173
  elevation: 150

history:
logbook:

logger:
  default: warning
  logs:
    custom_components.smscentre: info
    homeassistant.bootstrap: info

soak_probe:
  interval: {interval}
  tracemalloc: {tracemalloc}
  warmup: {warmup}
"""


class SoakHass:
    """One Home Assistant on the soak's folder, started again as often as the plan says."""

    def __init__(
        self,
        config: Path,
        hass: Path,
        http_port: int,
        *,
        interval: int,
        tracemalloc: bool,
        warmup: int,
    ) -> None:
        self.config = config
        self.hass = hass
        self.http_port = http_port
        self.child: Child | None = None
        self.entry_id = ""
        self.caller = Caller()
        self.client: HomeAssistantClient | None = None
        self.starts: list[dict[str, float]] = []  # per start: asked, http up, loaded
        config.mkdir(parents=True, exist_ok=True)
        (config / "configuration.yaml").write_text(
            CONFIGURATION.format(
                interval=interval, tracemalloc=str(tracemalloc).lower(), warmup=warmup
            )
        )
        prepare_config(config)
        link = config / "custom_components" / "soak_probe"
        if not link.exists():
            link.symlink_to(PROBE, target_is_directory=True)
        write_http_config(
            config,
            http_port,
            "127.0.0.1",
            in_storage=http_settings_in_storage(homeassistant_package(hass)),
        )

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    async def start(self, session: aiohttp.ClientSession) -> None:
        """Start Home Assistant and connect as the owner (onboarding it on the first start)."""
        asked = time.time()
        child = self.child = start_hass(self.config, self.hass)
        client = HomeAssistantClient(session, self.base)

        async def http_up() -> bool | None:
            child.check_alive()
            return True if await client.http_up() else None

        await wait_for("Home Assistant's HTTP server", http_up, START_TIMEOUT)
        up = time.time()
        onboarding = json.loads((self.config / ".storage" / "onboarding").read_text())
        if "user" not in onboarding["data"]["done"]:  # a new folder: no owner yet
            await client.onboard(OWNER_NAME, OWNER_USERNAME, OWNER_PASSWORD)
        else:
            await client.login(OWNER_USERNAME, OWNER_PASSWORD)
        self.client = client
        await self.caller.connect(client)
        self.starts.append({"asked": asked, "http_up": up})

    async def add_account(self, smpp_port: int, options: dict[str, Any]) -> None:
        """The account through the config flow, then its options (first start only)."""
        assert self.client is not None
        client = self.client
        if entries := await client.entries(DOMAIN):
            self.entry_id = str(entries[0]["entry_id"])
            return
        self.entry_id = await client.add_entry(DOMAIN, account_form(smpp_port))
        await client.set_options(self.entry_id, options)

    async def wait_loaded(self) -> float:
        """Wait until the entry is loaded; when (wall clock)."""
        assert self.client is not None
        client = self.client

        async def loaded() -> bool | None:
            return True if await client.entry_state(DOMAIN, self.entry_id) == "loaded" else None

        await wait_for("the SMS Center entry loaded", loaded, LOADED_TIMEOUT)
        now = time.time()
        if self.starts:
            self.starts[-1]["loaded"] = now
        return now

    async def stop(self) -> int | None:
        """Stop Home Assistant gracefully (its exit code; None when it had to be killed)."""
        await self.caller.close()
        child, self.child = self.child, None
        # in a thread: the simulator shares this event loop and must answer the unbind
        return None if child is None else await asyncio.to_thread(child.stop, STOP_TIMEOUT)

    def check_alive(self) -> None:
        if self.child is not None:
            self.child.check_alive()


def soak_options(api_url: str, backup_port: int, throughput: int) -> dict[str, Any]:
    """The demo's options with a backup server (the simulator's second listener), a
    throughput above the soak's rate (the backlog after an outage must drain) and no Assist."""
    return demo_options(api_url) | {
        "backup_host": "127.0.0.1",
        "backup_port": backup_port,
        "throughput": throughput,
        "assist_senders": [],
    }
