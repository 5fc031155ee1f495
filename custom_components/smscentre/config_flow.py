"""Config flow of SMS Center: every account is bound for real before it is saved."""

from __future__ import annotations

from collections.abc import Mapping
import copy
import logging
import re
from typing import Any

from homeassistant.components import webhook
from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.const import (
    CONF_HOST,
    CONF_PASSWORD,
    CONF_PORT,
    CONF_SSL,
    CONF_USERNAME,
    CONF_VERIFY_SSL,
    CONF_WEBHOOK_ID,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.data_entry_flow import section
from homeassistant.helpers import translation
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    BooleanSelector,
    ConversationAgentSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from .compat import vol
from .const import (
    API_TIMEOUT,
    BIND_MODES,
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
    DEFAULT_ASSIST_AGENT,
    DEFAULT_HOST,
    DEFAULT_OPTIONS,
    DEFAULT_PORT,
    DEFAULT_TLS_PORT,
    DOMAIN,
    MAX_BALANCE_INTERVAL,
    MAX_CONNECTIONS,
    MAX_ENQUIRE_LINK_INTERVAL,
    MAX_HTTP_FALLBACK_AFTER,
    MAX_MAX_PARTS,
    MAX_PASSWORD_LENGTH,
    MAX_THROUGHPUT,
    MAX_USERNAME_LENGTH,
    MAX_WINDOW,
    MIN_BALANCE_INTERVAL,
    MIN_ENQUIRE_LINK_INTERVAL,
    MIN_HTTP_FALLBACK_AFTER,
    MIN_WEBHOOK_SECRET_LENGTH,
    NAME,
    OFFERED_WEBHOOK_HASHES,
    PROBE_TIMEOUT,
    WEBHOOK_HASH_CRC32,
    WEBHOOK_HASHES,
)
from .settings import entry_link_config, tls_context
from .smsc.assist_gate import MAX_REPLIES_PER_HOUR, MAX_REPLY_PARTS, PIN_PATTERN
from .smsc.channels import normalize_sender, unique_phones
from .smsc.errors import AuthFailed, BindRefused, CannotConnect, InvalidInput, TlsError
from .smsc.http.api import HttpApi
from .smsc.http.errors import ApiAuthFailed, ApiCannotConnect, ApiError, ApiUnexpectedAnswer
from .smsc.smpp.config import build_system_type
from .smsc.smpp.link import probe_bind
from .webhook_address import async_webhook_url

_LOGGER = logging.getLogger(__name__)

# system_id: printable ASCII without spaces (a Cyrillic login cannot be sent over SMPP).
_USERNAME = re.compile(rf"[!-~]{{1,{MAX_USERNAME_LENGTH}}}")
_PASSWORD = re.compile(r"[ -~]+")
_HOST = re.compile(r"[^\s/]+")
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_\-]+")

NO_WEBHOOK_URL_HINT = (
    "(no address yet: set Home Assistant's external URL in Settings → System → Network,"
    " or use Home Assistant Cloud)"
)

_PORT_SELECTOR = NumberSelector(
    NumberSelectorConfig(min=1, max=65535, step=1, mode=NumberSelectorMode.BOX)
)
_PASSWORD_SELECTOR = TextSelector(
    TextSelectorConfig(type=TextSelectorType.PASSWORD, autocomplete="current-password")
)


def _number(low: int, high: int) -> NumberSelector:
    return NumberSelector(
        NumberSelectorConfig(min=low, max=high, step=1, mode=NumberSelectorMode.BOX)
    )


def _select(options: tuple[str, ...], key: str) -> SelectSelector:
    return SelectSelector(
        SelectSelectorConfig(
            options=list(options), translation_key=key, mode=SelectSelectorMode.DROPDOWN
        )
    )


USER_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_USERNAME): TextSelector(TextSelectorConfig(autocomplete="username")),
        vol.Required(CONF_PASSWORD): _PASSWORD_SELECTOR,
        vol.Required(CONF_HOST, default=DEFAULT_HOST): TextSelector(),
        # TLS by default: without it the bind password and every text cross the internet in
        # clear; plain 3700 stays one switch away
        vol.Required(CONF_PORT, default=DEFAULT_TLS_PORT): _PORT_SELECTOR,
        vol.Required(CONF_SSL, default=True): BooleanSelector(),
        vol.Required(CONF_VERIFY_SSL, default=True): BooleanSelector(),
        vol.Optional(CONF_SENDER): TextSelector(),
    }
)

