"""What a person is told when the SMPP link cannot bind: one message for one cause.

The link's status is the only input. A refused password (0x0E, 0x0F: the provider's answer to
a wrong or deleted SMPP password) asks for a new one through reauthentication, the one fix that
fits. Every other cause (the server cannot be reached, does not answer, fails TLS, or refuses
the bind with another status, 0x0D included: SMPP disabled, an address not whitelisted, an
outage) fixes itself or needs a check in the account, not a password: once the link has been
down for ``REPAIR_AFTER``, one repair issue per entry says which, in words a home user can act
on, and it follows the latest cause. Binding clears everything; so does unloading.
"""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_call_later

from .const import DOMAIN
from .smsc.smpp.link import LinkState, LinkStatus

# Down this long before a repair issue: a router or modem restart (1 to 3 minutes), the
# provider's own short outages and the link's retries (backoff up to 60 s, the backup server
# after 3 failures) heal before anyone is told, while an address that is not whitelisted or
# SMPP switched off is reported within minutes of a start. The Link sensor and the log say at
# once that the link is down.
REPAIR_AFTER = 300.0

# the link's last error -> the repair issue's translation key
ISSUE_KEYS = {
    "cannot_connect": "link_cannot_connect",
    "no_bind_response": "link_no_answer",
    "tls_error": "link_tls",
    "bind_refused": "bind_refused",
}
ISSUE_OTHER = "link_down"


def issue_id(entry_id: str) -> str:
    """The one repair issue of an entry's link."""
    return f"link_down_{entry_id}"


class Health:
    """Reauthentication for a refused password, else one repair issue after a long outage."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry, server: str) -> None:
        """For one entry; ``server`` (host:port) is named in the issue."""
        self._hass = hass
        self._entry = entry
        self._server = server
        self._timer: CALLBACK_TYPE | None = None
        self._status: LinkStatus | None = None
        self._issue: tuple[str, dict[str, str]] | None = None  # what the issue says now
        self._password_refused = False

    @callback
    def link_status(self, status: LinkStatus) -> None:
        """Follow the link: bound, down (count the time, say why), password refused, stopped."""
        self._status = status
        if status.bound:
            self._password_refused = False
            self._clear()
            self._dismiss_reauth()
        elif status.state is LinkState.STOPPED:
            self._clear()
        elif status.state is LinkState.AUTH_FAILED:
            if not self._password_refused:
                self._password_refused = True
                self._clear()
                self._entry.async_start_reauth(self._hass)
        elif self._password_refused:
            return  # reauthentication says it; another slot's failures add nothing
        elif self._issue is not None:
            self._raise()  # the cause may have changed: the issue follows it
        elif self._timer is None:
            self._timer = async_call_later(self._hass, REPAIR_AFTER, self._time_up)

    @callback
    def _time_up(self, _now: Any) -> None:
        self._timer = None
        self._raise()

    @callback
    def _raise(self) -> None:
        """Create or update the issue from the latest status."""
        status = self._status
        if status is None:
            return
        key = ISSUE_KEYS.get(status.last_error or "", ISSUE_OTHER)
        code = status.last_error_status
        placeholders = {
            "title": self._entry.title,
            "server": self._server,
            "minutes": f"{REPAIR_AFTER / 60:g}",
            "status": f"0x{code:08X}" if code is not None else "?",
            "error": status.last_error or "?",
        }
        if self._issue == (key, placeholders):
            return
        self._issue = (key, placeholders)
        ir.async_create_issue(
            self._hass,
            DOMAIN,
            issue_id(self._entry.entry_id),
            is_fixable=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key=key,
            translation_placeholders=placeholders,
        )

    @callback
    def _clear(self) -> None:
        """No repair issue, no timer."""
        if self._timer is not None:
            self._timer()
            self._timer = None
        if self._issue is not None:
            self._issue = None
            ir.async_delete_issue(self._hass, DOMAIN, issue_id(self._entry.entry_id))

    @callback
    def _dismiss_reauth(self) -> None:
        """Bound with the stored password: a request for a new one is stale (the password was
        fixed elsewhere, or another session of the login binds)."""
        for flow in self._entry.async_get_active_flows(self._hass, {SOURCE_REAUTH}):
            self._hass.config_entries.flow.async_abort(flow["flow_id"])
