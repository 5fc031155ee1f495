"""What the user must act on: reauthentication and repair issues of one entry."""

from __future__ import annotations

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN
from .smsc.errors import LinkError
from .smsc.smpp.link import LinkStatus


class Health:
    """Starts and dismisses reauthentication; raises and clears the bind-refused repair."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry) -> None:
        """For one entry."""
        self._hass = hass
        self._entry = entry

    @callback
    def link_status(self, status: LinkStatus) -> None:
        """Bound again: a pending request for a new password is stale."""
        if status.bound:
            self._dismiss_reauth()

    @callback
    def _dismiss_reauth(self) -> None:
        """Bound again with the stored password: a request for a new one is stale.

        Repeated 0x0D from a server that knew this login starts reauthentication (the
        password most likely changed), yet a provider outage refuses binds with 0x0D too; once
        the link binds, the password is fine and the request must not linger.
        """
        for flow in self._entry.async_get_active_flows(self._hass, {SOURCE_REAUTH}):
            self._hass.config_entries.flow.async_abort(flow["flow_id"])

    @callback
    def auth_failed(self, err: LinkError) -> None:
        """The server refused the login or password: ask for a new one."""
        self._entry.async_start_reauth(self._hass)

    @callback
    def bind_error(self, err: LinkError | None) -> None:
        """A bind was refused (repair issue), or a bind succeeded (``None``: cleared)."""
        issue_id = f"bind_refused_{self._entry.entry_id}"
        if err is None:
            ir.async_delete_issue(self._hass, DOMAIN, issue_id)
            return
        ir.async_create_issue(
            self._hass,
            DOMAIN,
            issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key="bind_refused",
            translation_placeholders={
                "status": err.placeholders.get("status", "?"),
                "title": self._entry.title,
            },
        )