# The login is asked again so its case can be corrected; another login is another account.
RECONFIGURE_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_USERNAME): TextSelector(TextSelectorConfig(autocomplete="username")),
        vol.Optional(CONF_PASSWORD): _PASSWORD_SELECTOR,
        vol.Required(CONF_HOST): TextSelector(),
        vol.Required(CONF_PORT): _PORT_SELECTOR,
        vol.Required(CONF_SSL): BooleanSelector(),
        vol.Required(CONF_VERIFY_SSL): BooleanSelector(),
        vol.Optional(CONF_SENDER): TextSelector(),
    }
)

REAUTH_SCHEMA = vol.Schema({vol.Required(CONF_PASSWORD): _PASSWORD_SELECTOR})

# The options form: default recipients first, the rest in sections. The options are stored
# flat (their keys are the names automations and the docs use); sections only group the form.
SECTION_SENDING = "sending"
SECTION_CONNECTION = "connection"
SECTION_WEBHOOK = "webhook"
SECTION_HTTP_API = "http_api"
SECTION_ASSIST = "assist"
_PHONES_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.TEL, multiple=True))
OPTION_SECTIONS: dict[str, dict[vol.Marker, Any]] = {
    SECTION_SENDING: {
        vol.Required(CONF_REGISTERED_DELIVERY): BooleanSelector(),
        vol.Required(CONF_MAX_PARTS): _number(1, MAX_MAX_PARTS),
        vol.Required(CONF_ISO): BooleanSelector(),
        vol.Required(CONF_SINGLE_STATUS): BooleanSelector(),
        vol.Required(CONF_THROUGHPUT): _number(1, MAX_THROUGHPUT),
        vol.Required(CONF_WINDOW): _number(1, MAX_WINDOW),
    },
    SECTION_CONNECTION: {
        vol.Required(CONF_BIND_MODE): _select(BIND_MODES, CONF_BIND_MODE),
        vol.Required(CONF_CONNECTIONS): _number(1, MAX_CONNECTIONS),
        vol.Required(CONF_ENQUIRE_LINK_INTERVAL): _number(
            MIN_ENQUIRE_LINK_INTERVAL, MAX_ENQUIRE_LINK_INTERVAL
        ),
        vol.Optional(CONF_BACKUP_HOST): TextSelector(),
        vol.Optional(CONF_BACKUP_PORT): _PORT_SELECTOR,
    },
    SECTION_WEBHOOK: {
        vol.Required(CONF_WEBHOOK_ENABLED): BooleanSelector(),
        vol.Optional(CONF_WEBHOOK_SECRET): TextSelector(),
        vol.Required(CONF_WEBHOOK_HASH): _select(WEBHOOK_HASHES, CONF_WEBHOOK_HASH),
    },
    SECTION_HTTP_API: {
        vol.Optional(CONF_API_PASSWORD): _PASSWORD_SELECTOR,
        vol.Required(CONF_API_URL): TextSelector(TextSelectorConfig(type=TextSelectorType.URL)),
        vol.Required(CONF_BALANCE_INTERVAL): _number(MIN_BALANCE_INTERVAL, MAX_BALANCE_INTERVAL),
        vol.Optional(CONF_BALANCE_WARNING): NumberSelector(
            NumberSelectorConfig(min=0, step="any", mode=NumberSelectorMode.BOX)
        ),
        vol.Required(CONF_HTTP_FALLBACK): BooleanSelector(),
        vol.Required(CONF_HTTP_FALLBACK_AFTER): _number(
            MIN_HTTP_FALLBACK_AFTER, MAX_HTTP_FALLBACK_AFTER
        ),
    },
    SECTION_ASSIST: {
        vol.Optional(CONF_ASSIST_SENDERS): _PHONES_SELECTOR,
        vol.Required(CONF_ASSIST_AGENT): ConversationAgentSelector(),
        vol.Optional(CONF_ASSIST_PIN): TextSelector(
            TextSelectorConfig(type=TextSelectorType.PASSWORD)
        ),
        vol.Required(CONF_ASSIST_REPLY_PARTS): _number(1, MAX_REPLY_PARTS),
        vol.Required(CONF_ASSIST_REPLIES_PER_HOUR): _number(1, MAX_REPLIES_PER_HOUR),
    },
}


