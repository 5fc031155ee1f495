"""A real Home Assistant with SMS Center set up against the bundled simulator.

Run through ``scripts/develop``. Without ``--smoke``: the simulator and ``hass -c config`` run
until Ctrl-C; the first run onboards an owner (``dev`` / ``dev``) and adds the account through
the real config flow. With ``--smoke``: the same in a throw-away config folder, then, as a user
would over the REST and websocket APIs, an SMS through ``smscentre.send_sms`` and through
``notify.send_message``, an incoming SMS and a delivery report, a conversation with Assist by
SMS (the allowed phone turns the demo light on and asks about it; a stranger gets nothing),
then over the simulator's HTTP API the balance and, with every SMPP bind refused, one SMS
through the HTTP fallback; exits non-zero on any failure.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
import contextlib
import json
import os
from pathlib import Path
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from typing import Any

import aiohttp
import homeassistant

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = "smscentre"
LOGIN = "dev"
SMPP_PASSWORD = "devpass1"  # SMPP 3.4: at most 8 characters
OWNER = {"name": "Developer", "username": "dev", "password": "dev"}
DEFAULT_RECIPIENT = "+7 999 000-00-01"
BALANCE = 250.0  # the simulator's HTTP API account
FALLBACK_AFTER = 10  # s: the shortest the options allow
# The phone allowed to talk to Assist by SMS, and one that is not
ASSIST_PHONE = "79991112233"
STRANGER_PHONE = "79994445566"
DEMO_LIGHT = "light.demo_light"  # config/configuration.yaml
START_TIMEOUT = 120.0
STEP_TIMEOUT = 30.0
STOP_TIMEOUT = 30.0
SMOKE_TIMEOUT = 180.0


class SmokeFailure(Exception):
    """A check of the smoke run failed."""


def log(message: str) -> None:
    print(f"[develop] {message}", file=sys.stderr, flush=True)


def free_port(preferred: int | None = None) -> int:
    """Return `preferred` when it is free on 127.0.0.1, else any free port."""
    for port in (preferred, 0) if preferred else (0,):
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as asyncio's servers
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise RuntimeError("no free port")


async def wait_for[T](
    what: str, probe: Callable[[], Awaitable[T | None]], timeout: float = STEP_TIMEOUT
) -> T:
    """Poll `probe` until it returns something other than None; bounded."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            if (result := await probe()) is not None:
                return result
        except (aiohttp.ClientError, OSError, SmokeFailure) as err:
            last_error = err
        await asyncio.sleep(0.25)
    raise SmokeFailure(f"timed out after {timeout:.0f} s waiting for {what} ({last_error or ''})")


# --- processes ---------------------------------------------------------------------------


class Child:
    """A child process in its own session, stopped with SIGTERM, then SIGKILL."""

    def __init__(self, name: str, args: list[str], log_path: Path, **kwargs: Any) -> None:
        self.name = name
        self.log_path = log_path
        self._log = log_path.open("ab")
        self.proc = subprocess.Popen(
            args, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True, **kwargs
        )

    def check_alive(self) -> None:
        if (code := self.proc.poll()) is not None:
            raise SmokeFailure(f"{self.name} exited with {code}; see {self.log_path}")

    def stop(self, timeout: float = STOP_TIMEOUT) -> int | None:
        """Stop gracefully within `timeout`; return the exit code (None when killed)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                log(f"{self.name} did not stop within {timeout:.0f} s: killing it")
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
                self._log.close()
                return None
        self._log.close()
        return self.proc.returncode


def start_simulator(state: Path, port: int, control_port: int, api_port: int) -> Child:
    args = [
        sys.executable,
        "-m",
        "smscsim",
        "--port",
        str(port),
        "--control-port",
        str(control_port),
        "--account",
        f"{LOGIN}:{SMPP_PASSWORD}",
        "--http-port",
        str(api_port),
        "--balance",
        str(BALANCE),
    ]
    return Child("simulator", args, state / "smscsim.log", cwd=ROOT)


def prepare_config(config: Path) -> bool:
    """Make `config` a Home Assistant config folder using this repository; True when new."""
    config.mkdir(parents=True, exist_ok=True)
    yaml = config / "configuration.yaml"
    if not yaml.exists():
        shutil.copy(ROOT / "config" / "configuration.yaml", yaml)
    components = config / "custom_components"
    components.mkdir(exist_ok=True)
    link = components / DOMAIN
    if not link.exists():
        link.symlink_to(ROOT / "custom_components" / DOMAIN, target_is_directory=True)
    storage = config / ".storage"
    storage.mkdir(exist_ok=True)
    onboarding = storage / "onboarding"
    if onboarding.exists():
        return False
    # Every onboarding step but the owner's is done: the owner is created over the API, which
    # then finishes onboarding (the core-config step would add weather, radio and TTS entries).
    onboarding.write_text(
        json.dumps(
            {
                "version": 4,
                "minor_version": 1,
                "key": "onboarding",
                "data": {"done": ["core_config", "analytics", "integration"]},
            }
        )
    )
    return True


def point_entries_at(config: Path, port: int, api_url: str) -> None:
    """Before a start: move existing SMS Center entries to the simulator's current ports."""
    path = config / ".storage" / "core.config_entries"
    if not path.exists():
        return
    stored = json.loads(path.read_text())
    changed = False
    for entry in stored["data"]["entries"]:
        if entry["domain"] == DOMAIN and entry["data"].get("host") == "127.0.0.1":
            changed |= entry["data"].get("port") != port
            entry["data"]["port"] = port
            options = entry.get("options") or {}
            if str(options.get("api_url", "")).startswith("http://127.0.0.1:"):
                changed |= options["api_url"] != api_url
                options["api_url"] = api_url
    if changed:
        path.write_text(json.dumps(stored, indent=2))


