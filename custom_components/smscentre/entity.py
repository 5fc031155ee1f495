"""Base entity of SMS Center: one service device per account."""

from __future__ import annotations

from homeassistant.const import CONF_HOST, CONF_USERNAME
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import Entity

from .const import DOMAIN, NAME
from .runtime import SmscConfigEntry


class SmscEntity(Entity):
    """Pushes its state; belongs to the account's service device."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(self, entry: SmscConfigEntry, key: str) -> None:
        """Unique id from the entry's unique id (the login) and the entity key."""
        self.entry = entry
        self.runtime = entry.runtime_data
        base = entry.unique_id or entry.entry_id
        self._attr_unique_id = f"{base}_{key}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, base)},
            name=f"{NAME} {entry.data[CONF_USERNAME]}",
            manufacturer=NAME,
            model="SMPP 3.4",
            entry_type=DeviceEntryType.SERVICE,
            configuration_url="https://smscentre.com/",
        )
        self._attr_extra_state_attributes = {}
        self._host = entry.data[CONF_HOST]
