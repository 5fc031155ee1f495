"""Repair issues for a webhook set up before its signature rules were tightened.

An entry signed with CRC32 (forgeable: linear, so one signed request lets anyone sign another
without the secret) gets a fixable issue (``webhook_repair.Crc32RepairFlow`` switches it to
MD5 with the same secret); a secret shorter than ``MIN_WEBHOOK_SECRET_LENGTH`` gets one that
explains what to do. Both keep working until the user acts: refusing them would lose the
provider's requests.
"""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .const import (
    CONF_WEBHOOK_ENABLED,
    CONF_WEBHOOK_HASH,
    CONF_WEBHOOK_SECRET,
    DOMAIN,
    MIN_WEBHOOK_SECRET_LENGTH,
    WEBHOOK_HASH_CRC32,
)

ISSUE_CRC32 = "webhook_crc32"
ISSUE_SHORT_SECRET = "webhook_secret_short"


def issue_id(kind: str, entry_id: str) -> str:
    """The issue of one entry."""
    return f"{kind}_{entry_id}"


@callback
def async_check_webhook_settings(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Raise or clear the entry's CRC32 and short-secret issues (at each setup)."""
    options = entry.options
    secret = options.get(CONF_WEBHOOK_SECRET) or ""
    signed = bool(options.get(CONF_WEBHOOK_ENABLED)) and bool(secret)
    crc32 = signed and options.get(CONF_WEBHOOK_HASH) == WEBHOOK_HASH_CRC32
    _set_issue(hass, entry, ISSUE_CRC32, raised=crc32, fixable=True)
    short = signed and len(secret) < MIN_WEBHOOK_SECRET_LENGTH
    _set_issue(hass, entry, ISSUE_SHORT_SECRET, raised=short, fixable=False)


def _set_issue(
    hass: HomeAssistant, entry: ConfigEntry, kind: str, *, raised: bool, fixable: bool
) -> None:
    if not raised:
        ir.async_delete_issue(hass, DOMAIN, issue_id(kind, entry.entry_id))
        return
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id(kind, entry.entry_id),
        is_fixable=fixable,
        severity=ir.IssueSeverity.WARNING,
        translation_key=kind,
        translation_placeholders={"title": entry.title, "min": str(MIN_WEBHOOK_SECRET_LENGTH)},
        data={"entry_id": entry.entry_id},
    )


@callback
def async_remove_webhook_issues(hass: HomeAssistant, entry_id: str) -> None:
    """The entry is gone: so are its issues."""
    for kind in (ISSUE_CRC32, ISSUE_SHORT_SECRET):
        ir.async_delete_issue(hass, DOMAIN, issue_id(kind, entry_id))
