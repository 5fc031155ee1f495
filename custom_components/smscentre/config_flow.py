"""Config flow of SMS Center: every account is bound for real before it is saved.

The forms are in flow_schema.py, what they accept in flow_validation.py.
"""

from __future__ import annotations

from collections.abc import Mapping
import copy
import logging
from typing import Any

from homeassistant.components import webhook
from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME, CONF_WEBHOOK_ID
from homeassistant.core import callback
from homeassistant.helpers import translation

from .const import (
    CONF_API_PASSWORD,
    CONF_API_URL,
    CONF_WEBHOOK_HASH,
    CONF_WEBHOOK_SECRET,
    DEFAULT_OPTIONS,
    DOMAIN,
    NAME,
    PROBE_TIMEOUT,
)
from .flow_schema import (
    CONF_ENCRYPTION,
    REAUTH_SCHEMA,
    RECONFIGURE_SCHEMA,
    USER_SCHEMA,
    encryption_of,
    flatten_options,
    nest_options,
    options_schema,
    section_errors,
    shown_options,
)
from .flow_validation import (
    async_check_api,
    password_error,
    validate_connection,
    validate_options,
)
from .settings import entry_link_config, tls_context
from .smsc.errors import AuthFailed, BindRefused, CannotConnect, TlsError
from .smsc.smpp.link import probe_bind
from .webhook_address import async_webhook_url

_LOGGER = logging.getLogger(__name__)

NO_WEBHOOK_URL_HINT = (
    "(no address yet: set Home Assistant's external URL in Settings → System → Network,"
    " or use Home Assistant Cloud)"
)


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
            data, errors = validate_connection(user_input)
            if not errors:
                # Not raise_on_progress: a form left open with a refused password (a closed
                # tab, a reload) must not keep the login from being added again. The flow
                # that creates the entry ends any other one still open for it.
                await self.async_set_unique_id(data[CONF_USERNAME].lower(), raise_on_progress=False)
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
            if error := password_error(password):
                errors[CONF_PASSWORD] = error
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
            data, errors = validate_connection(user_input, password_required=False)
            if not errors:
                await self.async_set_unique_id(data[CONF_USERNAME].lower(), raise_on_progress=False)
                self._abort_if_unique_id_mismatch()
                data = {**entry.data, **data}
                errors, placeholders = await self._async_probe(data)
            if not errors:
                return self.async_update_reload_and_abort(entry, data=data)
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                RECONFIGURE_SCHEMA,
                _without_password(
                    user_input or {**entry.data, CONF_ENCRYPTION: encryption_of(entry.data)}
                ),
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
            shown: Mapping[str, Any] = shown_options(values)
        else:
            shown = flatten_options(user_input)  # as typed, not as normalised
            values, errors, placeholders = validate_options(shown)
            if not errors and values[CONF_API_PASSWORD]:
                api_errors, placeholders = await async_check_api(
                    self.hass,
                    self.config_entry.data[CONF_USERNAME],
                    values[CONF_API_PASSWORD],
                    values[CONF_API_URL],
                )
                if api_errors:  # about the password or the address: the HTTP API section's
                    errors = {CONF_API_PASSWORD: api_errors["base"]}
            if not errors:
                return self.async_create_entry(data=values)
        form_errors, opened = section_errors(errors)
        placeholders["webhook_url"] = await self._async_webhook_url()
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                options_schema(self.config_entry.options.get(CONF_WEBHOOK_HASH), opened),
                nest_options({key: value for key, value in shown.items() if value is not None}),
            ),
            errors=form_errors,
            description_placeholders=placeholders,
        )

    async def _async_webhook_url(self) -> str:
        """Return the webhook address in use (the saved secret's, not one typed in the form)
        as a code block (one long word that would run out of the dialog; a block scrolls and
        is copied whole), or a translated hint when there is none."""
        options = self.config_entry.options
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
        return f"\n```\n{url}\n```"
