"""Tests of the SMS Center config flow (user, reauth, reconfigure) and options flow."""

from __future__ import annotations

from collections.abc import Generator
import copy
import json
from pathlib import Path
import re
import string
from typing import Any
from unittest.mock import AsyncMock, patch

from homeassistant.components import cloud
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
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
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.data_entry_flow import FlowResult, FlowResultType, section
from homeassistant.helpers.data_entry_flow import _BaseFlowManagerView
from homeassistant.util.ssl import client_context, client_context_no_verify
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import voluptuous as vol

from custom_components.smscentre import config_flow, flow_schema
from custom_components.smscentre.const import (
    CONF_API_PASSWORD,
    CONF_API_URL,
    CONF_ASSIST_AGENT,
    CONF_ASSIST_PIN,
    CONF_ASSIST_REPLIES_PER_HOUR,
    CONF_ASSIST_REPLY_PARTS,
    CONF_ASSIST_SENDERS,
    CONF_BACKUP_HOST,
    CONF_BACKUP_PORT,
    CONF_BALANCE_INTERVAL,
    CONF_BALANCE_WARNING,
    CONF_BIND_MODE,
    CONF_CONNECTIONS,
    CONF_ENQUIRE_LINK_INTERVAL,
    CONF_HTTP_FALLBACK,
    CONF_HTTP_FALLBACK_AFTER,
    CONF_ISO,
    CONF_MAX_PARTS,
    CONF_RECIPIENTS,
    CONF_REGISTERED_DELIVERY,
    CONF_SENDER,
    CONF_SINGLE_STATUS,
    CONF_THROUGHPUT,
    CONF_WEBHOOK_ENABLED,
    CONF_WEBHOOK_HASH,
    CONF_WEBHOOK_SECRET,
    CONF_WINDOW,
    DEFAULT_HOST,
    DEFAULT_OPTIONS,
    DOMAIN,
)
from custom_components.smscentre.flow_schema import (
    CONF_ENCRYPTION,
    ENCRYPTION_NONE,
    ENCRYPTION_TLS,
    ENCRYPTION_TLS_UNVERIFIED,
    SECTION_OF,
    nest_options,
    section_errors,
)
from custom_components.smscentre.flow_validation import validate_options
from custom_components.smscentre.smsc.errors import AuthFailed, BindRefused, CannotConnect, TlsError
from custom_components.smscentre.smsc.smpp.config import LinkConfig

COMPONENT = Path(__file__).parent.parent / "custom_components" / DOMAIN
WEBHOOK_ID = "0123456789abcdef" * 4

USER_INPUT: dict[str, Any] = {
    CONF_USERNAME: "MyHome",
    CONF_PASSWORD: "s3cret!",
    CONF_HOST: DEFAULT_HOST,
    CONF_ENCRYPTION: ENCRYPTION_NONE,
    CONF_PORT: 3700,
    CONF_SENDER: "MyShop",
}
# What the user step stores for USER_INPUT.
USER_DATA: dict[str, Any] = {
    CONF_USERNAME: "MyHome",
    CONF_PASSWORD: "s3cret!",
    CONF_HOST: DEFAULT_HOST,
    CONF_PORT: 3700,
    CONF_SSL: False,
    CONF_VERIFY_SSL: True,
    CONF_SENDER: "MyShop",
}

ENTRY_DATA: dict[str, Any] = {
    CONF_USERNAME: "MyHome",
    CONF_PASSWORD: "old-pass",
    CONF_HOST: DEFAULT_HOST,
    CONF_PORT: 3700,
    CONF_SSL: False,
    CONF_VERIFY_SSL: True,
    CONF_SENDER: "MyShop",
    CONF_WEBHOOK_ID: WEBHOOK_ID,
}

OPTIONS_INPUT: dict[str, Any] = {
    CONF_RECIPIENTS: ["+7 (999) 123-45-67", "89991234567", "", "+44 7700 900123"],
    CONF_BIND_MODE: "receiver",
    CONF_REGISTERED_DELIVERY: False,
    CONF_MAX_PARTS: 5.0,
    CONF_ISO: True,
    CONF_SINGLE_STATUS: False,
    CONF_CONNECTIONS: 3.0,
    CONF_WINDOW: 50.0,
    CONF_THROUGHPUT: 100.0,
    CONF_ENQUIRE_LINK_INTERVAL: 60.0,
    CONF_BACKUP_HOST: " backup.example.com ",
    CONF_BACKUP_PORT: 3701.0,
    CONF_WEBHOOK_ENABLED: True,
    CONF_WEBHOOK_SECRET: "My_secret-1-long-enough",
    CONF_WEBHOOK_HASH: "sha1",
    CONF_API_URL: " https://api.example.org/ ",
    CONF_BALANCE_INTERVAL: 30.0,
    CONF_HTTP_FALLBACK: False,
    CONF_HTTP_FALLBACK_AFTER: 120.0,
    CONF_ASSIST_SENDERS: ["+7 999 123-45-67", "8 999 765-43-21"],
    CONF_ASSIST_AGENT: "conversation.home_assistant",
    CONF_ASSIST_PIN: " 4711 ",
    CONF_ASSIST_REPLY_PARTS: 3.0,
    CONF_ASSIST_REPLIES_PER_HOUR: 10.0,
}

PROBE_ERRORS = [
    (AuthFailed("invalid_auth"), "invalid_auth", {}),
    (CannotConnect("cannot_connect"), "cannot_connect", {}),
    (TlsError("tls_error"), "tls_error", {}),
    (BindRefused(0x0D), "bind_refused", {"status": "0x0000000D"}),
    (RuntimeError("boom"), "unknown", {}),
]


@pytest.fixture
def mock_setup_entry() -> Generator[AsyncMock]:
    """Keep the integration itself out of the flow tests."""
    with (
        patch("custom_components.smscentre.async_setup_entry", return_value=True) as mock,
        patch("custom_components.smscentre.async_unload_entry", return_value=True),
    ):
        yield mock