def http_settings_in_storage() -> bool:
    """Whether this Home Assistant keeps its HTTP settings in .storage/http (2026.8 on).

    Older releases read them from the ``http:`` section of configuration.yaml only; newer ones
    migrate that section once and then report it as left over, so each gets its own place.
    """
    return (Path(homeassistant.__file__).parent / "components" / "http" / "config.py").is_file()


def write_http_config(config: Path, port: int, host: str) -> None:
    """Before a start: Home Assistant's HTTP server on `host`:`port`.

    Since 2026.8 the HTTP settings live in .storage/http (YAML is migrated once, then tried as
    a "pending" config that is reverted with a restart unless confirmed in the UI), so they are
    written there as the confirmed ("stable") config. Older releases get an ``http:`` section in
    configuration.yaml, which is only done in a throw-away folder (the smoke run's).
    """
    if not http_settings_in_storage():
        with (config / "configuration.yaml").open("a", encoding="utf-8") as yaml:
            yaml.write(f"\nhttp:\n  server_port: {port}\n  server_host: [{json.dumps(host)}]\n")
        return
    (config / ".storage" / "http").write_text(
        json.dumps(
            {
                "version": 2,
                "minor_version": 2,
                "key": "http",
                "data": {
                    "stable": {
                        "server_port": port,
                        "server_host": [host],
                        "cors_allowed_origins": ["https://cast.home-assistant.io"],
                        "login_attempts_threshold": -1,
                        "ip_ban_enabled": True,
                        "ssl_profile": "modern",
                        "use_x_frame_options": True,
                        "created_at": "2026-01-01T00:00:00+00:00",
                        "error": None,
                        "error_message": None,
                    },
                    "pending": None,
                    "yaml_migration_done": True,
                },
            },
            indent=2,
        )
    )


def start_hass(config: Path) -> Child:
    hass = Path(sys.executable).with_name("hass")
    return Child("hass", [str(hass), "-c", str(config), "--skip-pip"], config / "hass.out")


# --- Home Assistant over HTTP ---------------------------------------------------------------


