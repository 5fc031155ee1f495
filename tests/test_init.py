"""Setup, availability, reauth, unload and persistence of an entry, against the simulator."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import gc
import logging
import time
from typing import Any

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

import custom_components.smscentre as integration
from custom_components.smscentre.const import DOMAIN
from custom_components.smscentre.diagnostics import async_get_config_entry_diagnostics
from custom_components.smscentre.smsc.channels import Channel
from custom_components.smscentre.smsc.redact import SecretFilter
from custom_components.smscentre.smsc.smpp.link import LinkState
from smscsim import SmscSimulator

PASSWORD = "Zq9!pass"
LINK = "binary_sensor.sms_center_test_link"


@pytest.fixture(autouse=True)
def _allow_sockets(socket_enabled: None) -> None:
    """The simulator listens on 127.0.0.1."""


@pytest.fixture
async def sim() -> AsyncIterator[SmscSimulator]:
    """A running simulator."""
    server = SmscSimulator(accounts={"test": PASSWORD})
    await server.start()
    yield server
    await server.stop()


def make_entry(sim: SmscSimulator, **options: Any) -> MockConfigEntry:
    """An entry pointing at the simulator, with fast keepalive."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="SMS Center (test)",
        unique_id="test",
        data={
            "username": "test",
            "password": PASSWORD,
            "host": sim.host,
            "port": sim.port,
            "ssl": False,
            "verify_ssl": True,
            "sender": "",
            "webhook_id": "abc123",
        },
        options={"backup_host": "", "enquire_link_interval": 5, "throughput": 1000} | options,
    )


async def wait_state(hass: HomeAssistant, entity_id: str, state: str, timeout: float = 5) -> None:
    """Wait until an entity has a state (event driven through the state machine)."""
    async with asyncio.timeout(timeout):
        while (current := hass.states.get(entity_id)) is None or current.state != state:
            await asyncio.sleep(0.02)


async def test_setup_binds_and_shows_entities(hass: HomeAssistant, sim: SmscSimulator) -> None:
    """A loaded entry is bound; the Link sensor is on, the counters are zero."""
    entry = make_entry(sim)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert [s.mode for s in sim.sessions] == ["transceiver"]
    link = hass.states.get(LINK)
    assert link.state == STATE_ON
    assert link.attributes["server"] == f"{sim.host}:{sim.port}"
    assert link.attributes["bind_mode"] == "transceiver"
    for key in ("queued_messages", "sent_messages", "failed_messages"):
        assert hass.states.get(f"sensor.sms_center_test_{key}").state == "0"


async def test_link_sensor_follows_drops(hass: HomeAssistant, sim: SmscSimulator) -> None:
    """Off when the link drops, on again once re-bound."""
    entry = make_entry(sim)
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    seen: list[str] = []
    hass.bus.async_listen(
        "state_changed",
        lambda event: (
            seen.append(event.data["new_state"].state) if event.data["entity_id"] == LINK else None
        ),
    )
    sim.refuse_binds(0x08, duration=0.5)
    sim.drop_all()
    await wait_state(hass, LINK, STATE_OFF)
    await wait_state(hass, LINK, STATE_ON, timeout=10)
    await hass.async_block_till_done()  # the listener runs after the state machine changed
    assert seen[0] == STATE_OFF
    assert seen[-1] == STATE_ON


async def test_wrong_password_starts_reauth(hass: HomeAssistant, sim: SmscSimulator) -> None:
    """A refused password at setup is an auth failure: reauth flow, no retry loop."""
    sim.accounts["test"] = "other"
    entry = make_entry(sim)
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [f["context"]["source"] for f in flows] == [SOURCE_REAUTH]


async def test_password_changed_at_runtime_starts_reauth(
    hass: HomeAssistant, sim: SmscSimulator
) -> None:
    """The link asks for the password when the server starts refusing it."""
    entry = make_entry(sim)
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    sim.accounts["test"] = "other"
    sim.drop_all()
    await wait_state(hass, LINK, STATE_OFF)
    async with asyncio.timeout(5):
        while not hass.config_entries.flow.async_progress_by_handler(DOMAIN):
            await asyncio.sleep(0.02)
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flows[0]["context"]["source"] == SOURCE_REAUTH


