"""One way out for everything that comes in: bus events, entity signals and listeners.

Incoming SMS, delivery reports, HLR results and call confirmations arrive over SMPP (the
receiver) or the provider's HTTP handler (the webhook); both hand them here, so an event
looks the same whichever way it came. Link status changes come through here too. Parts of
the integration that act on what comes in (the HLR action waiting for its result, health
checks, conversations) subscribe with ``listen_*`` instead of being called by name.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from homeassistant.const import ATTR_CONFIG_ENTRY_ID
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_send

from .const import (
    DOMAIN,
    EVENT_CALL_CONFIRMATION,
    EVENT_DELIVERY_REPORT,
    EVENT_HLR_RESULT,
    EVENT_INCOMING_SMS,
)
from .smsc.incoming import IncomingMessage
from .smsc.reports import DeliveryReport, HlrResult
from .smsc.smpp.link import LinkStatus
from .smsc.text import clean_data
from .smsc.tracker import SentRecord, SentTracker, annotate_hlr, annotate_report

type IncomingListener = Callable[[IncomingMessage], None]
type HlrListener = Callable[[HlrResult, SentRecord | None], None]
type StatusListener = Callable[[LinkStatus], None]


def signal_status(entry_id: str) -> str:
    """Dispatcher signal: the link status changed."""
    return f"{DOMAIN}_{entry_id}_status"


def signal_incoming(entry_id: str) -> str:
    """Dispatcher signal: an incoming message (payload: event data)."""
    return f"{DOMAIN}_{entry_id}_incoming"


def signal_report(entry_id: str) -> str:
    """Dispatcher signal: a delivery report (payload: event data)."""
    return f"{DOMAIN}_{entry_id}_report"


def _subscribe[T](listeners: list[T], listener: T) -> CALLBACK_TYPE:
    listeners.append(listener)

    @callback
    def unsubscribe() -> None:
        if listener in listeners:
            listeners.remove(listener)

    return unsubscribe


class Dispatcher:
    """Turns what one entry receives into Home Assistant events and signals."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry_id: str,
        tracker: SentTracker,
        on_report_status: Callable[[], None],
    ) -> None:
        """``on_report_status``: a report changed a message's status (the Failed sensor)."""
        self._hass = hass
        self._entry_id = entry_id
        self._tracker = tracker
        self._on_report_status = on_report_status
        self._incoming: list[IncomingListener] = []
        self._hlr: list[HlrListener] = []
        self._status: list[StatusListener] = []

    def listen_incoming(self, listener: IncomingListener) -> CALLBACK_TYPE:
        """Call ``listener`` with every incoming SMS, after its event; returns unsubscribe."""
        return _subscribe(self._incoming, listener)

    def listen_hlr(self, listener: HlrListener) -> CALLBACK_TYPE:
        """Call ``listener`` with every HLR result, before its event; returns unsubscribe."""
        return _subscribe(self._hlr, listener)

    def listen_status(self, listener: StatusListener) -> CALLBACK_TYPE:
        """Call ``listener`` on every link status change; returns unsubscribe."""
        return _subscribe(self._status, listener)

    def _data(self, data: dict[str, Any]) -> dict[str, Any]:
        """Event data, every string saveable (no lone surrogate from any input path)."""
        cleaned: dict[str, Any] = clean_data(data)
        return {ATTR_CONFIG_ENTRY_ID: self._entry_id} | cleaned

    @callback
    def incoming(self, message: IncomingMessage) -> None:
        """An incoming SMS (SMPP or webhook)."""
        data = self._data(message.as_event_data())
        self._hass.bus.async_fire(EVENT_INCOMING_SMS, data)
        async_dispatcher_send(self._hass, signal_incoming(self._entry_id), data)
        for listener in list(self._incoming):
            listener(message)

    @callback
    def report(self, report: DeliveryReport, record: SentRecord | None) -> None:
        """A delivery report (SMPP or webhook); ``record``: what we sent, when known."""
        if record is not None:
            annotate_report(report, record)
            if self._tracker.set_status(record.local_id, report.status):
                self._on_report_status()
        data = self._data(report.as_event_data())
        if record is not None:
            data["local_id"] = record.local_id
        self._hass.bus.async_fire(EVENT_DELIVERY_REPORT, data)
        async_dispatcher_send(self._hass, signal_report(self._entry_id), data)

    @callback
    def hlr(self, result: HlrResult, record: SentRecord | None) -> None:
        """An HLR result (SMPP or webhook)."""
        if record is not None:
            annotate_hlr(result, record)
        for listener in list(self._hlr):
            listener(result, record)
        self._hass.bus.async_fire(EVENT_HLR_RESULT, self._data(result.as_event_data()))

    @callback
    def call_confirmation(self, phone: str, called_at: datetime) -> None:
        """A number confirmed by a call to the provider (webhook only)."""
        data = self._data({"phone": phone, "called_at": called_at.isoformat()})
        self._hass.bus.async_fire(EVENT_CALL_CONFIRMATION, data)

    @callback
    def link_status(self, status: LinkStatus) -> None:
        """The SMPP link's status changed."""
        for listener in list(self._status):
            listener(status)
        async_dispatcher_send(self._hass, signal_status(self._entry_id), status)