def options_schema(hash_kind: str | None = None) -> vol.Schema:
    """The options form; CRC32 among the signatures only for an entry already on it."""
    sections = dict(OPTION_SECTIONS)
    if hash_kind != WEBHOOK_HASH_CRC32:
        sections[SECTION_WEBHOOK] = {
            marker: _select(OFFERED_WEBHOOK_HASHES, CONF_WEBHOOK_HASH)
            if str(marker) == CONF_WEBHOOK_HASH
            else value
            for marker, value in OPTION_SECTIONS[SECTION_WEBHOOK].items()
        }
    return vol.Schema(
        {
            vol.Optional(CONF_RECIPIENTS): _PHONES_SELECTOR,
            **{
                vol.Required(name): section(vol.Schema(fields), {"collapsed": True})
                for name, fields in sections.items()
            },
        }
    )


OPTIONS_SCHEMA = options_schema(WEBHOOK_HASH_CRC32)  # every field and choice there is


def nest_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """Flat options as the sectioned form holds them."""
    nested: dict[str, Any] = {}
    in_sections: set[str] = set()
    for name, fields in OPTION_SECTIONS.items():
        keys = {str(marker) for marker in fields}
        nested[name] = {key: value for key, value in options.items() if key in keys}
        in_sections |= keys
    return nested | {key: value for key, value in options.items() if key not in in_sections}


def flatten_options(user_input: Mapping[str, Any]) -> dict[str, Any]:
    """The sectioned form's input as flat options."""
    flat: dict[str, Any] = {}
    for key, value in user_input.items():
        if key in OPTION_SECTIONS:
            flat.update(value)
        else:
            flat[key] = value
    return flat


def _validate_connection(
    user_input: Mapping[str, Any], *, password_required: bool = True
) -> tuple[dict[str, Any], dict[str, str]]:
    """Check the account fields; return the data to store and field errors."""
    errors: dict[str, str] = {}
    username = user_input[CONF_USERNAME].strip()
    if not _USERNAME.fullmatch(username):
        errors[CONF_USERNAME] = "invalid_username"
    data: dict[str, Any] = {CONF_USERNAME: username}

    password = user_input.get(CONF_PASSWORD, "")
    if password or password_required:
        if len(password) > MAX_PASSWORD_LENGTH:
            errors[CONF_PASSWORD] = "password_too_long"
        elif not _PASSWORD.fullmatch(password):
            errors[CONF_PASSWORD] = "invalid_password"
        data[CONF_PASSWORD] = password

    host = user_input[CONF_HOST].strip()
    if not _HOST.fullmatch(host):
        errors[CONF_HOST] = "invalid_host"
    data[CONF_HOST] = host

    use_ssl = user_input[CONF_SSL]
    port = int(user_input[CONF_PORT])
    # Each mode's well-known port left in place after switching TLS means the other one.
    if use_ssl and port == DEFAULT_PORT:
        port = DEFAULT_TLS_PORT
    elif not use_ssl and port == DEFAULT_TLS_PORT:
        port = DEFAULT_PORT
    data |= {CONF_PORT: port, CONF_SSL: use_ssl, CONF_VERIFY_SSL: user_input[CONF_VERIFY_SSL]}

    sender = user_input.get(CONF_SENDER, "").strip()
    try:
        sender = normalize_sender(sender) or ""
    except InvalidInput:
        errors[CONF_SENDER] = "invalid_sender"
    data[CONF_SENDER] = sender
    return data, errors


def _validate_options(
    user_input: Mapping[str, Any],
) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    """Check the options; return the options to store, errors and their placeholders."""
    errors: dict[str, str] = {}
    placeholders: dict[str, str] = {}
    options: dict[str, Any] = {
        CONF_BIND_MODE: user_input[CONF_BIND_MODE],
        CONF_ISO: user_input[CONF_ISO],
        CONF_SINGLE_STATUS: user_input[CONF_SINGLE_STATUS],
        CONF_REGISTERED_DELIVERY: user_input[CONF_REGISTERED_DELIVERY],
        CONF_WEBHOOK_ENABLED: user_input[CONF_WEBHOOK_ENABLED],
        CONF_WEBHOOK_HASH: user_input[CONF_WEBHOOK_HASH],
    }
    for key in (
        CONF_CONNECTIONS,
        CONF_ENQUIRE_LINK_INTERVAL,
        CONF_WINDOW,
        CONF_THROUGHPUT,
        CONF_MAX_PARTS,
    ):
        options[key] = int(user_input[key])

    try:
        build_system_type(
            iso=options[CONF_ISO],
            single=options[CONF_SINGLE_STATUS],
            connections=options[CONF_CONNECTIONS],
        )
    except InvalidInput as err:
        errors["base"] = err.key
        placeholders.update(err.placeholders)

    options[CONF_BACKUP_HOST] = backup_host = user_input.get(CONF_BACKUP_HOST, "").strip()
    if backup_host and not _HOST.fullmatch(backup_host):
        errors[CONF_BACKUP_HOST] = "invalid_host"
    backup_port = user_input.get(CONF_BACKUP_PORT)
    options[CONF_BACKUP_PORT] = None if backup_port is None else int(backup_port)

    options[CONF_RECIPIENTS], invalid = unique_phones(user_input.get(CONF_RECIPIENTS, []))
    if invalid:
        errors[CONF_RECIPIENTS] = "invalid_recipient"
        placeholders.setdefault("recipient", invalid[0])

    options[CONF_WEBHOOK_SECRET] = secret = user_input.get(CONF_WEBHOOK_SECRET, "").strip()
    if secret and not _WEBHOOK_SECRET.fullmatch(secret):
        errors[CONF_WEBHOOK_SECRET] = "invalid_webhook_secret"
    elif secret and len(secret) < MIN_WEBHOOK_SECRET_LENGTH:
        errors[CONF_WEBHOOK_SECRET] = "webhook_secret_too_short"
        placeholders["min"] = str(MIN_WEBHOOK_SECRET_LENGTH)
    _validate_api_options(user_input, options, errors)
    _validate_assist_options(user_input, options, errors, placeholders)
    return options, errors, placeholders