class HomeAssistantClient:
    """REST and websocket calls as the frontend makes them."""

    def __init__(self, session: aiohttp.ClientSession, base: str) -> None:
        self.session = session
        self.base = base
        self.token = ""

    @property
    def client_id(self) -> str:
        return f"{self.base}/"

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    async def request(self, method: str, path: str, body: Any = None, expect: int = 200) -> Any:
        async with self.session.request(
            method, f"{self.base}{path}", json=body, headers=self._headers()
        ) as resp:
            text = await resp.text()
            if resp.status != expect:
                raise SmokeFailure(f"{method} {path}: HTTP {resp.status}: {text[:500]}")
            return json.loads(text) if text else None

    async def onboard(self) -> None:
        """Create the owner and log in with it."""
        answer = await self.request(
            "POST",
            "/api/onboarding/users",
            {**OWNER, "client_id": self.client_id, "language": "en"},
        )
        await self.login_with_code(answer["auth_code"])

    async def login_with_code(self, code: str) -> None:
        form = {"grant_type": "authorization_code", "code": code, "client_id": self.client_id}
        async with self.session.post(f"{self.base}/auth/token", data=form) as resp:
            if resp.status != 200:
                raise SmokeFailure(f"token: HTTP {resp.status}: {await resp.text()}")
            self.token = (await resp.json())["access_token"]

    async def login(self) -> None:
        """Log the owner in through the login flow (a later run, already onboarded)."""
        flow = await self.request(
            "POST",
            "/auth/login_flow",
            {
                "client_id": self.client_id,
                "handler": ["homeassistant", None],
                "redirect_uri": self.client_id,
            },
        )
        answer = await self.request(
            "POST",
            f"/auth/login_flow/{flow['flow_id']}",
            {
                "client_id": self.client_id,
                "username": OWNER["username"],
                "password": OWNER["password"],
            },
        )
        if answer.get("type") != "create_entry":
            raise SmokeFailure(f"login refused: {answer}")
        await self.login_with_code(answer["result"])

    async def add_account(self, sim_port: int) -> str:
        """Add the simulator's account through the config flow; return the entry id."""
        form = await self.request("POST", "/api/config/config_entries/flow", {"handler": DOMAIN})
        if form.get("type") != "form" or form.get("step_id") != "user":
            raise SmokeFailure(f"config flow did not show the user step: {form}")
        result = await self.request(
            "POST",
            f"/api/config/config_entries/flow/{form['flow_id']}",
            {
                "username": LOGIN,
                "password": SMPP_PASSWORD,
                "host": "127.0.0.1",
                "port": sim_port,
                "ssl": False,
                "verify_ssl": True,
                "sender": "HomeDev",
            },
        )
        if result.get("type") != "create_entry":
            raise SmokeFailure(f"config flow did not create the entry: {result}")
        return result["result"]["entry_id"]

    async def set_options(self, entry_id: str, changes: dict[str, Any]) -> None:
        """Save the options form with its current values plus `changes` (flat option names,
        put into the form's sections where they belong)."""
        form = await self.request(
            "POST", "/api/config/config_entries/options/flow", {"handler": entry_id}
        )

        def shown(fields: list[dict[str, Any]]) -> dict[str, Any]:
            values: dict[str, Any] = {}
            for field in fields:
                name = field["name"]
                if field.get("type") == "expandable":  # a section: its fields, nested
                    values[name] = shown(field["schema"])
                    continue
                suggested = (field.get("description") or {}).get("suggested_value")
                if suggested is not None:
                    values[name] = suggested
                elif "default" in field:
                    values[name] = field["default"]
                if name in changes:
                    values[name] = changes[name]
            return values

        values = shown(form["data_schema"])
        result = await self.request(
            "POST", f"/api/config/config_entries/options/flow/{form['flow_id']}", values
        )
        if result.get("type") != "create_entry":
            raise SmokeFailure(f"options flow refused {values}: {result}")

    async def entry_state(self, entry_id: str) -> str | None:
        entries = await self.request("GET", f"/api/config/config_entries/entry?domain={DOMAIN}")
        for entry in entries:
            if entry["entry_id"] == entry_id:
                return entry["state"]
        return None

    async def state(self, entity_id: str) -> dict[str, Any] | None:
        async with self.session.get(
            f"{self.base}/api/states/{entity_id}", headers=self._headers()
        ) as resp:
            return await resp.json() if resp.status == 200 else None

    async def call(
        self, domain: str, service: str, data: dict[str, Any], *, response: bool = False
    ) -> Any:
        path = f"/api/services/{domain}/{service}" + ("?return_response" if response else "")
        return await self.request("POST", path, data)


