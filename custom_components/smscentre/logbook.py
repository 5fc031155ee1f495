"""The logbook's lines: incoming SMS, delivery reports, conversations with Assist by SMS.

The event entities' own lines say only what kind of event came ("SMS received",
"Delivered"): the logbook shows an entity's state and its event type, never its other
attributes. Who wrote what, and to whom a report is, is told here, from the bus events.
Numbers are shown as people write them; events keep digits for automations.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.components.logbook.const import (
    LOGBOOK_ENTRY_ICON,
    LOGBOOK_ENTRY_MESSAGE,
    LOGBOOK_ENTRY_NAME,
)
from homeassistant.core import Event, HomeAssistant, callback

from .const import (
    DOMAIN,
    EVENT_CONVERSATION,
    EVENT_DELIVERY_REPORT,
    EVENT_INCOMING_SMS,
    NAME,
)
from .smsc.channels import format_phone
from .smsc.reports import DELIVERED
from .smsc.shorten import cut

# One GSM-7 SMS shows whole; a longer text is cut for a line (the event keeps all of it).
LINE_TEXT_LENGTH = 160

REFUSALS = {
    "pin": "refused: the PIN was missing or wrong",
    "rate_limit": "refused: more messages than the hourly limit",
}
# A report's channel (ours, or the provider's message type) as a noun
CHANNEL_NOUNS = {
    "sms": "SMS",
    "flash": "Flash SMS",
    "binary": "Binary SMS",
    "wap_push": "WAP push",
    "mms": "MMS",
    "call": "Voice call",
    "telegram_code": "Telegram code",
    "bot": "Bot message",
    "viber": "Viber message",
    "social": "Social network message",
    "email": "E-mail",
    "ping": "Ping",
    "hlr": "HLR request",
}
# What follows "SMS to +7 999 123-45-67"
REPORT_STATUSES = {
    "delivered": " delivered",
    "undeliverable": " not delivered",
    "expired": " not delivered in time",
    "rejected": " rejected",
    "deleted": " deleted",
    "accepted": " accepted by the operator",
    "unknown": ": status unknown",
}


def _quoted(text: Any) -> str:
    """A text on one line, cut for a log line, in quotes."""
    return f"“{cut(' '.join(str(text or '').split()), LINE_TEXT_LENGTH)}”"


def _number(value: Any) -> str:
    return format_phone(str(value or ""))


def describe_incoming(data: dict[str, Any]) -> str:
    """One line: who wrote what."""
    sender = _number(data.get("sender")) or "an unknown sender"
    line = f"SMS from {sender}: {_quoted(data.get('text'))}"
    if data.get("incomplete"):
        line += " (incomplete: not all parts arrived)"
    return line


def describe_report(data: dict[str, Any]) -> str:
    """One line: what went to whom, and what became of it."""
    noun = CHANNEL_NOUNS.get(str(data.get("channel")), "Message")
    if recipient := data.get("recipient"):
        target = f"{noun} to {_number(recipient)}"
    else:
        target = f"{noun} {data.get('message_id') or ''}".rstrip()
    status = str(data.get("status") or "unknown")
    line = target + REPORT_STATUSES.get(status, f": {status}")
    if status != DELIVERED and data.get("error_code") and (error := data.get("error")):
        line += f" ({error})"
    return line


def describe_conversation(data: dict[str, Any]) -> str:
    """One line: who asked what, and what was answered (or why nothing was)."""
    sender = _number(data.get("sender"))
    if refused := data.get("refused"):
        return f"SMS from {sender} {REFUSALS.get(refused, f'refused ({refused})')}"
    line = f"SMS from {sender}: {_quoted(data.get('text'))}"
    if data.get("reply"):
        line += f" → {_quoted(data['reply'])}"
    if not data.get("replied"):
        line += " (no answer sent)"
    return line


# Each line's describer and icon (the event entities' icons). A line without an icon shows
# an empty square in Home Assistant 2026's activity view, which draws an integration's own
# image only beside an entity.
DESCRIBERS: dict[str, tuple[Callable[[dict[str, Any]], str], str]] = {
    EVENT_INCOMING_SMS: (describe_incoming, "mdi:message-arrow-left"),
    EVENT_DELIVERY_REPORT: (describe_report, "mdi:message-check"),
    EVENT_CONVERSATION: (describe_conversation, "mdi:message-reply-text"),
}


def _entry(
    describer: Callable[[dict[str, Any]], str], icon: str
) -> Callable[[Event], dict[str, str]]:
    @callback
    def describe(event: Event) -> dict[str, str]:
        return {
            LOGBOOK_ENTRY_NAME: NAME,
            LOGBOOK_ENTRY_MESSAGE: describer(dict(event.data)),
            LOGBOOK_ENTRY_ICON: icon,
        }

    return describe


@callback
def async_describe_events(
    hass: HomeAssistant,
    async_describe_event: Callable[[str, str, Callable[[Event], dict[str, str]]], None],
) -> None:
    """Describe the integration's events that a person reads in the logbook."""
    for event_type, (describer, icon) in DESCRIBERS.items():
        async_describe_event(DOMAIN, event_type, _entry(describer, icon))