async def test_unreachable_loads_and_queues(hass: HomeAssistant, sim: SmscSimulator) -> None:
    """Nothing listening: the entry loads (Link off) and an action queues its message."""
    entry = make_entry(sim)
    entry.add_to_hass(hass)
    await sim.stop()
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert hass.states.get(LINK).state == STATE_OFF
    assert entry.runtime_data.link.status.last_error == "cannot_connect"
    result = await hass.services.async_call(
        DOMAIN,
        "send_sms",
        {"recipients": ["79991234567"], "message": "Queued at start"},
        blocking=True,
        return_response=True,
    )
    assert result["messages"][0]["status"] == "queued"
    assert entry.runtime_data.outbox.queued == 1


async def test_setup_does_not_wait_for_a_server_that_never_answers(
    hass: HomeAssistant, sim: SmscSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server accepts TCP and never answers the bind (10 s response timeout): setup goes
    on after its own bound, the bind still in progress; unloading then ends it at once."""
    monkeypatch.setattr(integration, "FIRST_BIND_WAIT", 0.3)
    sim.hang(None)
    entry = make_entry(sim)
    entry.add_to_hass(hass)
    started = time.monotonic()
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert time.monotonic() - started < 5
    assert entry.state is ConfigEntryState.LOADED
    status = entry.runtime_data.link.status
    assert (status.state, status.last_error) == (LinkState.CONNECTING, None)
    started = time.monotonic()
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert time.monotonic() - started < 2
    assert not [t for t in asyncio.all_tasks() if t.get_name().startswith("smscentre")]


async def test_unload_unbinds_and_leaves_nothing(hass: HomeAssistant, sim: SmscSimulator) -> None:
    """Unload: UNBIND sent, socket closed, no task of ours left."""
    entry = make_entry(sim)
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.NOT_LOADED
    await sim.wait_for(lambda s: not s.connections)
    assert "unbind" in sim.closed_sessions[-1].close_reason
    assert not [t for t in asyncio.all_tasks() if t.get_name().startswith("smscentre")]


async def set_up_with_link_down(
    hass: HomeAssistant, sim: SmscSimulator
) -> tuple[MockConfigEntry, Any]:
    """Set up an entry, then take the link down (binds refused); (entry, runtime)."""
    entry = make_entry(sim)
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    sim.refuse_binds(0x08)
    sim.drop_all()
    await wait_state(hass, LINK, STATE_OFF)
    return entry, entry.runtime_data


async def test_queued_messages_survive_a_restart(hass: HomeAssistant, sim: SmscSimulator) -> None:
    """Messages queued while the link is down are saved on stop and sent once after."""
    entry, runtime = await set_up_with_link_down(hass, sim)
    numbers = [f"7999100{i:04d}" for i in range(25)]
    # the link is down: the action answers "queued" at once instead of waiting 30 s for ids
    async with asyncio.timeout(2):
        result = await runtime.sending.async_send(Channel.SMS, numbers, {"message": "Restart me"})
    assert {m["status"] for m in result["messages"]} == {"queued"}
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert not sim.accepted

    sim.clear_faults()
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await sim.wait_for(lambda s: len(s.accepted) == 25, timeout=10)
    await asyncio.sleep(0.2)
    assert sorted(s.destination_addr for s in sim.accepted) == numbers
    assert sim.count_text("Restart me") == 25
    await wait_state(hass, "sensor.sms_center_test_sent_messages", "25", timeout=5)


async def test_a_backlog_holds_no_object_the_garbage_collector_tracks(
    hass: HomeAssistant, sim: SmscSimulator
) -> None:
    """10,000 queued messages add no object the cyclic garbage collector tracks.

    Each such object of a backlog would survive into the oldest generation, and every 25%
    growth there sets off a full collection: a pass over the whole Home Assistant heap, which
    made the send rate fall with the backlog. Queued messages are tuples of strings, numbers
    and bytes, which the collector stops tracking.
    """
    _, runtime = await set_up_with_link_down(hass, sim)
    gc.collect()
    gc.collect()
    before = len(gc.get_objects())
    for batch in range(10):
        numbers = [f"7998{batch:03d}{i:04d}" for i in range(1000)]
        await runtime.sending.async_send(Channel.SMS, numbers, {"message": f"backlog {batch}"})
    assert runtime.outbox.queued == 10_000
    gc.collect()
    gc.collect()
    grown = len(gc.get_objects()) - before
    assert grown < 1_000, grown  # an object per message would be 10,000


async def test_the_password_is_masked_in_every_module_log(
    hass: HomeAssistant, sim: SmscSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    """Whatever module of ours (or aiosmpplib) logs the password, it shows masked; the masks
    go with the entry."""
    entry = make_entry(sim)
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    names = [
        "custom_components.smscentre",
        "custom_components.smscentre.runtime",
        "custom_components.smscentre.webhook",
        "custom_components.smscentre.smsc.smpp.link",
        "aiosmpplib",
    ]
    for name in names:
        logging.getLogger(name).warning("bind as test with %s refused", PASSWORD)
    assert PASSWORD not in caplog.text
    assert caplog.text.count("bind as test with **REDACTED** refused") == len(names)
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    for name in names:
        assert not [f for f in logging.getLogger(name).filters if isinstance(f, SecretFilter)]


async def test_diagnostics_redact_secrets(hass: HomeAssistant, sim: SmscSimulator) -> None:
    """Password, login and numbers never reach diagnostics."""
    entry = make_entry(
        sim, recipients=["79991234567"], assist_senders=["79997654321"], assist_pin="Pin4711"
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    text = repr(diagnostics)
    assert PASSWORD not in text
    assert "79991234567" not in text
    assert "79997654321" not in text
    assert "Pin4711" not in text
    assert "'test'" not in text
    assert diagnostics["runtime"]["link"]["state"] == "bound"
    assert diagnostics["entry"]["data"]["password"] == "**REDACTED**"
    # the runtime shows up in Home Assistant's own messages (lingering timers, errors)
    assert PASSWORD not in repr(entry.runtime_data)


async def test_overlong_stored_password_asks_for_a_new_one(
    hass: HomeAssistant, sim: SmscSimulator
) -> None:
    """A hand-edited password over SMPP's 8 characters: reauth, not a crash."""
    entry = make_entry(sim)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, data=entry.data | {"password": "123456789"})
    assert not await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [f["context"]["source"] for f in flows] == [SOURCE_REAUTH]
    assert not sim.binds