class Websocket:
    """One authenticated websocket connection."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self._id = 0
        self.events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._results: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._reader: asyncio.Task[None] | None = None

    @classmethod
    async def connect(cls, client: HomeAssistantClient) -> Websocket:
        ws = await client.session.ws_connect(f"{client.base}/api/websocket", heartbeat=20)
        if (await ws.receive_json(timeout=STEP_TIMEOUT))["type"] != "auth_required":
            raise SmokeFailure("websocket: no auth_required")
        await ws.send_json({"type": "auth", "access_token": client.token})
        if (answer := await ws.receive_json(timeout=STEP_TIMEOUT))["type"] != "auth_ok":
            raise SmokeFailure(f"websocket auth: {answer}")
        self = cls(ws)
        self._reader = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        async for msg in self.ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                continue
            data = msg.json()
            for item in data if isinstance(data, list) else [data]:
                if item.get("type") == "event":
                    await self.events.put(item["event"])
                elif (future := self._results.pop(item.get("id"), None)) and not future.done():
                    future.set_result(item)

    async def command(self, message: dict[str, Any]) -> Any:
        self._id += 1
        future = asyncio.get_running_loop().create_future()
        self._results[self._id] = future
        await self.ws.send_json({"id": self._id, **message})
        answer = await asyncio.wait_for(future, STEP_TIMEOUT)
        if not answer.get("success"):
            raise SmokeFailure(f"websocket {message['type']}: {answer.get('error')}")
        return answer.get("result")

    async def next_event(self, what: str, match: Callable[[dict[str, Any]], bool]) -> dict:
        deadline = time.monotonic() + STEP_TIMEOUT
        while (left := deadline - time.monotonic()) > 0:
            try:
                event = await asyncio.wait_for(self.events.get(), left)
            except TimeoutError:
                break
            if match(event):
                return event
        raise SmokeFailure(f"no {what} within {STEP_TIMEOUT:.0f} s")

    async def close(self) -> None:
        await self.ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader


# --- the runs -------------------------------------------------------------------------------


async def start_and_configure(
    client: HomeAssistantClient, hass: Child, *, fresh: bool, sim_port: int, api_url: str
) -> str:
    """Wait for Home Assistant, log in (onboarding it first when new); return the entry id."""

    async def http_up() -> bool | None:
        hass.check_alive()
        # Any answer means the server is up (400 before onboarding, 200 after).
        async with client.session.get(f"{client.base}/auth/providers") as resp:
            return True if resp.status < 500 else None

    await wait_for("Home Assistant's HTTP server", http_up, START_TIMEOUT)
    if fresh:
        await client.onboard()
    else:
        await client.login()
    entries = await client.request("GET", f"/api/config/config_entries/entry?domain={DOMAIN}")
    if entries:
        return entries[0]["entry_id"]
    entry_id = await client.add_account(sim_port)
    log("account added through the config flow")
    await client.set_options(
        entry_id,
        {
            "recipients": [DEFAULT_RECIPIENT],
            "backup_host": "",
            "api_password": SMPP_PASSWORD,  # the simulator's account takes it over HTTP too
            "api_url": api_url,
            "http_fallback": True,
            "http_fallback_after": FALLBACK_AFTER,
            "assist_senders": [ASSIST_PHONE],
        },
    )
    log(
        f"options saved (default recipient {DEFAULT_RECIPIENT}, no backup server, HTTP API"
        f" at {api_url} with the fallback after {FALLBACK_AFTER} s, +{ASSIST_PHONE} may talk"
        " to Assist by SMS)"
    )
    return entry_id


async def entity_ids(ws: Websocket, entry_id: str) -> dict[str, list[str]]:
    """The entry's entity ids by platform domain."""
    by_domain: dict[str, list[str]] = {}
    for entity in await ws.command({"type": "config/entity_registry/list"}):
        if entity.get("config_entry_id") == entry_id:
            domain = entity["entity_id"].split(".", 1)[0]
            by_domain.setdefault(domain, []).append(entity["entity_id"])
    return by_domain


