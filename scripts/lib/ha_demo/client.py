"""Home Assistant's REST API as the frontend uses it: login and onboarding, config and options
flows, config entries, states and actions."""

from __future__ import annotations

import json
from typing import Any, cast

import aiohttp

from .common import DemoError


class HomeAssistantClient:
    """One user's REST calls, with the token the login gave."""

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
                raise DemoError(f"{method} {path}: HTTP {resp.status}: {text[:500]}")
            return json.loads(text) if text else None

    async def http_up(self) -> bool:
        """Whether the HTTP server answers at all (400 before onboarding, 200 after)."""
        async with self.session.get(f"{self.base}/auth/providers") as resp:
            return resp.status < 500

    async def onboard(self, name: str, username: str, password: str) -> None:
        """Create the owner and log in with it."""
        answer = await self.request(
            "POST",
            "/api/onboarding/users",
            {
                "name": name,
                "username": username,
                "password": password,
                "client_id": self.client_id,
                "language": "en",
            },
        )
        await self.login_with_code(answer["auth_code"])

    async def login_with_code(self, code: str) -> None:
        form = {"grant_type": "authorization_code", "code": code, "client_id": self.client_id}
        async with self.session.post(f"{self.base}/auth/token", data=form) as resp:
            if resp.status != 200:
                raise DemoError(f"token: HTTP {resp.status}: {await resp.text()}")
            self.token = (await resp.json())["access_token"]

    async def login(self, username: str, password: str) -> None:
        """Log a user in through the login flow (a later run, already onboarded)."""
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
            {"client_id": self.client_id, "username": username, "password": password},
        )
        if answer.get("type") != "create_entry":
            raise DemoError(f"login refused: {answer}")
        await self.login_with_code(answer["result"])

    async def add_entry(self, domain: str, user_input: dict[str, Any]) -> str:
        """Fill in the config flow's user step with `user_input`; return the new entry's id."""
        form = await self.request("POST", "/api/config/config_entries/flow", {"handler": domain})
        if form.get("type") != "form" or form.get("step_id") != "user":
            raise DemoError(f"config flow did not show the user step: {form}")
        result = await self.request(
            "POST", f"/api/config/config_entries/flow/{form['flow_id']}", user_input
        )
        if result.get("type") != "create_entry":
            raise DemoError(f"config flow did not create the entry: {result}")
        return cast(str, result["result"]["entry_id"])

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
            raise DemoError(f"options flow refused {values}: {result}")

    async def entries(self, domain: str) -> list[dict[str, Any]]:
        """The config entries of `domain`, as the integrations page lists them."""
        path = f"/api/config/config_entries/entry?domain={domain}"
        return cast(list[dict[str, Any]], await self.request("GET", path))

    async def entry_state(self, domain: str, entry_id: str) -> str | None:
        for entry in await self.entries(domain):
            if entry["entry_id"] == entry_id:
                return cast(str, entry["state"])
        return None

    async def state(self, entity_id: str) -> dict[str, Any] | None:
        async with self.session.get(
            f"{self.base}/api/states/{entity_id}", headers=self._headers()
        ) as resp:
            return cast(dict[str, Any], await resp.json()) if resp.status == 200 else None

    async def call(
        self, domain: str, service: str, data: dict[str, Any], *, response: bool = False
    ) -> Any:
        """An action; with `response`, its response (``service_response``) is asked for."""
        path = f"/api/services/{domain}/{service}" + ("?return_response" if response else "")
        return await self.request("POST", path, data)