@pytest.fixture
def mock_probe() -> Generator[AsyncMock]:
    """Replace the real bind; the simulator tests cover probe_bind itself."""
    with patch("custom_components.smscentre.config_flow.probe_bind", autospec=True) as mock:
        yield mock


@pytest.fixture
def mock_config_entry(hass: HomeAssistant) -> MockConfigEntry:
    """An account already set up."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="SMS Center (MyHome)",
        unique_id="myhome",
        data=dict(ENTRY_DATA),
        options=copy.deepcopy(DEFAULT_OPTIONS),
    )
    entry.add_to_hass(hass)
    return entry


def _link(**changes: Any) -> LinkConfig:
    values = {
        "username": "MyHome",
        "password": "s3cret!",
        "host": DEFAULT_HOST,
        "port": 3700,
        "ssl": False,
        "verify_ssl": True,
        "bind_mode": "transceiver",
    }
    return LinkConfig(**(values | changes))


def _suggested(result: FlowResult) -> dict[str, Any]:
    """The values the form shows: suggested values, else defaults (sections flattened)."""
    return _shown(result["data_schema"])


def _shown(schema: vol.Schema) -> dict[str, Any]:
    shown = {}
    for key, value in schema.schema.items():
        if isinstance(value, section):
            shown.update(_shown(value.schema))
        elif key.description and "suggested_value" in key.description:
            shown[str(key)] = key.description["suggested_value"]
        elif key.default is not vol.UNDEFINED:
            shown[str(key)] = key.default()
    return shown


async def _start_user(hass: HomeAssistant) -> FlowResult:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {}
    return result


# --- step user ------------------------------------------------------------------------------


@pytest.mark.usefixtures("mock_setup_entry")
async def test_user_flow(hass: HomeAssistant, mock_probe: AsyncMock) -> None:
    """A working account becomes an entry with the defaults as options."""
    result = await _start_user(hass)
    assert _suggested(result) == {
        CONF_HOST: DEFAULT_HOST,
        CONF_ENCRYPTION: ENCRYPTION_TLS,  # TLS by default
        CONF_PORT: 3443,
    }

    result = await hass.config_entries.flow.async_configure(result["flow_id"], USER_INPUT)

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "SMS Center (MyHome)"
    data = dict(result["data"])
    assert re.fullmatch(r"[0-9a-f]{64}", data.pop(CONF_WEBHOOK_ID))
    assert data == USER_DATA
    assert result["options"] == DEFAULT_OPTIONS
    assert result["result"].unique_id == "myhome"
    assert result["result"].state is ConfigEntryState.LOADED
    mock_probe.assert_awaited_once_with(_link(), ssl_context=None, timeout=10.0)


@pytest.mark.usefixtures("mock_setup_entry")
async def test_user_flow_minimal(hass: HomeAssistant, mock_probe: AsyncMock) -> None:
    """Defaults fill the rest; no sender is stored as empty; the login is stripped."""
    result = await _start_user(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_USERNAME: " MyHome ", CONF_PASSWORD: "12345678"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_USERNAME] == "MyHome"
    assert result["data"][CONF_SENDER] == ""
    assert result["data"][CONF_PORT] == 3443
    assert result["data"][CONF_SSL] is True
    mock_probe.assert_awaited_once_with(
        _link(password="12345678", port=3443, ssl=True), ssl_context=client_context(), timeout=10.0
    )


@pytest.mark.usefixtures("mock_setup_entry")
@pytest.mark.parametrize(
    ("encryption", "port", "ssl", "verify_ssl", "expected_port"),
    [
        (ENCRYPTION_TLS, 3700, True, True, 3443),
        (ENCRYPTION_TLS_UNVERIFIED, 3700, True, False, 3443),
        (ENCRYPTION_TLS, 4443, True, True, 4443),
        (ENCRYPTION_NONE, 3443, False, True, 3700),
        (ENCRYPTION_NONE, 2775, False, True, 2775),
    ],
)
async def test_user_flow_tls(
    hass: HomeAssistant,
    mock_probe: AsyncMock,
    encryption: str,
    port: int,
    ssl: bool,
    verify_ssl: bool,
    expected_port: int,
) -> None:
    """One choice sets TLS and the certificate check (checked unless TLS without checking:
    with TLS off the safe value is kept); TLS uses Home Assistant's contexts; the port follows
    the encryption when left at the other's."""
    result = await _start_user(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], USER_INPUT | {CONF_ENCRYPTION: encryption, CONF_PORT: port}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_PORT] == expected_port
    assert result["data"][CONF_SSL] is ssl
    assert result["data"][CONF_VERIFY_SSL] is verify_ssl
    assert CONF_ENCRYPTION not in result["data"]
    expected_context = None
    if ssl:
        expected_context = client_context() if verify_ssl else client_context_no_verify()
    mock_probe.assert_awaited_once_with(
        _link(port=expected_port, ssl=ssl, verify_ssl=verify_ssl),
        ssl_context=expected_context,
        timeout=10.0,
    )
    if ssl:
        assert expected_context.check_hostname is verify_ssl


async def test_user_flow_offers_no_certificate_switch() -> None:
    """The certificate check is one of the encryption choices, not a switch of its own that
    would show (and stay on) with TLS off."""
    for schema in (flow_schema.USER_SCHEMA, flow_schema.RECONFIGURE_SCHEMA):
        fields = [str(key) for key in schema.schema]
        assert CONF_SSL not in fields
        assert CONF_VERIFY_SSL not in fields
        assert fields.index(CONF_ENCRYPTION) == fields.index(CONF_PORT) - 1


