"""The Link connectivity sensor."""

from __future__ import annotations

from homeassistant.components.binary_sensor import BinarySensorEntity
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .compat import BinarySensorDeviceClass
from .dispatch import signal_status
from .entity import SmscEntity
from .runtime import SmscConfigEntry
from .smsc.smpp.link import LinkStatus

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmscConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the Link sensor."""
    async_add_entities([SmscLinkSensor(entry)])


class SmscLinkSensor(SmscEntity, BinarySensorEntity):
    """On while at least one SMPP session is bound."""

    _attr_device_class = BinarySensorDeviceClass.CONNECTIVITY
    _attr_entity_category = EntityCategory.DIAGNOSTIC
    _attr_translation_key = "link"

    def __init__(self, entry: SmscConfigEntry) -> None:
        """Start from the link's current status."""
        super().__init__(entry, "link")
        self._apply(self.runtime.link.status)

    async def async_added_to_hass(self) -> None:
        """Follow the link's status pushes."""
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass, signal_status(self.entry.entry_id), self._status_changed
            )
        )
        self._apply(self.runtime.link.status)

    def _apply(self, status: LinkStatus) -> None:
        self._attr_is_on = status.bound
        self._attr_extra_state_attributes = {
            "server": status.server,
            "bind_mode": status.bind_mode,
            "state": str(status.state),
            "on_backup": status.on_backup,
            "reconnects": status.reconnects,
            "last_error": status.last_error,
        }

    @callback
    def _status_changed(self, status: LinkStatus) -> None:
        self._apply(status)
        self.async_write_ha_state()
