"""The account over HTTP in Home Assistant: options, the Balance sensor, repairs, actions.

Against the simulator's HTTP API over TCP (its account is the SMPP one: myhome / secret).
"""

from __future__ import annotations

import copy
import logging
from typing import Any

from homeassistant.components.repairs import repairs_flow_manager
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smscentre.config_flow import flatten_options, nest_options
from custom_components.smscentre.const import (
    CONF_API_PASSWORD,
    CONF_API_URL,
    CONF_BALANCE_WARNING,
    CONF_HTTP_FALLBACK,
    DOMAIN,
)
from custom_components.smscentre.diagnostics import async_get_config_entry_diagnostics
from smscsim import SmscSimulator

from .conftest import make_entry, setup_entry, unload_entry

PASSWORD = "Xq7-pw9"  # the account's: the simulator takes it over SMPP and HTTP
API_PASSWORD = "Api-S3cret-77"  # one the simulator's HTTP API does not take


@pytest.fixture
def sim_accounts() -> dict[str, str]:
    """One login; its password serves SMPP and the HTTP API."""
    return {"myhome": PASSWORD}


@pytest.fixture
def mock_config_entry(simulator: SmscSimulator, entry_options: dict[str, Any]) -> MockConfigEntry:
    """The account's entry, without the HTTP API."""
    return make_entry(simulator, entry_options, password=PASSWORD)


def api_options(sim: SmscSimulator, **changes: Any) -> dict[str, Any]:
    assert sim.http is not None
    return {CONF_API_PASSWORD: PASSWORD, CONF_API_URL: sim.http.url} | changes


async def setup_with_api(
    hass: HomeAssistant, sim: SmscSimulator, entry_options: dict[str, Any], **changes: Any
) -> MockConfigEntry:
    options = copy.deepcopy(entry_options) | api_options(sim, **changes)
    entry = await setup_entry(hass, make_entry(sim, options, password=PASSWORD))
    await hass.async_block_till_done()
    return entry


def balance_entity(hass: HomeAssistant) -> str:
    entity_id = er.async_get(hass).async_get_entity_id("sensor", DOMAIN, "myhome_balance")
    assert entity_id is not None
    return entity_id


# --- options -----------------------------------------------------------------------------


async def _options_form(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, Any]:
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    return dict(result)


async def test_options_save_after_a_live_check(
    hass: HomeAssistant, simulator: SmscSimulator, init_integration: MockConfigEntry
) -> None:
    """A wrong password, an unreachable or refusing API are explained; the right one saves
    and the entry comes back with the Balance sensor."""
    assert simulator.http is not None
    form = await _options_form(hass, init_integration)
    options = flatten_options(nest_options(dict(init_integration.options)))
    flow_id = form["flow_id"]

    async def submit(**changes: Any) -> dict[str, Any]:
        values = options | {k: v for k, v in changes.items() if v is not None}
        user_input = nest_options({k: v for k, v in values.items() if v is not None})
        return dict(await hass.config_entries.options.async_configure(flow_id, user_input))

    # each over the HTTP API section, which opens with it
    result = await submit(**api_options(simulator, api_password="wrong"))
    assert result["errors"] == {"http_api": "invalid_api_auth"}
    simulator.http.down()
    result = await submit(**api_options(simulator))
    assert result["errors"] == {"http_api": "api_cannot_connect"}
    assert result["description_placeholders"]["error"] == "HTTP 503"
    simulator.http.up()
    simulator.http.fail(6)
    result = await submit(**api_options(simulator))
    assert result["errors"] == {"http_api": "api_error"}
    assert result["description_placeholders"] | {"webhook_url": ""} == {
        "code": "6",
        "error": "message is denied",
        "webhook_url": "",
    }
    result = await submit(**api_options(simulator, api_url="ftp://x"))
    assert result["errors"] == {"http_api": "invalid_api_url"}
    result = await submit(**{CONF_HTTP_FALLBACK: True})
    assert result["errors"] == {"http_api": "api_password_required"}
    # one live request per save with a password (the one answered 503 is not counted)
    assert simulator.http.request_count == 2

    result = await submit(**api_options(simulator, balance_warning=10))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert init_integration.options[CONF_API_PASSWORD] == PASSWORD
    assert init_integration.options[CONF_BALANCE_WARNING] == 10.0
    assert init_integration.state is ConfigEntryState.LOADED
    state = hass.states.get(balance_entity(hass))
    assert state is not None
    assert (state.state, state.attributes["unit_of_measurement"]) == ("100.0", "RUB")
    assert state.attributes["device_class"] == "monetary"


# --- the Balance sensor ------------------------------------------------------------------


async def test_balance_sensor_follows_the_api(
    hass: HomeAssistant, simulator: SmscSimulator, entry_options: dict[str, Any]
) -> None:
    assert simulator.http is not None
    simulator.http.balance = 84.75
    entry = await setup_with_api(hass, simulator, entry_options)
    entity_id = balance_entity(hass)
    assert hass.states.get(entity_id).state == "84.75"  # type: ignore[union-attr]
    account = entry.runtime_data.account
    assert account is not None
    assert account.update_interval is not None
    assert account.update_interval.total_seconds() == 15 * 60

    simulator.http.down()
    await account.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(entity_id).state == STATE_UNAVAILABLE  # type: ignore[union-attr]

    simulator.http.up()
    simulator.http.balance = 12.5
    await account.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(entity_id).state == "12.5"  # type: ignore[union-attr]
    await unload_entry(hass, entry)


