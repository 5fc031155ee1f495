"""What differs between the Home Assistant releases this integration supports, decided here.

The support window runs from Home Assistant 2025.12 (Python 3.13) to the newest release
(Python 3.14); compat/versions.txt lists the releases scripts/compat runs the integration on.
Other modules import these names instead of asking which release they run on. Each entry says
the release that made it unnecessary: when the window's minimum reaches it, drop the entry, and
this module with the last one.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from aiohttp.web import Request
from homeassistant.components.event import EventEntity as _EventEntity
from homeassistant.const import MAJOR_VERSION, MINOR_VERSION
from homeassistant.util.aiohttp import MockRequest

RELEASE = (MAJOR_VERSION, MINOR_VERSION)

# Typed against the pinned release; at runtime, imported from where every release has them.
if TYPE_CHECKING:
    # 2026.10: BinarySensorDeviceClass and NotifyEntityFeature are typed in .const modules
    # (before, binary_sensor.const does not exist and notify.const lacks NotifyEntityFeature).
    from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
    from homeassistant.components.notify.const import NotifyEntityFeature

    # 2026.9: Home Assistant validates with probatio and aliases voluptuous to it.
    import probatio as vol
else:
    from homeassistant.components.binary_sensor import BinarySensorDeviceClass
    from homeassistant.components.notify import NotifyEntityFeature
    import voluptuous as vol

__all__ = ["BinarySensorDeviceClass", "EventEntity", "NotifyEntityFeature", "remote_address", "vol"]


def remote_address(request: Request | MockRequest) -> str | None:
    """The peer's address; None for a request relayed by Home Assistant Cloud.

    2026.5: a relayed request (a ``MockRequest``) has a ``remote`` of None; before, it has no
    ``remote`` at all.
    """
    remote: str | None = getattr(request, "remote", None)
    return remote


_LAST_TRIGGERED = "_EventEntity__last_event_triggered"  # EventEntity's private timestamp


class _EventEntityMillisecondApart(_EventEntity):
    """2026.8: each event is a state change of its own, even within one millisecond.

    The state is the time of the last event to the millisecond: before 2026.8 two events in
    the same millisecond (a burst of incoming SMS) were one state change, so a state trigger
    fired once for both. Each event is made at least a millisecond later than the one before,
    as Home Assistant does since.
    """

    # final from 2026.8 on, where this class is not used
    def _trigger_event(  # type: ignore[misc]
        self, event_type: str, event_attributes: dict[str, Any] | None = None
    ) -> None:
        last: datetime | None = getattr(self, _LAST_TRIGGERED, None)
        super()._trigger_event(event_type, event_attributes)
        if last is not None:
            now: datetime = getattr(self, _LAST_TRIGGERED)
            setattr(self, _LAST_TRIGGERED, max(now, last + timedelta(milliseconds=1)))


if TYPE_CHECKING or RELEASE >= (2026, 8):
    EventEntity = _EventEntity
else:
    EventEntity = _EventEntityMillisecondApart
