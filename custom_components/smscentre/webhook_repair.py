"""The fix flow of a CRC32-signed webhook (``webhook_issues``): MD5, the same secret."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.components.repairs import RepairsFlow

from .compat import vol
from .const import CONF_WEBHOOK_HASH, DEFAULT_WEBHOOK_HASH
from .webhook_address import async_webhook_url

if TYPE_CHECKING:
    from homeassistant.components.repairs import RepairsFlowResult


class Crc32RepairFlow(RepairsFlow):
    """Keep the secret, sign with MD5; say which address to paste into the account."""

    def __init__(self, entry_id: str) -> None:
        """For one entry."""
        self._entry_id = entry_id

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> RepairsFlowResult:
        """Go straight to the confirmation."""
        return await self.async_step_confirm()

    async def async_step_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """Show the new address; on submit store md5 and reload the entry."""
        entry = self.hass.config_entries.async_get_entry(self._entry_id)
        if entry is None:
            return self.async_abort(reason="entry_removed")
        if user_input is not None:
            options = {**entry.options, CONF_WEBHOOK_HASH: DEFAULT_WEBHOOK_HASH}
            self.hass.config_entries.async_update_entry(entry, options=options)
            self.hass.config_entries.async_schedule_reload(entry.entry_id)
            return self.async_create_entry(data={})
        url = await async_webhook_url(self.hass, entry, hash_kind=DEFAULT_WEBHOOK_HASH)
        return self.async_show_form(
            step_id="confirm",
            data_schema=vol.Schema({}),
            description_placeholders={"title": entry.title, "url": url or "?"},
        )
