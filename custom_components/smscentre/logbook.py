"""The logbook's lines for conversations with Assist by SMS."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.components.logbook.const import LOGBOOK_ENTRY_MESSAGE, LOGBOOK_ENTRY_NAME
from homeassistant.core import Event, HomeAssistant, callback

from .const import DOMAIN, EVENT_CONVERSATION, NAME

REFUSALS = {
    "pin": "refused: the PIN was missing or wrong",
    "rate_limit": "refused: more messages than the hourly limit",
}


def describe_conversation(data: dict[str, Any]) -> str:
    """One line: who asked what, and what was answered (or why nothing was)."""
    sender = f"+{data.get('sender', '')}"
    if refused := data.get("refused"):
        return f"SMS from {sender} {REFUSALS.get(refused, f'refused ({refused})')}"
    line = f"SMS from {sender}: “{data.get('text', '')}”"
    if data.get("reply"):
        line += f" → “{data['reply']}”"
    if not data.get("replied"):
        line += " (no answer sent)"
    return line


@callback
def async_describe_events(
    hass: HomeAssistant,
    async_describe_event: Callable[[str, str, Callable[[Event], dict[str, str]]], None],
) -> None:
    """Describe smscentre_conversation events."""

    @callback
    def describe(event: Event) -> dict[str, str]:
        return {
            LOGBOOK_ENTRY_NAME: NAME,
            LOGBOOK_ENTRY_MESSAGE: describe_conversation(dict(event.data)),
        }

    async_describe_event(DOMAIN, EVENT_CONVERSATION, describe)