async def smoke(client: HomeAssistantClient, control: str, entry_id: str) -> None:
    """Act as a user: send, receive, and see it all in Home Assistant."""
    session = client.session

    async def loaded() -> bool | None:
        state = await client.entry_state(entry_id)
        if state in ("setup_error", "setup_retry", "migration_error", "failed_unload"):
            raise SmokeFailure(f"entry state {state}")
        return True if state == "loaded" else None

    await wait_for("the entry to load", loaded)
    ws = await Websocket.connect(client)
    try:
        entities = await entity_ids(ws, entry_id)
        log(f"entities: {sorted(e for ids in entities.values() for e in ids)}")
        link = next(iter(entities.get("binary_sensor", [])), None)
        if link is None:
            raise SmokeFailure("no Link binary sensor")

        async def bound() -> bool | None:
            state = await client.state(link)
            return True if state and state["state"] == "on" else None

        await wait_for(f"{link} to be on (bound)", bound)
        log(f"{link}: on")

        for event_type in ("smscentre_incoming_sms", "smscentre_delivery_report"):
            await ws.command({"type": "subscribe_events", "event_type": event_type})

        answer = await client.call(
            DOMAIN,
            "send_sms",
            {"recipients": ["+7 999 123-45-67"], "message": "smoke: action"},
            response=True,
        )
        messages = answer["service_response"]["messages"]
        if not messages or messages[0]["recipient"] != "79991234567":
            raise SmokeFailure(f"send_sms response: {answer['service_response']}")
        message_id = messages[0]["message_id"]
        log(f"smscentre.send_sms: {json.dumps(answer['service_response'])}")

        notify = entities.get("notify", [])
        if not notify:
            raise SmokeFailure("no notify entity for the default recipient")
        await client.call(
            "notify", "send_message", {"entity_id": notify[0], "message": "smoke: notify"}
        )
        log(f"notify.send_message to {notify[0]}")

        async def at_simulator() -> dict[str, dict[str, Any]] | None:
            async with session.get(f"{control}/messages") as resp:
                got = {m["text"]: m for m in await resp.json()}
            if {"smoke: action", "smoke: notify"} <= got.keys():
                return got
            return None

        got = await wait_for("both messages at the simulator", at_simulator)
        if got["smoke: action"]["destination"] != "79991234567":
            raise SmokeFailure(f"action SMS went to {got['smoke: action']['destination']}")
        if got["smoke: notify"]["destination"] != "79990000001":
            raise SmokeFailure(f"notify SMS went to {got['smoke: notify']['destination']}")
        if got["smoke: action"]["source"] != "HomeDev":
            raise SmokeFailure(f"sender {got['smoke: action']['source']!r}, not HomeDev")
        log("the simulator received both messages")

        report = await ws.next_event(
            "delivery report for the action's message",
            lambda e: (
                e["event_type"] == "smscentre_delivery_report"
                and e["data"].get("message_id") == message_id
            ),
        )
        if report["data"].get("status") != "delivered":
            raise SmokeFailure(f"delivery report: {report['data']}")
        log(f"smscentre_delivery_report: {json.dumps(report['data'])}")

        answer = await client.call(
            DOMAIN, "query_status", {"message_id": message_id}, response=True
        )
        log(f"smscentre.query_status: {json.dumps(answer['service_response'])}")
        if answer["service_response"].get("state") != "delivered":
            raise SmokeFailure(f"query_status: {answer['service_response']}")

        answer = await client.call(
            DOMAIN, "hlr_lookup", {"recipient": "+7 999 123-45-67", "timeout": 20}, response=True
        )
        log(f"smscentre.hlr_lookup: {json.dumps(answer['service_response'], ensure_ascii=False)}")
        if answer["service_response"].get("phone") != "79991234567":
            raise SmokeFailure(f"hlr_lookup: {answer['service_response']}")

        async with session.post(
            f"{control}/deliver",
            json={"source": "79995556677", "destination": "HomeDev", "text": "smoke: incoming"},
        ) as resp:
            if resp.status != 200:
                raise SmokeFailure(f"simulator /deliver: HTTP {resp.status} {await resp.text()}")
        incoming = await ws.next_event(
            "smscentre_incoming_sms",
            lambda e: (
                e["event_type"] == "smscentre_incoming_sms"
                and e["data"].get("text") == "smoke: incoming"
            ),
        )
        data = incoming["data"]
        if data.get("sender") != "79995556677" or data.get("config_entry_id") != entry_id:
            raise SmokeFailure(f"incoming SMS event: {data}")
        log(f"smscentre_incoming_sms: {json.dumps(data, ensure_ascii=False)}")

        event_entities = entities.get("event", [])

        async def event_entity_fired() -> bool | None:
            for entity_id in event_entities:
                state = await client.state(entity_id)
                if state and state["attributes"].get("event_type") == "sms":
                    return True
            return None

        await wait_for("the Incoming message event entity", event_entity_fired)
        log("incoming message event entity fired")
        await assist_smoke(client, ws, control)
        await smoke_http(client, ws, control, entities)
    finally:
        await ws.close()