@pytest.mark.usefixtures("mock_setup_entry")
@pytest.mark.parametrize(("side_effect", "error", "placeholders"), PROBE_ERRORS)
async def test_user_flow_bind_errors(
    hass: HomeAssistant,
    mock_probe: AsyncMock,
    side_effect: Exception,
    error: str,
    placeholders: dict[str, str],
) -> None:
    """Each bind failure is shown; the form keeps the input but the password; a retry works."""
    result = await _start_user(hass)
    mock_probe.side_effect = side_effect
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], USER_INPUT | {CONF_HOST: "smpp.example.com", CONF_PORT: 2775}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}
    assert result["description_placeholders"] == placeholders
    shown = _suggested(result)
    assert CONF_PASSWORD not in shown
    assert shown == {
        CONF_USERNAME: "MyHome",
        CONF_HOST: "smpp.example.com",
        CONF_ENCRYPTION: ENCRYPTION_NONE,
        CONF_PORT: 2775,
        CONF_SENDER: "MyShop",
    }

    mock_probe.side_effect = None
    result = await hass.config_entries.flow.async_configure(result["flow_id"], USER_INPUT)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert mock_probe.await_count == 2


async def test_user_flow_unknown_error_logged(
    hass: HomeAssistant, mock_probe: AsyncMock, caplog: pytest.LogCaptureFixture
) -> None:
    """An unexpected exception is logged with its traceback, without the password."""
    mock_probe.side_effect = RuntimeError("boom")
    result = await _start_user(hass)
    await hass.config_entries.flow.async_configure(result["flow_id"], USER_INPUT)
    assert "Unexpected error binding to smpp.smscentre.com:3700" in caplog.text
    assert "RuntimeError: boom" in caplog.text
    assert USER_INPUT[CONF_PASSWORD] not in caplog.text


@pytest.mark.usefixtures("mock_setup_entry")
@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({CONF_USERNAME: "Логин"}, {CONF_USERNAME: "invalid_username"}),
        ({CONF_USERNAME: "a" * 16}, {CONF_USERNAME: "invalid_username"}),
        ({CONF_USERNAME: "my home"}, {CONF_USERNAME: "invalid_username"}),
        ({CONF_USERNAME: "  "}, {CONF_USERNAME: "invalid_username"}),
        ({CONF_PASSWORD: "123456789"}, {CONF_PASSWORD: "password_too_long"}),
        ({CONF_PASSWORD: "пароль"}, {CONF_PASSWORD: "invalid_password"}),
        ({CONF_PASSWORD: ""}, {CONF_PASSWORD: "invalid_password"}),
        ({CONF_HOST: "smpp host"}, {CONF_HOST: "invalid_host"}),
        ({CONF_HOST: "https://smscentre.com/"}, {CONF_HOST: "invalid_host"}),
        ({CONF_HOST: ""}, {CONF_HOST: "invalid_host"}),
        ({CONF_SENDER: "MyShopSender"}, {CONF_SENDER: "invalid_sender"}),
        ({CONF_SENDER: "Магазин"}, {CONF_SENDER: "invalid_sender"}),
        ({CONF_SENDER: "1234567890123456"}, {CONF_SENDER: "invalid_sender"}),
        ({CONF_SENDER: "Shop!"}, {CONF_SENDER: "invalid_sender"}),
        (
            {CONF_USERNAME: "Вася", CONF_PASSWORD: "long-password"},
            {CONF_USERNAME: "invalid_username", CONF_PASSWORD: "password_too_long"},
        ),
    ],
)
async def test_user_flow_field_errors(
    hass: HomeAssistant,
    mock_probe: AsyncMock,
    changes: dict[str, Any],
    errors: dict[str, str],
) -> None:
    """Values SMPP cannot carry are refused before any bind, then corrected."""
    result = await _start_user(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], USER_INPUT | changes)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    mock_probe.assert_not_awaited()

    result = await hass.config_entries.flow.async_configure(result["flow_id"], USER_INPUT)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    mock_probe.assert_awaited_once()


@pytest.mark.usefixtures("mock_setup_entry")
@pytest.mark.parametrize(
    ("sender", "stored"),
    [
        (" +79991234567 ", "79991234567"),
        ("123456789012345", "123456789012345"),
        ("My-Shop.1", "My-Shop.1"),
        ("SMS Center", "SMS Center"),
        ("", ""),
    ],
)
async def test_user_flow_sender(
    hass: HomeAssistant, mock_probe: AsyncMock, sender: str, stored: str
) -> None:
    """A numeric sender is stored as digits, an alphanumeric one as typed."""
    result = await _start_user(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], USER_INPUT | {CONF_SENDER: sender}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_SENDER] == stored


@pytest.mark.usefixtures("mock_config_entry")
async def test_user_flow_already_configured(hass: HomeAssistant, mock_probe: AsyncMock) -> None:
    """The same login in another case is the same account; no bind is attempted."""
    result = await _start_user(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], USER_INPUT | {CONF_USERNAME: "MYHOME"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    mock_probe.assert_not_awaited()


@pytest.mark.usefixtures("mock_setup_entry")
async def test_user_flow_left_open_does_not_block(
    hass: HomeAssistant, mock_probe: AsyncMock
) -> None:
    """A form left open after a refused password (a reload, a closed tab) does not keep the
    login from being added in a new one; adding it ends the one left open."""
    left_open = await _start_user(hass)
    mock_probe.side_effect = AuthFailed("invalid_auth")
    result = await hass.config_entries.flow.async_configure(left_open["flow_id"], USER_INPUT)
    assert result["errors"] == {"base": "invalid_auth"}

    mock_probe.side_effect = None
    result = await _start_user(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], USER_INPUT)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == "myhome"
    assert left_open["flow_id"] not in {
        flow["flow_id"] for flow in hass.config_entries.flow.async_progress()
    }


# --- reauth ---------------------------------------------------------------------------------


async def _start_reauth(hass: HomeAssistant, entry: MockConfigEntry) -> FlowResult:
    result = await entry.start_reauth_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reauth_confirm"
    assert result["errors"] == {}
    assert result["description_placeholders"] == {
        CONF_USERNAME: "MyHome",
        "name": "SMS Center (MyHome)",
    }
    return result