async def test_removing_the_entry_deletes_its_files(
    hass: HomeAssistant, sim: SmscSimulator, hass_storage: dict[str, Any]
) -> None:
    """Removing an account leaves no outbox, sent map or webhook file behind."""
    entry = make_entry(sim)
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await entry.runtime_data.sending.async_send(Channel.SMS, ["79990001122"], {"message": "bye"})
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    keys = {f"{DOMAIN}.{entry.entry_id}.{suffix}" for suffix in ("outbox", "sent")}
    assert keys <= set(hass_storage)
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert not [key for key in hass_storage if entry.entry_id in key]


async def test_an_entry_of_a_newer_release_is_not_set_up(
    hass: HomeAssistant, sim: SmscSimulator
) -> None:
    """Version 2 is not one this release can read: migration fails, nothing binds."""
    entry = make_entry(sim)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, version=2)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.MIGRATION_ERROR
    assert not sim.binds


async def test_migration_keeps_a_webhook_id_and_raises_the_minor_version(
    hass: HomeAssistant, sim: SmscSimulator
) -> None:
    """1.1 -> 1.2 keeps an existing webhook id."""
    entry = make_entry(sim)
    entry.add_to_hass(hass)
    assert entry.minor_version == 1
    assert await hass.config_entries.async_setup(entry.entry_id)
    assert entry.minor_version == 2
    assert entry.data["webhook_id"] == "abc123"


async def test_diagnostics_show_the_webhook_without_its_address(
    hass: HomeAssistant, sim: SmscSimulator
) -> None:
    """An enabled webhook shows how it checks requests, never its id or secret."""
    entry = make_entry(sim, webhook_enabled=True, webhook_secret="s3cret-value")
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    assert diagnostics["runtime"]["webhook"] == {
        "hash": "md5",
        "signed": True,
        "handled_requests": 0,
    }
    assert "abc123" not in repr(diagnostics)
    assert "s3cret-value" not in repr(diagnostics)