async def smoke_http(
    client: HomeAssistantClient, ws: Websocket, control: str, entities: dict[str, list[str]]
) -> None:
    """The account over HTTP: the balance, then one SMS over HTTP while SMPP is refused."""
    session = client.session
    balance = next((e for e in entities.get("sensor", []) if e.endswith("_balance")), None)
    if balance is None:
        raise SmokeFailure("no Balance sensor")

    async def balance_read() -> dict[str, Any] | None:
        state = await client.state(balance)
        return state if state and state["state"] not in ("unknown", "unavailable") else None

    state = await wait_for(f"{balance} to have a value", balance_read)
    if float(state["state"]) != BALANCE or state["attributes"].get("unit_of_measurement") != "RUB":
        raise SmokeFailure(f"{balance}: {state}")
    log(f"{balance}: {state['state']} {state['attributes']['unit_of_measurement']}")
    answer = await client.call(DOMAIN, "get_balance", {}, response=True)
    log(f"smscentre.get_balance: {json.dumps(answer['service_response'])}")
    if answer["service_response"] != {"balance": BALANCE, "currency": "RUB"}:
        raise SmokeFailure(f"get_balance: {answer['service_response']}")

    await ws.command({"type": "subscribe_events", "event_type": "smscentre_http_fallback"})
    for kind in ("refuse_binds", "drop_all"):
        async with session.post(f"{control}/fault", json={"kind": kind}) as resp:
            if resp.status != 200:
                raise SmokeFailure(f"simulator /fault {kind}: HTTP {resp.status}")
    link = entities["binary_sensor"][0]

    async def unbound() -> bool | None:
        state = await client.state(link)
        return True if state and state["state"] == "off" else None

    await wait_for(f"{link} to be off (every bind refused)", unbound)
    log(f"{link}: off, every SMPP bind refused")
    started = time.monotonic()
    answer = await client.call(
        DOMAIN,
        "send_sms",
        {"recipients": ["+7 999 123-45-67"], "message": "smoke: over http"},
        response=True,
    )
    log(f"smscentre.send_sms while SMPP is refused: {json.dumps(answer['service_response'])}")
    event = await ws.next_event(
        "the HTTP fallback to start",
        lambda e: e["event_type"] == "smscentre_http_fallback" and e["data"]["state"] == "started",
    )
    log(
        f"smscentre_http_fallback after {time.monotonic() - started:.1f} s:"
        f" {json.dumps(event['data'])}"
    )

    async def over_http() -> dict[str, Any] | None:
        async with session.get(f"{control}/messages") as resp:
            found = [m for m in await resp.json() if m["text"] == "smoke: over http"]
        return found[0] if found else None

    message = await wait_for("the message at the simulator's HTTP API", over_http)
    if message["via"] != "http" or message["destination"] != "79991234567":
        raise SmokeFailure(f"message over HTTP: {message}")
    log(f"the simulator received it over HTTP: id {message['message_id']}")
    answer = await client.call(
        DOMAIN,
        "send_sms",
        {"recipients": ["+7 999 123-45-68"], "message": "smoke: via http"},
        response=True,
    )
    sent = answer["service_response"]["messages"][0]
    if sent["status"] != "sent" or sent["via"] != "http" or not sent["message_id"]:
        raise SmokeFailure(f"send_sms with the fallback active: {answer['service_response']}")
    log(f"smscentre.send_sms with the fallback active: {json.dumps(sent)}")
    async with session.post(f"{control}/fault", json={"kind": "clear"}) as resp:
        if resp.status != 200:
            raise SmokeFailure(f"simulator /fault clear: HTTP {resp.status}")
    event = await ws.next_event(
        "the HTTP fallback to stop once SMPP binds again",
        lambda e: e["event_type"] == "smscentre_http_fallback" and e["data"]["state"] == "stopped",
    )
    log(f"smscentre_http_fallback: {json.dumps(event['data'])}")
    if event["data"].get("sent") != 2:
        raise SmokeFailure(f"the fallback sent {event['data'].get('sent')} messages, not 2")