@pytest.mark.usefixtures("mock_setup_entry")
async def test_reauth(
    hass: HomeAssistant, mock_probe: AsyncMock, mock_config_entry: MockConfigEntry
) -> None:
    """A new password is checked with the stored settings and saved."""
    mock_config_entry.mock_state(hass, ConfigEntryState.LOADED)
    result = await _start_reauth(hass, mock_config_entry)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: "new-pass"}
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert dict(mock_config_entry.data) == ENTRY_DATA | {CONF_PASSWORD: "new-pass"}
    mock_probe.assert_awaited_once_with(_link(password="new-pass"), ssl_context=None, timeout=10.0)


@pytest.mark.usefixtures("mock_setup_entry")
async def test_reauth_tls(
    hass: HomeAssistant, mock_probe: AsyncMock, mock_config_entry: MockConfigEntry
) -> None:
    """Reauth binds with the stored server, port and TLS settings."""
    hass.config_entries.async_update_entry(
        mock_config_entry,
        data=ENTRY_DATA | {CONF_HOST: "smpp.example.com", CONF_PORT: 3443, CONF_SSL: True},
    )
    result = await _start_reauth(hass, mock_config_entry)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: "new-pass"}
    )
    assert result["reason"] == "reauth_successful"
    mock_probe.assert_awaited_once_with(
        _link(password="new-pass", host="smpp.example.com", port=3443, ssl=True),
        ssl_context=client_context(),
        timeout=10.0,
    )


@pytest.mark.usefixtures("mock_setup_entry")
@pytest.mark.parametrize(("side_effect", "error", "placeholders"), PROBE_ERRORS)
async def test_reauth_bind_errors(
    hass: HomeAssistant,
    mock_probe: AsyncMock,
    mock_config_entry: MockConfigEntry,
    side_effect: Exception,
    error: str,
    placeholders: dict[str, str],
) -> None:
    """A refused password keeps the old one until a good one is entered."""
    result = await _start_reauth(hass, mock_config_entry)
    mock_probe.side_effect = side_effect
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: "bad-pass"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}
    assert result["description_placeholders"] == {
        CONF_USERNAME: "MyHome",
        "name": "SMS Center (MyHome)",
        **placeholders,
    }
    assert mock_config_entry.data[CONF_PASSWORD] == "old-pass"

    mock_probe.side_effect = None
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: "new-pass"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert mock_config_entry.data[CONF_PASSWORD] == "new-pass"


@pytest.mark.usefixtures("mock_setup_entry")
@pytest.mark.parametrize(
    ("password", "error"),
    [("123456789", "password_too_long"), ("пароль", "invalid_password")],
)
async def test_reauth_password_errors(
    hass: HomeAssistant,
    mock_probe: AsyncMock,
    mock_config_entry: MockConfigEntry,
    password: str,
    error: str,
) -> None:
    """A password SMPP cannot carry is refused without a bind."""
    result = await _start_reauth(hass, mock_config_entry)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: password}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_PASSWORD: error}
    mock_probe.assert_not_awaited()

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: "new-pass"}
    )
    assert result["reason"] == "reauth_successful"


# --- reconfigure ----------------------------------------------------------------------------

RECONFIGURE_INPUT: dict[str, Any] = {
    CONF_USERNAME: "MyHome",
    CONF_HOST: "smpp2.smscentre.com",
    CONF_ENCRYPTION: ENCRYPTION_TLS,
    CONF_PORT: 3700,
    CONF_SENDER: "NewShop",
}


async def _start_reconfigure(hass: HomeAssistant, entry: MockConfigEntry) -> FlowResult:
    result = await entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"
    assert result["errors"] == {}
    return result


@pytest.mark.usefixtures("mock_setup_entry")
async def test_reconfigure_keeps_password(
    hass: HomeAssistant, mock_probe: AsyncMock, mock_config_entry: MockConfigEntry
) -> None:
    """The form shows the stored settings but the password; empty keeps the password."""
    result = await _start_reconfigure(hass, mock_config_entry)
    shown = _suggested(result)
    assert CONF_PASSWORD not in shown
    assert shown == {
        CONF_USERNAME: "MyHome",
        CONF_HOST: DEFAULT_HOST,
        CONF_ENCRYPTION: ENCRYPTION_NONE,
        CONF_PORT: 3700,
        CONF_SENDER: "MyShop",
    }

    result = await hass.config_entries.flow.async_configure(result["flow_id"], RECONFIGURE_INPUT)
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert dict(mock_config_entry.data) == ENTRY_DATA | {
        CONF_HOST: "smpp2.smscentre.com",
        CONF_PORT: 3443,
        CONF_SSL: True,
        CONF_SENDER: "NewShop",
    }
    mock_probe.assert_awaited_once_with(
        _link(password="old-pass", host="smpp2.smscentre.com", port=3443, ssl=True),
        ssl_context=client_context(),
        timeout=10.0,
    )


@pytest.mark.usefixtures("mock_setup_entry")
async def test_reconfigure_new_password_and_login_case(
    hass: HomeAssistant, mock_probe: AsyncMock, mock_config_entry: MockConfigEntry
) -> None:
    """A new password replaces the old one; the login's case may change; sender may clear."""
    result = await _start_reconfigure(hass, mock_config_entry)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            **RECONFIGURE_INPUT,
            CONF_USERNAME: "myhome",
            CONF_PASSWORD: "new-pass",
            CONF_ENCRYPTION: ENCRYPTION_NONE,
            CONF_SENDER: "",
        },
    )
    assert result["reason"] == "reconfigure_successful"
    assert mock_config_entry.data[CONF_USERNAME] == "myhome"
    assert mock_config_entry.data[CONF_PASSWORD] == "new-pass"
    assert mock_config_entry.data[CONF_SENDER] == ""
    assert mock_config_entry.data[CONF_WEBHOOK_ID] == WEBHOOK_ID
    assert mock_config_entry.unique_id == "myhome"
    mock_probe.assert_awaited_once_with(
        _link(username="myhome", password="new-pass", host="smpp2.smscentre.com"),
        ssl_context=None,
        timeout=10.0,
    )


