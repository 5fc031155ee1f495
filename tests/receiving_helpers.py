"""Helpers and fixtures of the receiving tests (event entities, webhook, end to end).

Kept out of tests/conftest.py so that parallel work there merges cleanly; test modules import
the fixtures they use from here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
import hashlib
from http import HTTPStatus
from typing import Any
from urllib.parse import urlencode
import zlib

from aiohttp.test_utils import TestClient
from homeassistant.const import (
    CONF_HOST,
    CONF_PASSWORD,
    CONF_PORT,
    CONF_SSL,
    CONF_USERNAME,
    CONF_VERIFY_SSL,
    CONF_WEBHOOK_ID,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smscentre.const import (
    CONF_BACKUP_HOST,
    CONF_WEBHOOK_ENABLED,
    CONF_WEBHOOK_HASH,
    CONF_WEBHOOK_SECRET,
    DEFAULT_OPTIONS,
    DOMAIN,
)
from smscsim import SmscSimulator

USERNAME = "test"
PASSWORD = "Pw7#xQ2z"
WEBHOOK_ID = "4f2a9c0e1b7d4e6a8c3f5a7b9d1e3f50"
SECRET = "Home-Secret_42"


@pytest.fixture
async def sim(socket_enabled: None) -> AsyncIterator[SmscSimulator]:
    """A running SMSC simulator with the test account (real TCP on 127.0.0.1)."""
    server = SmscSimulator(accounts={USERNAME: PASSWORD}, duplicate_window=0)
    await server.start()
    yield server
    await server.stop()


def make_entry(
    sim: SmscSimulator,
    *,
    options: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
) -> MockConfigEntry:
    """An entry bound to the simulator, no failover host; options on top of the defaults."""
    entry_data: dict[str, Any] = {
        CONF_USERNAME: USERNAME,
        CONF_PASSWORD: PASSWORD,
        CONF_HOST: sim.host,
        CONF_PORT: sim.port,
        CONF_SSL: False,
        CONF_VERIFY_SSL: True,
        CONF_WEBHOOK_ID: WEBHOOK_ID,
    }
    entry_data.update(data or {})
    entry_options = {**DEFAULT_OPTIONS, CONF_BACKUP_HOST: ""}
    entry_options.update(options or {})
    return MockConfigEntry(
        domain=DOMAIN,
        title=USERNAME,
        unique_id=USERNAME,
        data=entry_data,
        options=entry_options,
    )


def webhook_options(secret: str = SECRET, hash_kind: str = "md5") -> dict[str, Any]:
    """Options turning the webhook on."""
    return {
        CONF_WEBHOOK_ENABLED: True,
        CONF_WEBHOOK_SECRET: secret,
        CONF_WEBHOOK_HASH: hash_kind,
    }


async def setup_entry(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Add and set up an entry, waiting for its platforms."""
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


def entity_id(hass: HomeAssistant, key: str) -> str:
    """The entity id of the entry's entity with this key (independent of translations)."""
    registry = er.async_get(hass)
    found = registry.async_get_entity_id("event", DOMAIN, f"{USERNAME}_{key}")
    assert found is not None, key
    return found


def sign(text: str, secret: str, hash_kind: str, encoding: str = "utf-8") -> str:
    """What the provider sends: the hash of `<fields joined by :>:<secret>`."""
    data = f"{text}:{secret}".encode(encoding)
    if hash_kind == "md5":
        return hashlib.md5(data).hexdigest()
    if hash_kind == "sha1":
        return hashlib.sha1(data).hexdigest()
    return str(zlib.crc32(data))


async def post_incoming_sms(client: TestClient, phone: str, text: str, **fields: str) -> None:
    """An incoming SMS posted to the webhook as the provider does (a form, UTF-8, MD5-signed
    with SECRET), accepted; ``fields`` add to or replace the provider's."""
    form = {
        "id": "777",
        "phone": phone,
        "mes": text,
        "to": "79037000000",
        "sent": "1741167000",
        "time": "1741167005",
        **fields,
    }
    form["md5"] = sign(f"{form['phone']}:{form['mes']}:{form['to']}", SECRET, "md5")
    resp = await client.post(
        f"/api/webhook/{WEBHOOK_ID}",
        data=urlencode(form).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    assert resp.status == HTTPStatus.OK


async def deliver_sms(
    hass: HomeAssistant,
    sim: SmscSimulator,
    text: str,
    source: str = "79990001122",
) -> None:
    """An incoming SMS from the simulator through the real link (in 153-character parts when
    longer than one), answered and handled by Home Assistant."""
    if len(text) > 160:
        sequences = await sim.deliver_long(
            source=source, destination="79037000000", text=text, per_part=153
        )
    else:
        sequences = [await sim.deliver_sm(source=source, destination="79037000000", text=text)]
    await sim.wait_for(lambda s: all(seq in s.deliver_responses for seq in sequences))
    await hass.async_block_till_done()