async def assist_smoke(client: HomeAssistantClient, ws: Websocket, control: str) -> None:
    """Talk to Assist by SMS: the allowed phone turns the demo light on and asks about it, and
    gets the answers; a stranger's SMS does nothing."""
    session = client.session
    await ws.command({"type": "subscribe_events", "event_type": "smscentre_conversation"})
    await client.call("light", "turn_off", {"entity_id": DEMO_LIGHT})

    async def deliver(source: str, text: str) -> None:
        async with session.post(
            f"{control}/deliver", json={"source": source, "destination": "HomeDev", "text": text}
        ) as resp:
            if resp.status != 200:
                raise SmokeFailure(f"simulator /deliver: HTTP {resp.status} {await resp.text()}")

    async def texts_to(number: str) -> list[str]:
        async with session.get(f"{control}/messages") as resp:
            return [m["text"] for m in await resp.json() if m["destination"] == number]

    # a stranger first: only the usual incoming event
    await deliver(STRANGER_PHONE, "turn on the demo light")
    await ws.next_event(
        "the stranger's incoming SMS",
        lambda e: (
            e["event_type"] == "smscentre_incoming_sms"
            and e["data"].get("sender") == STRANGER_PHONE
        ),
    )
    answers: list[str] = []
    for text, response_type in (
        ("turn on the demo light", "action_done"),
        ("what is the state of the demo light?", "query_answer"),
    ):
        await deliver(ASSIST_PHONE, text)
        event = await ws.next_event(
            f"the conversation {text!r}", lambda e: e["event_type"] == "smscentre_conversation"
        )
        data = event["data"]
        log(f"smscentre_conversation: {json.dumps(data, ensure_ascii=False)}")
        if data.get("sender") != ASSIST_PHONE:
            raise SmokeFailure(f"a conversation with {data.get('sender')}: {data}")
        if data.get("response_type") != response_type or not data.get("replied"):
            raise SmokeFailure(f"the agent answered {text!r} with {data}")
        answers.append(data["reply"])
        state = await client.state(DEMO_LIGHT)
        if not state or state["state"] != "on":
            raise SmokeFailure(f"{DEMO_LIGHT} after {text!r}: {state}")

    async def answered() -> bool | None:
        return True if await texts_to(ASSIST_PHONE) == answers else None

    await wait_for("the answers at the simulator", answered)
    log(f"answers by SMS to +{ASSIST_PHONE}: {answers}")
    if not answers[1].endswith(" on"):
        raise SmokeFailure(f"the state of the demo light answered as {answers[1]!r}")
    if stranger := await texts_to(STRANGER_PHONE):
        raise SmokeFailure(f"the stranger got answers: {stranger}")
    log("the stranger's SMS did nothing")


def integration_errors(config: Path) -> list[str]:
    """ERROR lines (and worse) logged by the integration or its library, and by Home
    Assistant's setup (an integration that failed to set up, e.g. a requirement missing from
    the venv: with --skip-pip it installs none)."""
    path = config / "home-assistant.log"
    if not path.exists():
        return []
    sources = ("[custom_components.smscentre", "[aiosmpplib", "[homeassistant.setup]")
    return [
        line
        for line in path.read_text(errors="replace").splitlines()
        if (" ERROR " in line or " CRITICAL " in line) and any(s in line for s in sources)
    ]


