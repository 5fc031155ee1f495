"""Repairs: a new password for the HTTP API when it refuses the stored one (like reauth); a
CRC32-signed webhook switched to MD5 (``webhook_repair.Crc32RepairFlow``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.components.repairs import RepairsFlow
from homeassistant.const import CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.helpers.selector import TextSelector, TextSelectorConfig, TextSelectorType

from .compat import vol
from .const import CONF_API_PASSWORD, CONF_API_URL, DEFAULT_API_URL
from .flow_validation import async_check_api
from .webhook_issues import ISSUE_CRC32
from .webhook_repair import Crc32RepairFlow

if TYPE_CHECKING:
    from homeassistant.components.repairs import RepairsFlowResult

API_PASSWORD_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_API_PASSWORD): TextSelector(
            TextSelectorConfig(type=TextSelectorType.PASSWORD, autocomplete="current-password")
        )
    }
)


class ApiPasswordFlow(RepairsFlow):
    """Ask for the HTTP API password, check it with one balance request, store it."""

    def __init__(self, entry_id: str) -> None:
        """For the entry whose API refused its password."""
        self._entry_id = entry_id

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> RepairsFlowResult:
        """The only step."""
        entry = self.hass.config_entries.async_get_entry(self._entry_id)
        if entry is None:
            return self.async_abort(reason="entry_removed")
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {"title": entry.title}
        # Home Assistant may start the flow with {"issue_id": ...} as input: not a password
        if user_input is not None and CONF_API_PASSWORD in user_input:
            password = user_input[CONF_API_PASSWORD].strip()
            errors, extra = await async_check_api(
                self.hass,
                entry.data[CONF_USERNAME],
                password,
                entry.options.get(CONF_API_URL) or DEFAULT_API_URL,
            )
            placeholders |= extra
            if not errors:
                self.hass.config_entries.async_update_entry(
                    entry, options={**entry.options, CONF_API_PASSWORD: password}
                )
                self.hass.config_entries.async_schedule_reload(entry.entry_id)
                return self.async_create_entry(data={})
        return self.async_show_form(
            step_id="init",
            data_schema=API_PASSWORD_SCHEMA,
            errors=errors,
            description_placeholders=placeholders,
        )


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, str | int | float | None] | None
) -> RepairsFlow:
    """The flow of a fixable issue: the API password, or a CRC32-signed webhook."""
    entry_id = str((data or {}).get("entry_id", ""))
    if issue_id.startswith(f"{ISSUE_CRC32}_"):
        return Crc32RepairFlow(entry_id)
    return ApiPasswordFlow(entry_id)
