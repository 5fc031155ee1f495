"""Notify entities and the legacy notify service, checked at the SMSC simulator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from homeassistant.components.notify import (
    ATTR_MESSAGE,
    ATTR_TITLE,
    DOMAIN as NOTIFY_DOMAIN,
    SERVICE_SEND_MESSAGE,
)
from homeassistant.components.notify.legacy import NOTIFY_SERVICES
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smscentre.const import CONF_RECIPIENTS, DOMAIN
from custom_components.smscentre.legacy_notify import SmscNotificationService, async_get_service
from smscsim import SmscSimulator

from .conftest import LOGIN, EntryFactory, unload_entry

LEGACY = f"{DOMAIN}_{LOGIN}"
TRANSLATIONS = Path(__file__).parent.parent / "custom_components" / DOMAIN / "translations"


@pytest.fixture
def entry_options(entry_options: dict[str, Any]) -> dict[str, Any]:
    """Two default recipients (one written with spaces, one twice, one unusable)."""
    entry_options[CONF_RECIPIENTS] = [
        "+7 999 123-45-67",
        "79997654321",
        "+79991234567",
        "not a number",
    ]
    return entry_options


def notify_entities(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, str]:
    """unique_id -> entity_id of the entry's notify entities."""
    registry = er.async_get(hass)
    return {
        e.unique_id: e.entity_id
        for e in er.async_entries_for_config_entry(registry, entry.entry_id)
        if e.domain == NOTIFY_DOMAIN
    }


# --- entities -----------------------------------------------------------------------------


async def test_one_entity_per_recipient(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Distinct usable default recipients get one entity each, unique id login_notify_number."""
    entities = notify_entities(hass, init_integration)
    assert set(entities) == {f"{LOGIN}_notify_79991234567", f"{LOGIN}_notify_79997654321"}
    registry = er.async_get(hass)
    for entity_id in entities.values():
        entry = registry.async_get(entity_id)
        assert entry is not None
        assert entry.translation_key == "sms_to"
        assert entry.device_id is not None
        assert hass.states.get(entity_id).state == STATE_UNKNOWN


async def test_entity_name(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    """The entity is named after its number."""
    entity_id = notify_entities(hass, init_integration)[f"{LOGIN}_notify_79991234567"]
    state = hass.states.get(entity_id)
    assert state.attributes["friendly_name"] == f"SMS Center {LOGIN} SMS to +79991234567"


async def test_entity_sends_sms(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: SmscSimulator
) -> None:
    """notify.send_message sends an SMS to the entity's number; a title comes first."""
    entities = notify_entities(hass, init_integration)
    first = entities[f"{LOGIN}_notify_79991234567"]
    second = entities[f"{LOGIN}_notify_79997654321"]

    await hass.services.async_call(
        NOTIFY_DOMAIN,
        SERVICE_SEND_MESSAGE,
        {ATTR_ENTITY_ID: first, ATTR_MESSAGE: "Door open"},
        blocking=True,
    )
    await hass.services.async_call(
        NOTIFY_DOMAIN,
        SERVICE_SEND_MESSAGE,
        {ATTR_ENTITY_ID: second, ATTR_MESSAGE: "Дверь открыта", ATTR_TITLE: "Дом"},
        blocking=True,
    )

    assert [(s.destination_addr, s.text, s.data_coding) for s in simulator.accepted] == [
        ("79991234567", "Door open", 0),
        ("79997654321", "Дом\nДверь открыта", 8),  # noqa: RUF001
    ]
    assert hass.states.get(first).state != STATE_UNKNOWN  # the time of the last message


async def test_entity_refuses_channel_text(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: SmscSimulator
) -> None:
    """A notification cannot smuggle in another channel."""
    entity_id = notify_entities(hass, init_integration)[f"{LOGIN}_notify_79991234567"]
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            NOTIFY_DOMAIN,
            SERVICE_SEND_MESSAGE,
            {ATTR_ENTITY_ID: entity_id, ATTR_MESSAGE: "__CALL__: hi"},
            blocking=True,
        )
    assert err.value.translation_key == "text_looks_like_channel"
    assert simulator.submits == []