async def run(args: argparse.Namespace) -> int:
    if args.smoke:
        config = Path(tempfile.mkdtemp(prefix="smscentre-smoke-"))
        state = config
        sim_port, control_port, http_port = free_port(), free_port(), free_port()
        api_port = free_port()
    else:
        config = ROOT / "config"
        state = ROOT / ".develop"
        state.mkdir(exist_ok=True)
        if args.reset:
            for item in config.iterdir():
                if item.name != "configuration.yaml":
                    shutil.rmtree(item) if item.is_dir() else item.unlink()
        sim_port, control_port, api_port = free_port(2775), free_port(8775), free_port(8780)
        http_port = args.port
    fresh = prepare_config(config)
    point_entries_at(config, sim_port, f"http://127.0.0.1:{api_port}")

    children: list[Child] = []
    ok = False
    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    try:
        sim = start_simulator(state, sim_port, control_port, api_port)
        children.append(sim)
        control = f"http://127.0.0.1:{control_port}"
        if args.smoke or http_settings_in_storage():
            write_http_config(config, http_port, args.host)
        else:
            log("this Home Assistant reads its HTTP settings from configuration.yaml only:")
            log("it serves on its default port 8123, on every address (--port, --host unused)")
            http_port = 8123
        hass = start_hass(config)
        children.append(hass)
        base = f"http://127.0.0.1:{http_port}"
        timeout = aiohttp.ClientTimeout(total=STEP_TIMEOUT)
        async with aiohttp.ClientSession(timeout=timeout) as session:

            async def sim_up() -> bool | None:
                sim.check_alive()
                async with session.get(f"{control}/stats") as resp:
                    return True if resp.status == 200 else None

            await wait_for("the simulator", sim_up)
            client = HomeAssistantClient(session, base)
            api_url = f"http://127.0.0.1:{api_port}"  # as point_entries_at wrote it
            entry_id = await start_and_configure(
                client, hass, fresh=fresh, sim_port=sim_port, api_url=api_url
            )
            if args.smoke:
                async with asyncio.timeout(SMOKE_TIMEOUT):
                    await smoke(client, control, entry_id)
            else:
                shown = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
                print(
                    f"\nHome Assistant: http://{shown}:{http_port}/"
                    f"  (log in as {OWNER['username']} / {OWNER['password']})\n"
                    f"SMS Center simulator: SMPP 127.0.0.1:{sim_port},"
                    f" login {LOGIN} / {SMPP_PASSWORD}; control API {control};"
                    f" HTTP API {api_url}/sys/ (balance {BALANCE:g} RUB)\n"
                    f"  messages sent:  curl -s {control}/messages\n"
                    f"  incoming SMS:   curl -s {control}/deliver -d "
                    """'{"source": "79995556677", "destination": "HomeDev", "text": "hi"}'\n"""
                    f"  talk to Assist: curl -s {control}/deliver -d "
                    f"""'{{"source": "{ASSIST_PHONE}", "destination": "HomeDev","""
                    """ "text": "turn on the demo light"}'\n"""
                    f"Logs: {config}/home-assistant.log, {state}/smscsim.log."
                    " Ctrl-C stops both.\n",
                    flush=True,
                )
                while True:
                    hass.check_alive()
                    sim.check_alive()
                    await asyncio.sleep(1)
        ok = True
    except SmokeFailure as err:
        log(f"FAILED: {err}")
    except TimeoutError:
        log(f"FAILED: the smoke run took longer than {SMOKE_TIMEOUT:.0f} s")
    except asyncio.CancelledError:
        log("stopping")
        ok = not args.smoke
    finally:
        codes = {child.name: child.stop() for child in reversed(children)}
        if args.smoke:
            if ok and codes.get("hass") != 0:
                log(f"FAILED: hass exit code {codes.get('hass')} after SIGTERM")
                ok = False
            if ok and (errors := integration_errors(config)):
                log("FAILED: errors logged:\n" + "\n".join(errors[:20]))
                ok = False
            if ok:
                shutil.rmtree(config, ignore_errors=True)
            else:
                for child in children:
                    with contextlib.suppress(OSError):
                        tail = child.log_path.read_text(errors="replace").splitlines()[-40:]
                        log(f"last lines of {child.log_path}:\n" + "\n".join(tail))
                log(f"kept {config} for inspection")
    if args.smoke and ok:
        log("smoke passed")
    return 0 if ok else 1


def main() -> None:
    parser = argparse.ArgumentParser(prog="scripts/develop", description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="headless check, then stop")
    parser.add_argument("--port", type=int, default=8123, help="Home Assistant's HTTP port")
    parser.add_argument("--host", default="127.0.0.1", help="address Home Assistant listens on")
    parser.add_argument("--reset", action="store_true", help="start from an empty config/")
    args = parser.parse_args()
    try:
        code = asyncio.run(run(args))
    except KeyboardInterrupt:
        code = 1 if args.smoke else 0
    sys.exit(code)


if __name__ == "__main__":
    main()