async def test_no_password_no_balance(
    hass: HomeAssistant, simulator: SmscSimulator, init_integration: MockConfigEntry
) -> None:
    """Without an API password nothing of the HTTP API exists, and nothing asks it."""
    assert init_integration.runtime_data.account is None
    assert init_integration.runtime_data.fallback is None
    registry = er.async_get(hass)
    assert registry.async_get_entity_id("sensor", DOMAIN, "myhome_balance") is None
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "get_balance", {}, blocking=True, return_response=True
        )
    assert err.value.translation_key == "api_not_configured"
    assert simulator.http is not None
    assert simulator.http.request_count == 0


# --- repairs -----------------------------------------------------------------------------


async def test_low_balance_issue(
    hass: HomeAssistant, simulator: SmscSimulator, entry_options: dict[str, Any]
) -> None:
    assert simulator.http is not None
    simulator.http.balance = 5.0
    entry = await setup_with_api(hass, simulator, entry_options, balance_warning=10.0)
    issues = ir.async_get(hass)
    issue = issues.async_get_issue(DOMAIN, f"low_balance_{entry.entry_id}")
    assert issue is not None
    assert issue.translation_key == "low_balance"
    assert issue.translation_placeholders == {
        "title": "myhome",
        "balance": "5",
        "currency": "RUB",
        "warning": "10",
    }
    simulator.http.balance = 50.0
    response = await hass.services.async_call(
        DOMAIN, "get_balance", {}, blocking=True, return_response=True
    )
    assert response == {"balance": 50.0, "currency": "RUB"}
    assert issues.async_get_issue(DOMAIN, f"low_balance_{entry.entry_id}") is None
    await unload_entry(hass, entry)


async def test_a_refused_api_password_asks_for_a_new_one(
    hass: HomeAssistant,
    simulator: SmscSimulator,
    entry_options: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The API refuses the stored password: a fixable issue; its flow checks the new one,
    stores it and reloads; the sensor comes back."""
    caplog.set_level(logging.DEBUG)
    assert await async_setup_component(hass, "repairs", {})
    entry = await setup_with_api(hass, simulator, entry_options, api_password=API_PASSWORD)
    issue_id = f"api_auth_failed_{entry.entry_id}"
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.is_fixable
    assert hass.states.get(balance_entity(hass)).state == STATE_UNAVAILABLE  # type: ignore[union-attr]
    assert entry.state is ConfigEntryState.LOADED  # SMPP goes on

    manager = repairs_flow_manager(hass)
    assert manager is not None
    # The issue id as the fix request passes it: in the context (2026.10), in the data (2025.12)
    issue = {"issue_id": issue_id}
    result = await manager.async_init(DOMAIN, context=issue, data=issue)
    assert result["type"] is FlowResultType.FORM
    assert result["description_placeholders"] == {"title": "myhome"}
    result = await manager.async_configure(result["flow_id"], {CONF_API_PASSWORD: "still wrong"})
    assert result["errors"] == {"base": "invalid_api_auth"}
    result = await manager.async_configure(result["flow_id"], {CONF_API_PASSWORD: PASSWORD})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options[CONF_API_PASSWORD] == PASSWORD
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    assert hass.states.get(balance_entity(hass)).state == "100.0"  # type: ignore[union-attr]
    assert API_PASSWORD not in caplog.text
    assert PASSWORD not in caplog.text
    await unload_entry(hass, entry)


# --- actions -----------------------------------------------------------------------------


async def test_get_cost(
    hass: HomeAssistant, simulator: SmscSimulator, entry_options: dict[str, Any]
) -> None:
    assert simulator.http is not None
    simulator.http.price = 1.5
    entry = await setup_with_api(hass, simulator, entry_options)

    async def cost(**data: Any) -> Any:
        return await hass.services.async_call(
            DOMAIN, "get_cost", data, blocking=True, return_response=True
        )

    assert await cost(recipients=["+7 999 123-45-67", "79990000000"], message="Привет " * 20) == {
        "cost": 9.0,
        "currency": "RUB",
        "parts": 6,
    }
    assert (await cost(recipients="a@example.org", channel="email", message="x", subject="s"))[
        "parts"
    ] == 1
    assert (await cost(recipients="79991234567", channel="hlr"))["cost"] == 1.5
    for data, key in (
        ({"recipients": "79991234567", "channel": "telegram_code"}, "http_channel_unsupported"),
        ({"recipients": "12", "message": "x"}, "invalid_phone"),
        (
            {"recipients": "79991234567", "channel": "email", "message": "x", "subject": "s"},
            "invalid_email",
        ),
        ({"recipients": "79991234567", "message": ""}, "empty_message"),
    ):
        with pytest.raises(ServiceValidationError) as err:
            await cost(**data)
        assert err.value.translation_key == key
    simulator.http.fail(1)
    with pytest.raises(HomeAssistantError) as failed:
        await cost(recipients="79991234567", message="x")
    assert failed.value.translation_key == "api_error"
    assert simulator.messages() == []
    await unload_entry(hass, entry)


async def test_diagnostics_keep_the_api_password_out(
    hass: HomeAssistant, simulator: SmscSimulator, entry_options: dict[str, Any]
) -> None:
    entry = await setup_with_api(hass, simulator, entry_options, http_fallback=True)
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    assert PASSWORD not in repr(diagnostics)
    assert diagnostics["entry"]["options"][CONF_API_PASSWORD] == "**REDACTED**"
    http = diagnostics["runtime"]["http_api"]
    assert (http["balance"], http["currency"], http["api"]["requests"]) == (100.0, "RUB", 1)
    fallback = diagnostics["runtime"]["http_fallback"]
    assert (fallback["smpp_bound"], fallback["active"], fallback["sent"]) == (True, False, 0)
    assert "telegram_code" not in fallback["channels"]
    await unload_entry(hass, entry)