async def test_no_recipients_no_entities(
    hass: HomeAssistant, simulator: SmscSimulator, entry_factory: EntryFactory
) -> None:
    """Without default recipients there is no notify entity."""
    entry = await entry_factory(recipients=[])
    assert notify_entities(hass, entry) == {}


# --- legacy service -----------------------------------------------------------------------


async def legacy(hass: HomeAssistant, data: dict[str, Any]) -> None:
    """Call notify.smscentre_<login>."""
    await hass.services.async_call(NOTIFY_DOMAIN, LEGACY, data, blocking=True)


async def test_legacy_service_defaults(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: SmscSimulator
) -> None:
    """Without a target it sends an SMS to every default recipient."""
    assert hass.services.has_service(NOTIFY_DOMAIN, LEGACY)
    await legacy(hass, {"message": "Water leak", "title": "Alarm"})
    assert [(s.destination_addr, s.text) for s in simulator.accepted] == [
        ("79991234567", "Alarm\nWater leak"),
        ("79997654321", "Alarm\nWater leak"),
    ]


@pytest.mark.parametrize(
    ("data", "destination", "text"),
    [
        ({"target": ["+7 999 000-11-22"]}, "79990001122", "Hi"),
        (
            {"target": "+7 999 000-11-22", "data": {"comment": "note", "priority": "urgent"}},
            "79990001122",
            "Hi\n~~~\nnote",
        ),
        (
            {"target": ["+7 999 000-11-22"], "data": {"channel": "call", "voice": "m"}},
            "79990001122",
            "__CALL__: Hi\nvoice:m",
        ),
        (
            {"target": ["+7 999 000-11-22"], "data": {"channel": "viber"}},
            "79990001122",
            "__VIBER__: Hi",
        ),
        (
            {"target": ["+7 999 000-11-22"], "data": {"channel": "social"}},
            "79990001122",
            "__SOC__: Hi",
        ),
        (
            {"target": ["+7 999 000-11-22"], "data": {"channel": "bot", "bot": "@home_bot"}},
            "79990001122",
            "__BOT__: Hi\nbot:@home_bot",
        ),
        (
            {"target": ["me@example.com"], "title": "Report", "data": {"channel": "email"}},
            "me@example.com",
            "__MAIL__: Hi\nsubj:Report",
        ),
        (
            {
                "target": ["me@example.com"],
                "data": {"channel": "email", "subject": "Subj"},
            },
            "me@example.com",
            "__MAIL__: Hi\nsubj:Subj",
        ),
    ],
)
async def test_legacy_service_channels(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: SmscSimulator,
    data: dict[str, Any],
    destination: str,
    text: str,
) -> None:
    """target and data.channel with that channel's fields."""
    await legacy(hass, {"message": "Hi", **data})
    (submit,) = simulator.accepted
    assert (submit.destination_addr, submit.text) == (destination, text)


async def test_legacy_telegram_code_and_flash(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: SmscSimulator
) -> None:
    """The message is the Telegram code; flash and sender apply to SMS."""
    await legacy(
        hass,
        {"message": "4321", "target": ["+79990001122"], "data": {"channel": "telegram_code"}},
    )
    await legacy(
        hass,
        {
            "message": "Flash",
            "target": ["+79990001122"],
            "data": {"flash": True, "sender": "MyHome"},
        },
    )
    first, second = simulator.accepted
    assert first.text == "__TGM__: 4321"
    assert (second.text, second.data_coding, second.source_addr) == ("Flash", 0x10, "MyHome")


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"message": "x", "data": {"channel": "fax"}}, "invalid_channel"),
        ({"message": "x", "data": {"channel": "hlr"}}, "invalid_channel"),
        ({"message": "x", "data": {"priority": "high"}}, "invalid_priority"),
        ({"message": "x", "data": {"unknown": 1}}, "invalid_notify_data"),
        ({"message": "x", "data": {"channel": "call", "voice": "zz"}}, "invalid_voice"),
        ({"message": "x", "data": {"channel": "email"}}, "invalid_email"),
        ({"message": "x", "target": ["123"]}, "invalid_phone"),
        ({"message": "__PING__"}, "text_looks_like_channel"),
    ],
)
async def test_legacy_refused(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: SmscSimulator,
    data: dict[str, Any],
    key: str,
) -> None:
    """Bad data raises a translated error and sends nothing."""
    with pytest.raises(ServiceValidationError) as err:
        await legacy(hass, data)
    assert err.value.translation_domain == DOMAIN
    assert err.value.translation_key == key
    assert simulator.submits == []