@pytest.mark.usefixtures("mock_setup_entry")
@pytest.mark.parametrize(("side_effect", "error", "placeholders"), PROBE_ERRORS)
async def test_reconfigure_bind_errors(
    hass: HomeAssistant,
    mock_probe: AsyncMock,
    mock_config_entry: MockConfigEntry,
    side_effect: Exception,
    error: str,
    placeholders: dict[str, str],
) -> None:
    """Nothing is saved until the new settings bind; the form keeps what was typed."""
    result = await _start_reconfigure(hass, mock_config_entry)
    mock_probe.side_effect = side_effect
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], RECONFIGURE_INPUT | {CONF_PASSWORD: "new-pass"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}
    assert result["description_placeholders"] == placeholders
    shown = _suggested(result)
    assert CONF_PASSWORD not in shown
    assert shown[CONF_HOST] == "smpp2.smscentre.com"
    assert shown[CONF_SENDER] == "NewShop"
    assert dict(mock_config_entry.data) == ENTRY_DATA

    mock_probe.side_effect = None
    result = await hass.config_entries.flow.async_configure(result["flow_id"], RECONFIGURE_INPUT)
    assert result["reason"] == "reconfigure_successful"
    assert mock_config_entry.data[CONF_HOST] == "smpp2.smscentre.com"


@pytest.mark.usefixtures("mock_setup_entry")
@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({CONF_HOST: "smpp host"}, {CONF_HOST: "invalid_host"}),
        ({CONF_PASSWORD: "123456789"}, {CONF_PASSWORD: "password_too_long"}),
        ({CONF_SENDER: "TooLongSender"}, {CONF_SENDER: "invalid_sender"}),
        ({CONF_USERNAME: "Логин"}, {CONF_USERNAME: "invalid_username"}),
    ],
)
async def test_reconfigure_field_errors(
    hass: HomeAssistant,
    mock_probe: AsyncMock,
    mock_config_entry: MockConfigEntry,
    changes: dict[str, Any],
    errors: dict[str, str],
) -> None:
    """Bad values are refused before a bind, then corrected."""
    result = await _start_reconfigure(hass, mock_config_entry)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], RECONFIGURE_INPUT | changes
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    mock_probe.assert_not_awaited()

    result = await hass.config_entries.flow.async_configure(result["flow_id"], RECONFIGURE_INPUT)
    assert result["reason"] == "reconfigure_successful"


@pytest.mark.usefixtures("mock_setup_entry")
async def test_reconfigure_left_open_does_not_block(
    hass: HomeAssistant, mock_probe: AsyncMock, mock_config_entry: MockConfigEntry
) -> None:
    """A reconfigure form left open after a refused bind does not refuse the next one."""
    left_open = await _start_reconfigure(hass, mock_config_entry)
    mock_probe.side_effect = CannotConnect("cannot_connect")
    result = await hass.config_entries.flow.async_configure(left_open["flow_id"], RECONFIGURE_INPUT)
    assert result["errors"] == {"base": "cannot_connect"}

    mock_probe.side_effect = None
    result = await _start_reconfigure(hass, mock_config_entry)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], RECONFIGURE_INPUT)
    assert result["reason"] == "reconfigure_successful"


@pytest.mark.usefixtures("mock_setup_entry")
@pytest.mark.parametrize(
    ("ssl", "verify_ssl", "encryption"),
    [
        (True, True, ENCRYPTION_TLS),
        (True, False, ENCRYPTION_TLS_UNVERIFIED),
        (False, True, ENCRYPTION_NONE),
        (False, False, ENCRYPTION_NONE),
    ],
)
async def test_reconfigure_shows_the_encryption(
    hass: HomeAssistant,
    mock_probe: AsyncMock,
    mock_config_entry: MockConfigEntry,
    ssl: bool,
    verify_ssl: bool,
    encryption: str,
) -> None:
    """The stored TLS settings are shown as the one encryption choice they make; saving
    with TLS off stores the certificate check on."""
    hass.config_entries.async_update_entry(
        mock_config_entry, data=ENTRY_DATA | {CONF_SSL: ssl, CONF_VERIFY_SSL: verify_ssl}
    )
    result = await _start_reconfigure(hass, mock_config_entry)
    shown = _suggested(result)
    assert shown[CONF_ENCRYPTION] == encryption
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], RECONFIGURE_INPUT | {CONF_ENCRYPTION: encryption}
    )
    assert result["reason"] == "reconfigure_successful"
    assert mock_config_entry.data[CONF_SSL] is ssl
    assert mock_config_entry.data[CONF_VERIFY_SSL] is (verify_ssl or not ssl)


