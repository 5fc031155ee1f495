"""What the counter sensors show, pushed at most once a second however busy the outbox is."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_call_later

from .const import DOMAIN
from .smsc.outbox import Outbox
from .smsc.tracker import SentTracker

SENSOR_UPDATE_DELAY = 1.0


def signal_counters(entry_id: str) -> str:
    """Dispatcher signal: queued/sent/failed counters changed."""
    return f"{DOMAIN}_{entry_id}_counters"


@dataclass(slots=True)
class Counters:
    """What the sensors show."""

    queued: int = 0
    sent: int = 0
    failed: int = 0
    sent_http: int = 0  # of ``sent``, those that went over the HTTP API


class CounterPublisher:
    """Reads the counters from the outbox and the sent-message map; coalesces pushes."""

    def __init__(
        self, hass: HomeAssistant, entry_id: str, outbox: Outbox, tracker: SentTracker
    ) -> None:
        """Nothing is pushed until something changes."""
        self._hass = hass
        self._signal = signal_counters(entry_id)
        self._outbox = outbox
        self._tracker = tracker
        self._timer: CALLBACK_TYPE | None = None
        self._stopped = False
        self.counters = Counters()
        # messages sent over HTTP (the runtime points it at the HTTP fallback's count)
        self.sent_http: Callable[[], int] = lambda: 0

    @callback
    def schedule(self) -> None:
        """Something changed: push within a second (O(1))."""
        if self._timer is None and not self._stopped:
            self._timer = async_call_later(self._hass, SENSOR_UPDATE_DELAY, self._publish)

    @callback
    def _publish(self, _now: Any = None) -> None:
        self._timer = None
        self.refresh()
        async_dispatcher_send(self._hass, self._signal)

    def refresh(self) -> None:
        """Read the counters now."""
        counters = self.counters
        counters.queued = self._outbox.queued
        counters.sent = self._outbox.sent_total
        # refused by the SMSC, or declared undelivered by a delivery report
        counters.failed = self._outbox.failed_total + self._tracker.failed_reports
        counters.sent_http = self.sent_http()

    def stop(self) -> None:
        """No more pushes."""
        self._stopped = True
        if self._timer is not None:
            self._timer()
            self._timer = None