async def test_legacy_service_follows_the_entry(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: SmscSimulator
) -> None:
    """Unloading removes the service; reloading brings back exactly one."""
    await unload_entry(hass, init_integration)
    assert not hass.services.has_service(NOTIFY_DOMAIN, LEGACY)
    assert not hass.data[NOTIFY_SERVICES].get(DOMAIN)

    assert await hass.config_entries.async_setup(init_integration.entry_id)
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.LOADED
    assert hass.services.has_service(NOTIFY_DOMAIN, LEGACY)
    assert len(hass.data[NOTIFY_SERVICES][DOMAIN]) == 1

    await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert hass.services.has_service(NOTIFY_DOMAIN, LEGACY)
    assert len(hass.data[NOTIFY_SERVICES][DOMAIN]) == 1

    await legacy(hass, {"message": "after reload", "target": ["+79990001122"]})
    assert simulator.accepted[-1].text == "after reload"


@pytest.fixture
def sim_accounts() -> dict[str, str]:
    """Two logins."""
    return {LOGIN: "secret", "Office.Main": "pass2"}


async def test_legacy_service_per_entry(
    hass: HomeAssistant, simulator: SmscSimulator, entry_factory: EntryFactory
) -> None:
    """Each account has its own service, named after its login (slugified)."""
    await entry_factory()
    office = await entry_factory(login="Office.Main", recipients=["+7 999 555-55-55"])
    assert hass.services.has_service(NOTIFY_DOMAIN, LEGACY)
    assert hass.services.has_service(NOTIFY_DOMAIN, "smscentre_office_main")

    await legacy(hass, {"message": "home", "target": ["+79990001122"]})
    await hass.services.async_call(
        NOTIFY_DOMAIN, "smscentre_office_main", {"message": "office"}, blocking=True
    )
    assert [(s.system_id, s.destination_addr, s.text) for s in simulator.accepted] == [
        (LOGIN, "79990001122", "home"),
        ("Office.Main", "79995555555", "office"),
    ]

    await unload_entry(hass, office)
    assert not hass.services.has_service(NOTIFY_DOMAIN, "smscentre_office_main")
    assert hass.services.has_service(NOTIFY_DOMAIN, LEGACY)


async def test_legacy_without_discovery(hass: HomeAssistant) -> None:
    """notify: platform smscentre in YAML sets nothing up."""
    assert await async_get_service(hass, {}, None) is None
    assert await async_get_service(hass, {}, {"entry_id": "missing"}) is None


async def test_legacy_service_after_unload(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: SmscSimulator
) -> None:
    """A service object kept past its entry's unload refuses to send and never registers."""
    service = SmscNotificationService(init_integration)
    await service.async_remove()  # before the notify integration set it up: nothing to do
    await unload_entry(hass, init_integration)

    with pytest.raises(ServiceValidationError) as err:
        await service.async_send_message("late")
    assert err.value.translation_key == "entry_not_loaded"

    await service.async_setup(hass, "smscentre_late", "smscentre_late")
    await service.async_register_services()
    assert not hass.services.has_service(NOTIFY_DOMAIN, "smscentre_late")
    assert simulator.submits == []


async def test_removed_recipient_loses_its_entity(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Taking a number out of the default recipients removes its notify entity."""
    registry = er.async_get(hass)
    before = {
        e.unique_id
        for e in er.async_entries_for_config_entry(registry, init_integration.entry_id)
        if e.domain == "notify"
    }
    assert f"{LOGIN}_notify_79991234567" in before
    hass.config_entries.async_update_entry(
        init_integration,
        options={**init_integration.options, "recipients": ["79997654321"]},
    )
    await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    after = {
        e.unique_id
        for e in er.async_entries_for_config_entry(registry, init_integration.entry_id)
        if e.domain == "notify"
    }
    assert after == {f"{LOGIN}_notify_79997654321"}