@pytest.mark.usefixtures("mock_setup_entry")
async def test_reconfigure_other_account(
    hass: HomeAssistant, mock_probe: AsyncMock, mock_config_entry: MockConfigEntry
) -> None:
    """Another login is another account: abort, change nothing, bind nothing."""
    result = await _start_reconfigure(hass, mock_config_entry)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], RECONFIGURE_INPUT | {CONF_USERNAME: "neighbour"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "unique_id_mismatch"
    assert dict(mock_config_entry.data) == ENTRY_DATA
    mock_probe.assert_not_awaited()


# --- options --------------------------------------------------------------------------------

NO_URL_HINT = (
    "(no address yet: set Home Assistant's external URL in Settings → System → Network,"
    " or use Home Assistant Cloud)"
)


async def _start_options(hass: HomeAssistant, entry: MockConfigEntry) -> FlowResult:
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    assert result["errors"] == {}
    return result


@pytest.mark.usefixtures("mock_probe")
async def test_options_flow(
    hass: HomeAssistant, mock_setup_entry: AsyncMock, mock_config_entry: MockConfigEntry
) -> None:
    """Options are normalised, stored and the entry reloads."""
    result = await _start_options(hass, mock_config_entry)
    shown = _suggested(result)
    assert shown == {k: v for k, v in DEFAULT_OPTIONS.items() if v is not None}
    assert mock_setup_entry.await_count == 1

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], nest_options(OPTIONS_INPUT)
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    expected = {
        CONF_RECIPIENTS: ["79991234567", "447700900123"],
        CONF_BIND_MODE: "receiver",
        CONF_REGISTERED_DELIVERY: False,
        CONF_MAX_PARTS: 5,
        CONF_ISO: True,
        CONF_SINGLE_STATUS: False,
        CONF_CONNECTIONS: 3,
        CONF_WINDOW: 50,
        CONF_THROUGHPUT: 100,
        CONF_ENQUIRE_LINK_INTERVAL: 60,
        CONF_BACKUP_HOST: "backup.example.com",
        CONF_BACKUP_PORT: 3701,
        CONF_WEBHOOK_ENABLED: True,
        CONF_WEBHOOK_SECRET: "My_secret-1-long-enough",
        CONF_WEBHOOK_HASH: "sha1",
        CONF_API_PASSWORD: "",
        CONF_API_URL: "https://api.example.org",
        CONF_BALANCE_INTERVAL: 30,
        CONF_BALANCE_WARNING: None,
        CONF_HTTP_FALLBACK: False,
        CONF_HTTP_FALLBACK_AFTER: 120,
        CONF_ASSIST_SENDERS: ["79991234567", "79997654321"],
        CONF_ASSIST_AGENT: "conversation.home_assistant",
        CONF_ASSIST_PIN: "4711",
        CONF_ASSIST_REPLY_PARTS: 3,
        CONF_ASSIST_REPLIES_PER_HOUR: 10,
    }
    assert result["data"] == expected
    assert mock_config_entry.options == expected
    for key in (
        CONF_MAX_PARTS,
        CONF_CONNECTIONS,
        CONF_WINDOW,
        CONF_BACKUP_PORT,
        CONF_ASSIST_REPLY_PARTS,
        CONF_ASSIST_REPLIES_PER_HOUR,
    ):
        assert type(mock_config_entry.options[key]) is int
    assert mock_setup_entry.await_count == 2  # reloaded


@pytest.mark.usefixtures("mock_probe", "mock_setup_entry")
async def test_options_flow_empty_optional_fields(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """Cleared optional fields: no failover, the primary's port, no recipients, no secret."""
    result = await _start_options(hass, mock_config_entry)
    user_input = {
        key: value
        for key, value in OPTIONS_INPUT.items()
        if key
        not in (
            CONF_RECIPIENTS,
            CONF_BACKUP_HOST,
            CONF_BACKUP_PORT,
            CONF_WEBHOOK_SECRET,
            CONF_ASSIST_SENDERS,
            CONF_ASSIST_PIN,
        )
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], nest_options(user_input)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_RECIPIENTS] == []
    assert result["data"][CONF_BACKUP_HOST] == ""
    assert result["data"][CONF_BACKUP_PORT] is None
    assert result["data"][CONF_WEBHOOK_SECRET] == ""
    assert result["data"][CONF_ASSIST_SENDERS] == []  # conversations by SMS off
    assert result["data"][CONF_ASSIST_PIN] == ""


@pytest.mark.usefixtures("mock_probe", "mock_setup_entry")
@pytest.mark.parametrize(
    ("changes", "errors", "opened", "placeholders"),
    [
        (  # by the connections, right below the sending switches, which open too
            {CONF_ISO: True, CONF_SINGLE_STATUS: True, CONF_CONNECTIONS: 2},
            {"connection": "system_type_too_long"},
            {"sending", "connection"},
            {"value": "ISO,SINGLE,MCON2", "max": "12"},
        ),
        (
            {
                CONF_ISO: True,
                CONF_SINGLE_STATUS: True,
                CONF_CONNECTIONS: 2,
                CONF_BACKUP_HOST: "a b",
            },
            {"connection": "system_type_too_long_and_invalid_host"},
            {"sending", "connection"},
            {"value": "ISO,SINGLE,MCON2", "max": "12"},
        ),
        (
            {CONF_RECIPIENTS: ["+7 999 123-45-67", "call me", "12"]},
            {CONF_RECIPIENTS: "invalid_recipient"},
            set(),
            {"recipient": "call me"},
        ),
        (
            {CONF_WEBHOOK_SECRET: "секрет"},
            {"webhook": "invalid_webhook_secret"},
            {"webhook"},
            {},
        ),
        ({CONF_WEBHOOK_SECRET: "a b"}, {"webhook": "invalid_webhook_secret"}, {"webhook"}, {}),
        (
            {CONF_WEBHOOK_SECRET: "short"},
            {"webhook": "webhook_secret_too_short"},
            {"webhook"},
            {"min": "16"},
        ),
        (
            {CONF_BACKUP_HOST: "backup host"},
            {"connection": "invalid_host"},
            {"connection"},
            {},
        ),
        (
            {CONF_API_URL: "ftp://smscentre.com"},
            {"http_api": "invalid_api_url"},
            {"http_api"},
            {},
        ),
        (
            {CONF_HTTP_FALLBACK: True},
            {"http_api": "api_password_required"},
            {"http_api"},
            {},
        ),
        (  # two errors in one section: one message that holds both
            {CONF_HTTP_FALLBACK: True, CONF_API_URL: "https://user:pw@smscentre.com"},
            {"http_api": "api_password_required_and_invalid_api_url"},
            {"http_api"},
            {},
        ),
        (
            {CONF_ASSIST_SENDERS: ["+7 999 123-45-67", "HomeDev"]},
            {"assist": "invalid_assist_sender"},
            {"assist"},
            {"sender": "HomeDev"},
        ),
        ({CONF_ASSIST_PIN: "12 34"}, {"assist": "invalid_assist_pin"}, {"assist"}, {}),
        ({CONF_ASSIST_PIN: "пин1"}, {"assist": "invalid_assist_pin"}, {"assist"}, {}),
        ({CONF_ASSIST_PIN: "1" * 17}, {"assist": "invalid_assist_pin"}, {"assist"}, {}),
        (
            {CONF_ASSIST_PIN: "my pin!", CONF_ASSIST_SENDERS: ["Mom"]},
            {"assist": "invalid_assist_sender_and_invalid_assist_pin"},
            {"assist"},
            {"sender": "Mom"},
        ),
        (  # one section each
            {CONF_BACKUP_HOST: "a/b", CONF_WEBHOOK_SECRET: "short", CONF_RECIPIENTS: ["x"]},
            {
                CONF_RECIPIENTS: "invalid_recipient",
                "connection": "invalid_host",
                "webhook": "webhook_secret_too_short",
            },
            {"connection", "webhook"},
            {"recipient": "x", "min": "16"},
        ),
    ],
)
async def test_options_flow_errors(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    changes: dict[str, Any],
    errors: dict[str, str],
    opened: set[str],
    placeholders: dict[str, str],
) -> None:
    """Each invalid option is explained where the frontend shows it (over its section, which
    opens; the frontend shows no error inside a section), the form keeps the input as typed,
    nothing is saved, a fix saves."""
    result = await _start_options(hass, mock_config_entry)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], nest_options(OPTIONS_INPUT | changes)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    assert result["description_placeholders"] == placeholders | {"webhook_url": NO_URL_HINT}
    shown_items = {str(key) for key in result["data_schema"].schema}
    for key in errors:  # each above an item the frontend renders
        assert key == "base" or key in shown_items
    assert _opened(result) == opened
    shown = _suggested(result)
    for key, value in changes.items():
        assert shown[key] == value
    assert mock_config_entry.options == DEFAULT_OPTIONS

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], nest_options(OPTIONS_INPUT)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