def _validate_api_options(
    user_input: Mapping[str, Any], options: dict[str, Any], errors: dict[str, str]
) -> None:
    """The HTTP API section: the URL checked, the numbers as numbers."""
    options[CONF_API_PASSWORD] = password = user_input.get(CONF_API_PASSWORD, "").strip()
    url = user_input.get(CONF_API_URL, "").strip() or DEFAULT_OPTIONS[CONF_API_URL]
    try:
        options[CONF_API_URL] = HttpApi.check_url(url)
    except InvalidInput:
        options[CONF_API_URL] = url
        errors[CONF_API_URL] = "invalid_api_url"
    options[CONF_BALANCE_INTERVAL] = int(user_input[CONF_BALANCE_INTERVAL])
    warning = user_input.get(CONF_BALANCE_WARNING)
    options[CONF_BALANCE_WARNING] = None if warning is None else float(warning)
    options[CONF_HTTP_FALLBACK] = fallback = user_input[CONF_HTTP_FALLBACK]
    options[CONF_HTTP_FALLBACK_AFTER] = int(user_input[CONF_HTTP_FALLBACK_AFTER])
    if fallback and not password:
        errors[CONF_API_PASSWORD] = "api_password_required"


def _validate_assist_options(
    user_input: Mapping[str, Any],
    options: dict[str, Any],
    errors: dict[str, str],
    placeholders: dict[str, str],
) -> None:
    """The Assist section: numbers only (a sender name can be set by anyone), a PIN one can
    type, the numbers as numbers."""
    options[CONF_ASSIST_SENDERS], invalid = unique_phones(user_input.get(CONF_ASSIST_SENDERS, []))
    if invalid:
        errors[CONF_ASSIST_SENDERS] = "invalid_assist_sender"
        placeholders.setdefault("sender", invalid[0])
    options[CONF_ASSIST_AGENT] = user_input.get(CONF_ASSIST_AGENT) or DEFAULT_ASSIST_AGENT
    options[CONF_ASSIST_PIN] = pin = user_input.get(CONF_ASSIST_PIN, "").strip()
    if pin and not PIN_PATTERN.fullmatch(pin):
        errors[CONF_ASSIST_PIN] = "invalid_assist_pin"
    options[CONF_ASSIST_REPLY_PARTS] = int(user_input[CONF_ASSIST_REPLY_PARTS])
    options[CONF_ASSIST_REPLIES_PER_HOUR] = int(user_input[CONF_ASSIST_REPLIES_PER_HOUR])


async def async_check_api(
    hass: HomeAssistant, login: str, password: str, url: str
) -> tuple[dict[str, str], dict[str, str]]:
    """One live balance request; return base errors and their placeholders."""
    api = HttpApi(async_get_clientsession(hass), login, password, url=url, timeout=API_TIMEOUT)
    try:
        await api.balance()
    except ApiAuthFailed:
        return {"base": "invalid_api_auth"}, {}
    except (ApiCannotConnect, ApiUnexpectedAnswer) as err:
        return {"base": "api_cannot_connect"}, {"error": err.placeholders["error"]}
    except ApiError as err:
        return {"base": "api_error"}, dict(err.placeholders)
    return {}, {}


def _without_password(values: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if key != CONF_PASSWORD}


class SmscConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add an SMS Center account, re-authenticate it or change its connection."""

    VERSION = 1
    MINOR_VERSION = 2

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> SmscOptionsFlow:
        """Return the options flow."""
        return SmscOptionsFlow()

    async def _async_probe(self, data: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
        """Bind once with the data; return base errors and their placeholders."""
        config = entry_link_config(data)
        try:
            await probe_bind(config, ssl_context=tls_context(config), timeout=PROBE_TIMEOUT)
        except AuthFailed:
            return {"base": "invalid_auth"}, {}
        except TlsError:
            return {"base": "tls_error"}, {}
        except CannotConnect:
            return {"base": "cannot_connect"}, {}
        except BindRefused as err:
            return {"base": "bind_refused"}, {"status": f"0x{err.status:08X}"}
        except Exception:
            _LOGGER.exception("Unexpected error binding to %s:%s", data[CONF_HOST], data[CONF_PORT])
            return {"base": "unknown"}, {}
        return {}, {}

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the account and bind with it."""
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            data, errors = _validate_connection(user_input)
            if not errors:
                await self.async_set_unique_id(data[CONF_USERNAME].lower())
                self._abort_if_unique_id_configured()
                errors, placeholders = await self._async_probe(data)
            if not errors:
                return self.async_create_entry(
                    title=f"{NAME} ({data[CONF_USERNAME]})",
                    data={**data, CONF_WEBHOOK_ID: webhook.async_generate_id()},
                    options=copy.deepcopy(DEFAULT_OPTIONS),
                )
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(
                USER_SCHEMA, _without_password(user_input or {})
            ),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """Start when the server refuses the stored password."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the new SMPP password and bind with it."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        placeholders = {CONF_USERNAME: entry.data[CONF_USERNAME]}
        if user_input is not None:
            password = user_input[CONF_PASSWORD]
            if len(password) > MAX_PASSWORD_LENGTH:
                errors[CONF_PASSWORD] = "password_too_long"
            elif not _PASSWORD.fullmatch(password):
                errors[CONF_PASSWORD] = "invalid_password"
            else:
                errors, extra = await self._async_probe({**entry.data, CONF_PASSWORD: password})
                placeholders |= extra
            if not errors:
                return self.async_update_reload_and_abort(
                    entry, data_updates={CONF_PASSWORD: password}
                )
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=REAUTH_SCHEMA,
            errors=errors,
            description_placeholders=placeholders,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the server, TLS, sender or password of the account."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            data, errors = _validate_connection(user_input, password_required=False)
            if not errors:
                await self.async_set_unique_id(data[CONF_USERNAME].lower())
                self._abort_if_unique_id_mismatch()
                data = {**entry.data, **data}
                errors, placeholders = await self._async_probe(data)
            if not errors:
                return self.async_update_reload_and_abort(entry, data=data)
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                RECONFIGURE_SCHEMA, _without_password(user_input or entry.data)
            ),
            errors=errors,
            description_placeholders=placeholders,
        )


class SmscOptionsFlow(OptionsFlowWithReload):
    """Tune the link, sending, the webhook and Assist by SMS; saving reloads the entry (a new
    bind)."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show and check every option."""
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is None:
            values = {**DEFAULT_OPTIONS, **self.config_entry.options}
            shown: Mapping[str, Any] = values
        else:
            shown = flatten_options(user_input)  # as typed, not as normalised
            values, errors, placeholders = _validate_options(shown)
            if not errors and values[CONF_API_PASSWORD]:
                errors, placeholders = await async_check_api(
                    self.hass,
                    self.config_entry.data[CONF_USERNAME],
                    values[CONF_API_PASSWORD],
                    values[CONF_API_URL],
                )
            if not errors:
                return self.async_create_entry(data=values)
        placeholders["webhook_url"] = await self._async_webhook_url(values)
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                options_schema(self.config_entry.options.get(CONF_WEBHOOK_HASH)),
                nest_options({key: value for key, value in shown.items() if value is not None}),
            ),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def _async_webhook_url(self, options: Mapping[str, Any]) -> str:
        """Return the webhook address, or a translated hint when there is none."""
        url = await async_webhook_url(
            self.hass,
            self.config_entry,
            secret=options.get(CONF_WEBHOOK_SECRET) or "",
            hash_kind=options.get(CONF_WEBHOOK_HASH),
        )
        if url is None:
            strings = await translation.async_get_translations(
                self.hass, self.hass.config.language, "exceptions", {DOMAIN}
            )
            return strings.get(
                f"component.{DOMAIN}.exceptions.no_webhook_url.message", NO_WEBHOOK_URL_HINT
            )
        return url
