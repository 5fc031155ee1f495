"""Diagnostics with secrets and personal data redacted."""

from __future__ import annotations

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME, CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant

from .const import (
    CONF_API_PASSWORD,
    CONF_ASSIST_PIN,
    CONF_ASSIST_SENDERS,
    CONF_RECIPIENTS,
    CONF_SENDER,
    CONF_WEBHOOK_SECRET,
)
from .runtime import SmscConfigEntry

TO_REDACT = {
    CONF_PASSWORD,
    CONF_API_PASSWORD,
    CONF_USERNAME,
    CONF_SENDER,
    CONF_RECIPIENTS,
    CONF_WEBHOOK_ID,
    CONF_WEBHOOK_SECRET,
    CONF_ASSIST_SENDERS,
    CONF_ASSIST_PIN,
    "unique_id",
    "title",
    "recipient",
    "phone",
    "text",
    "message",
}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: SmscConfigEntry
) -> dict[str, Any]:
    """Entry settings and runtime state, redacted."""
    return async_redact_data(
        {
            "entry": {
                "title": entry.title,
                "unique_id": entry.unique_id,
                "data": dict(entry.data),
                "options": dict(entry.options),
            },
            "runtime": entry.runtime_data.diagnostics(),
        },
        TO_REDACT,
    )