def _opened(result: FlowResult) -> set[str]:
    """The sections the form shows unfolded."""
    return {
        str(key)
        for key, value in result["data_schema"].schema.items()
        if isinstance(value, section) and not value.options["collapsed"]
    }


@pytest.mark.usefixtures("mock_probe", "mock_setup_entry")
async def test_options_flow_opens_folded(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """Every section starts folded; stored phone numbers show as people write them (both
    ways of writing are accepted and stored as digits)."""
    hass.config_entries.async_update_entry(
        mock_config_entry,
        options=DEFAULT_OPTIONS
        | {CONF_RECIPIENTS: ["79990000001", "447700900123"], CONF_ASSIST_SENDERS: ["79991112233"]},
    )
    result = await _start_options(hass, mock_config_entry)
    assert _opened(result) == set()
    shown = _suggested(result)
    assert shown[CONF_RECIPIENTS] == ["+7 999 000-00-01", "+447700900123"]
    assert shown[CONF_ASSIST_SENDERS] == ["+7 999 111-22-33"]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        nest_options(
            shown | {CONF_RECIPIENTS: ["+7 999 000-00-01", "447700900123"], CONF_API_PASSWORD: ""}
        ),
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_RECIPIENTS] == ["79990000001", "447700900123"]
    assert result["data"][CONF_ASSIST_SENDERS] == ["79991112233"]


def test_joined_errors_are_translated() -> None:
    """Every pair of errors two fields of one section can hold at once has one message."""
    strings = _load("strings.json")["options"]["error"]
    every_error = {  # each field's errors, all at once
        CONF_RECIPIENTS: ["x"],
        CONF_ISO: True,
        CONF_SINGLE_STATUS: True,
        CONF_CONNECTIONS: 9,
        CONF_BACKUP_HOST: "a b",
        CONF_WEBHOOK_SECRET: "short",
        CONF_API_URL: "ftp://x",
        CONF_HTTP_FALLBACK: True,
        CONF_API_PASSWORD: "",
        CONF_ASSIST_SENDERS: ["Mom"],
        CONF_ASSIST_PIN: "a b",
    }
    _, errors, _ = validate_options(OPTIONS_INPUT | every_error)
    shown, opened = section_errors(errors)
    assert set(errors) == set(every_error) - {CONF_HTTP_FALLBACK, CONF_ISO, CONF_SINGLE_STATUS}
    assert opened == {"sending", "connection", "webhook", "http_api", "assist"}
    for key in shown.values():
        assert key in strings, key


@pytest.mark.usefixtures("mock_probe", "mock_setup_entry")
@pytest.mark.parametrize(
    ("options", "query"),
    [
        ({}, "?fmt=3&charset=utf-8"),
        ({CONF_WEBHOOK_SECRET: "s3cret"}, "?fmt=3&charset=utf-8&md5=s3cret"),
        (
            {CONF_WEBHOOK_SECRET: "s3cret", CONF_WEBHOOK_HASH: "crc32"},
            "?fmt=3&charset=utf-8&crc32=s3cret",
        ),
    ],
)
async def test_options_flow_webhook_url(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    options: dict[str, Any],
    query: str,
) -> None:
    """The description shows the external webhook address with the secret's query."""
    await async_process_ha_core_config(hass, {"external_url": "https://ha.example.com"})
    hass.config_entries.async_update_entry(mock_config_entry, options=DEFAULT_OPTIONS | options)
    result = await _start_options(hass, mock_config_entry)
    url = f"https://ha.example.com/api/webhook/{WEBHOOK_ID}{query}"
    # a code block: one long word that would run out of the dialog
    assert result["description_placeholders"] == {"webhook_url": f"\n```\n{url}\n```"}


@pytest.mark.usefixtures("mock_probe", "mock_setup_entry")
async def test_options_flow_shows_the_saved_webhook_url(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """The address shown is the one in use: a secret typed but refused is not in it."""
    await async_process_ha_core_config(hass, {"external_url": "https://ha.example.com"})
    secret = "Saved_secret-0123456789"
    options = DEFAULT_OPTIONS | {CONF_WEBHOOK_SECRET: secret}
    hass.config_entries.async_update_entry(mock_config_entry, options=options)
    result = await _start_options(hass, mock_config_entry)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], nest_options(OPTIONS_INPUT | {CONF_WEBHOOK_SECRET: "short"})
    )
    assert result["errors"] == {"webhook": "webhook_secret_too_short"}
    shown = result["description_placeholders"]["webhook_url"]
    assert f"md5={secret}" in shown
    assert "short" not in shown


