"""Notify: one entity per default recipient (``notify.send_message``).

The legacy ``notify.smscentre_<login>`` service lives in ``legacy_notify.py``; its platform
entry point is re-exported here, where Home Assistant's notify integration looks for it.
"""

from __future__ import annotations

from homeassistant.components.notify import NotifyEntity
from homeassistant.components.notify.const import DOMAIN as NOTIFY_DOMAIN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .compat import NotifyEntityFeature
from .entity import SmscEntity
from .legacy_notify import async_get_service  # noqa: F401  (the legacy platform, looked up here)
from .runtime import SmscConfigEntry
from .services import ATTR_MESSAGE, async_send, with_title
from .settings import default_recipients
from .smsc.channels import Channel

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmscConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """One notify entity per default recipient; entities of removed recipients go away."""
    entities = [SmscNotifyEntity(entry, number) for number in default_recipients(entry)]
    wanted = {entity.unique_id for entity in entities}
    registry = er.async_get(hass)
    for registered in er.async_entries_for_config_entry(registry, entry.entry_id):
        if registered.domain == NOTIFY_DOMAIN and registered.unique_id not in wanted:
            registry.async_remove(registered.entity_id)
    async_add_entities(entities)


class SmscNotifyEntity(SmscEntity, NotifyEntity):
    """Sends an SMS to one default recipient."""

    _attr_translation_key = "sms_to"
    _attr_supported_features = NotifyEntityFeature.TITLE

    def __init__(self, entry: SmscConfigEntry, number: str) -> None:
        """Unique id ``<login>_notify_<number>``."""
        super().__init__(entry, f"notify_{number}")
        self.number = number
        self._attr_translation_placeholders = {"number": f"+{number}"}

    async def async_send_message(self, message: str, title: str | None = None) -> None:
        """Send the message (title first, when given) as an SMS."""
        await async_send(
            self.runtime,
            Channel.SMS,
            [self.number],
            {ATTR_MESSAGE: with_title(message, title)},
        )
