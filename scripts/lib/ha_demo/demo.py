"""The demo as one piece: the simulator and Home Assistant on a config folder, the account set
up through the real flows as a user would, both watched and stopped again."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import aiohttp

from .account import (
    ASSIST_PHONE,
    DEFAULT_RECIPIENT,
    FALLBACK_AFTER,
    OWNER_NAME,
    OWNER_PASSWORD,
    OWNER_USERNAME,
    account_form,
    demo_options,
)
from .client import HomeAssistantClient
from .common import DOMAIN, log, wait_for
from .config_folder import (
    http_settings_in_storage,
    point_entries_at,
    prepare_config,
    write_http_config,
)
from .processes import (
    Child,
    free_ports,
    homeassistant_package,
    start_hass,
    start_simulator,
    this_venvs_hass,
)
from .simulator import SimulatorControl

START_TIMEOUT = 120.0  # s: Home Assistant's HTTP server up
DEFAULT_HTTP_PORT = 8123  # what a release that reads its HTTP settings from YAML serves on


@dataclass(frozen=True, kw_only=True)
class Ports:
    """Where the demo listens on 127.0.0.1."""

    smpp: int  # the simulator's SMPP server
    control: int  # the simulator's control API
    api: int  # the simulator's HTTP API (the provider's)
    http: int  # Home Assistant's HTTP server

    @classmethod
    def any_free(cls) -> Ports:
        smpp, control, api, http = free_ports(None, None, None, None)
        return cls(smpp=smpp, control=control, api=api, http=http)


class Demo:
    """The simulator and Home Assistant on `config`, the simulator's log in `state`.

    Created: the folder is prepared (``config_folder``). ``start``: both run and the account
    is set up. ``stop``: both stop, each with its exit code. `throwaway` says the folder is
    the run's own, so configuration.yaml may be changed for an old release's HTTP settings.
    """

    def __init__(
        self,
        config: Path,
        state: Path,
        ports: Ports,
        *,
        host: str,
        throwaway: bool,
        hass: Path | None = None,
        receipt_delay: float = 0.0,
    ) -> None:
        """`hass`: the Home Assistant to run (default: this venv's; another venv's runs the
        same demo on another release). `receipt_delay`: seconds from a message accepted to
        the simulator's delivery report (a test may send another report first)."""
        self.hass = hass or this_venvs_hass()
        self.package = homeassistant_package(self.hass)
        self.config = config
        self.state = state
        self.ports = ports
        self.host = host
        self.throwaway = throwaway
        self.receipt_delay = receipt_delay
        self.http_port = ports.http
        self.children: list[Child] = []
        self.fresh = prepare_config(config, self.package)
        point_entries_at(config, ports.smpp, self.api_url)

    @property
    def control_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.control}"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.api}"

    @property
    def base_url(self) -> str:
        """Home Assistant's address (its port may differ from the one asked: ``start``)."""
        return f"http://127.0.0.1:{self.http_port}"

    async def start(
        self, session: aiohttp.ClientSession
    ) -> tuple[HomeAssistantClient, SimulatorControl, str]:
        """Start both and log the owner in, onboarding first and adding the account with the
        demo's options on a new folder: (the owner's client, the simulator's, the entry id)."""
        simulator = start_simulator(
            self.state,
            self.ports.smpp,
            self.ports.control,
            self.ports.api,
            self.receipt_delay,
        )
        self.children.append(simulator)
        in_storage = http_settings_in_storage(self.package)
        if self.throwaway or in_storage:
            write_http_config(self.config, self.http_port, self.host, in_storage=in_storage)
        else:
            log("this Home Assistant reads its HTTP settings from configuration.yaml only:")
            log("it serves on its default port 8123, on every address (--port, --host unused)")
            self.http_port = DEFAULT_HTTP_PORT
        hass = start_hass(self.config, self.hass)
        self.children.append(hass)
        control = SimulatorControl(session, self.control_url)

        async def sim_up() -> bool | None:
            simulator.check_alive()
            return True if await control.up() else None

        await wait_for("the simulator", sim_up)
        client = HomeAssistantClient(session, self.base_url)

        async def http_up() -> bool | None:
            hass.check_alive()
            return True if await client.http_up() else None

        await wait_for("Home Assistant's HTTP server", http_up, START_TIMEOUT)
        if self.fresh:
            await client.onboard(OWNER_NAME, OWNER_USERNAME, OWNER_PASSWORD)
        else:
            await client.login(OWNER_USERNAME, OWNER_PASSWORD)
        return client, control, await self._account(client)

    async def _account(self, client: HomeAssistantClient) -> str:
        """The entry of the account: the one there, else one added through the flows."""
        if entries := await client.entries(DOMAIN):
            return str(entries[0]["entry_id"])
        entry_id = await client.add_entry(DOMAIN, account_form(self.ports.smpp))
        log("account added through the config flow")
        await client.set_options(entry_id, demo_options(self.api_url))
        log(
            f"options saved (default recipient {DEFAULT_RECIPIENT}, no backup server, HTTP API"
            f" at {self.api_url} with the fallback after {FALLBACK_AFTER} s, +{ASSIST_PHONE} may"
            " talk to Assist by SMS)"
        )
        return entry_id

    def check_alive(self) -> None:
        """DemoError when Home Assistant or the simulator has exited."""
        for child in reversed(self.children):
            child.check_alive()

    def stop(self) -> dict[str, int | None]:
        """Stop Home Assistant, then the simulator: their exit codes by name (None: killed)."""
        return {child.name: child.stop() for child in reversed(self.children)}