@pytest.mark.usefixtures("mock_probe", "mock_setup_entry")
async def test_options_flow_shows_the_cloudhook(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """With Home Assistant Cloud the address shown is the entry's cloudhook."""
    await async_process_ha_core_config(hass, {"external_url": "https://ha.example.com"})
    hook = "https://hooks.nabu.casa/XYZ"
    hass.config.components.add("cloud")
    with (
        patch.object(cloud, "async_active_subscription", return_value=True),
        patch.object(cloud, "async_get_or_create_cloudhook", AsyncMock(return_value=hook)),
    ):
        result = await _start_options(hass, mock_config_entry)
    assert result["description_placeholders"] == {
        "webhook_url": f"\n```\n{hook}?fmt=3&charset=utf-8\n```"
    }


@pytest.mark.usefixtures("mock_probe", "mock_setup_entry")
@pytest.mark.parametrize(
    ("core_config", "language", "hint"),
    [
        ({}, "en", NO_URL_HINT),
        ({"internal_url": "http://192.168.1.2:8123"}, "en", NO_URL_HINT),
        (
            {},
            "ru",
            "(адреса пока нет: укажите внешний URL Home Assistant в разделе "
            "«Настройки → Система → Сеть» или подключите Home Assistant Cloud)",
        ),
    ],
)
async def test_options_flow_no_webhook_url(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    core_config: dict[str, Any],
    language: str,
    hint: str,
) -> None:
    """Without an address reachable from outside, a translated hint is shown instead."""
    await async_process_ha_core_config(hass, core_config | {"language": language})
    result = await _start_options(hass, mock_config_entry)
    assert result["description_placeholders"] == {"webhook_url": hint}


# --- translations ---------------------------------------------------------------------------


def _load(name: str) -> dict[str, Any]:
    return json.loads((COMPONENT / name).read_text(encoding="utf-8"))


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            flat |= _flatten(value, f"{prefix}{key}.")
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_translations() -> None:
    """en.json is strings.json; ru.json translates every string with the same placeholders."""
    strings = _load("strings.json")
    assert _load("translations/en.json") == strings
    assert set(strings) >= {"config", "options", "entity", "services", "exceptions", "issues"}
    english = _flatten(strings)
    russian = _flatten(_load("translations/ru.json"))
    assert russian.keys() == english.keys()
    for key, text in english.items():
        assert _placeholders(russian[key]) == _placeholders(text), key
        assert not re.search(r"\[%key:", text), key

    source = "".join(
        (COMPONENT / f"{module}.py").read_text(encoding="utf-8")
        for module in ("config_flow", "flow_validation")
    )
    used = set(re.findall(r'errors\[[^]]+\] = "([a-z_]+)"', source))
    used |= set(re.findall(r'\{"base": "([a-z_]+)"\}', source))
    used |= set(re.findall(r'\.add\(\s*[^,]+,\s*"([a-z_]+)"', source))
    used |= set(re.findall(r'return "([a-z_]+)"', source))
    # each way an error is written is found
    assert {"unknown", "invalid_api_auth", "invalid_host", "password_too_long"} <= used
    config_errors = set(strings["config"]["error"])
    options_errors = set(strings["options"]["error"])
    assert used <= config_errors | options_errors
    assert {"system_type_too_long"} <= options_errors
    assert set(strings["config"]["abort"]) >= {
        "already_configured",
        "already_in_progress",
        "reauth_successful",
        "reconfigure_successful",
        "unique_id_mismatch",
    }
    for step, schema in (
        ("user", flow_schema.USER_SCHEMA),
        ("reauth_confirm", flow_schema.REAUTH_SCHEMA),
        ("reconfigure", flow_schema.RECONFIGURE_SCHEMA),
    ):
        fields = {str(key) for key in schema.schema}
        assert set(strings["config"]["step"][step]["data"]) == fields, step
        assert set(strings["config"]["step"][step]["data_description"]) == fields, step
    init = strings["options"]["step"]["init"]
    fields = {str(key) for key in flow_schema.OPTIONS_SCHEMA.schema} - set(
        flow_schema.OPTION_SECTIONS
    )
    assert set(init["data"]) == fields
    assert set(init["data_description"]) == fields
    assert set(init["sections"]) == set(flow_schema.OPTION_SECTIONS)
    for name, section_fields in flow_schema.OPTION_SECTIONS.items():
        fields = {str(key) for key in section_fields}
        assert init["sections"][name]["name"], name
        assert set(init["sections"][name]["data"]) == fields, name
        assert set(init["sections"][name]["data_description"]) == fields, name
    assert strings["exceptions"]["no_webhook_url"]["message"] == config_flow.NO_WEBHOOK_URL_HINT


def test_section_of_each_option() -> None:
    """One table gives each option's section in the form; the default recipients are at the
    top. Every stored option is in the form."""
    for key, value in flow_schema.OPTIONS_SCHEMA.schema.items():
        if isinstance(value, section):
            for field in value.schema.schema:
                assert SECTION_OF[str(field)] == str(key), field
        else:
            assert str(key) not in SECTION_OF
    assert set(SECTION_OF) | {CONF_RECIPIENTS} == set(DEFAULT_OPTIONS)
    nested = nest_options(DEFAULT_OPTIONS)
    for field, name in SECTION_OF.items():
        assert nested[name][field] == DEFAULT_OPTIONS[field]


@pytest.mark.parametrize(
    "schema",
    [
        flow_schema.USER_SCHEMA,
        flow_schema.REAUTH_SCHEMA,
        flow_schema.RECONFIGURE_SCHEMA,
        flow_schema.OPTIONS_SCHEMA,
    ],
)
def test_schemas_serialize(schema: vol.Schema) -> None:
    """The frontend can render every form (selectors serialise)."""
    view = _BaseFlowManagerView(None)  # what the frontend gets for a form
    form = view._prepare_result_json({"type": FlowResultType.FORM, "data_schema": schema})
    fields = form["data_schema"]
    assert [field["name"] for field in fields] == [str(key) for key in schema.schema]
    for field in fields:  # a section is rendered as an expandable group of fields
        assert (
            all("selector" in f for f in field["schema"])
            if "schema" in field
            else field.get("selector")
        ), field["name"]
