"""The legacy ``notify.smscentre_<login>`` service, for YAML users: any channel, any targets.

Home Assistant's legacy notify platforms are set up through discovery: the entry loads this
one with ``async_load_legacy_service`` and removes it on unload. Its bookkeeping in the notify
integration's data is confined to ``SmscNotificationService.async_remove``.
"""

from __future__ import annotations

import logging
from typing import Any

from homeassistant.components.notify.const import ATTR_DATA, ATTR_TARGET, ATTR_TITLE
from homeassistant.components.notify.legacy import NOTIFY_SERVICES, BaseNotificationService
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_NAME, CONF_USERNAME, Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv, discovery
from homeassistant.helpers.typing import ConfigType, DiscoveryInfoType
from homeassistant.util import slugify

from .compat import vol
from .const import DOMAIN
from .runtime import SmscConfigEntry
from .services import (
    ATTR_BOT,
    ATTR_CODE,
    ATTR_COMMENT,
    ATTR_FLASH,
    ATTR_MESSAGE,
    ATTR_PARAM,
    ATTR_PRIORITY,
    ATTR_SENDER,
    ATTR_SUBJECT,
    ATTR_VOICE,
    PRIORITIES,
    PRIORITY_NORMAL,
    async_send,
    with_title,
)
from .settings import default_recipients
from .smsc.channels import Channel, split_recipients

_LOGGER = logging.getLogger(__name__)

ATTR_CHANNEL = "channel"
CONF_ENTRY_ID = "entry_id"

# Channels the legacy service sends (hlr and ping have actions of their own).
LEGACY_CHANNELS: tuple[Channel, ...] = (
    Channel.SMS,
    Channel.CALL,
    Channel.TELEGRAM_CODE,
    Channel.BOT,
    Channel.VIBER,
    Channel.SOCIAL,
    Channel.EMAIL,
)
# The message goes into this field of each channel (telegram_code: the code itself).
_MESSAGE_FIELD = {Channel.TELEGRAM_CODE: ATTR_CODE}
# Fields taken from ``data`` for each channel.
_DATA_FIELDS: dict[Channel, tuple[str, ...]] = {
    Channel.SMS: (ATTR_COMMENT,),
    Channel.CALL: (ATTR_VOICE, ATTR_PARAM),
    Channel.TELEGRAM_CODE: (ATTR_CODE,),
    Channel.BOT: (ATTR_BOT,),
    Channel.VIBER: (),
    Channel.SOCIAL: (),
    Channel.EMAIL: (ATTR_SUBJECT,),
}

DATA_SCHEMA = vol.Schema(
    {
        vol.Optional(ATTR_CHANNEL, default=str(Channel.SMS)): cv.string,
        vol.Optional(ATTR_SENDER): cv.string,
        vol.Optional(ATTR_PRIORITY, default=PRIORITY_NORMAL): cv.string,
        vol.Optional(ATTR_FLASH, default=False): cv.boolean,
        vol.Optional(ATTR_COMMENT): cv.string,
        vol.Optional(ATTR_VOICE): cv.string,
        vol.Optional(ATTR_PARAM): cv.string,
        vol.Optional(ATTR_CODE): cv.string,
        vol.Optional(ATTR_BOT): cv.string,
        vol.Optional(ATTR_SUBJECT): cv.string,
    }
)


def legacy_service_name(entry: SmscConfigEntry) -> str:
    """``smscentre_<login>``: the name of the entry's legacy notify service."""
    return slugify(f"{DOMAIN}_{entry.data[CONF_USERNAME]}")


@callback
def async_load_legacy_service(hass: HomeAssistant, entry: SmscConfigEntry) -> None:
    """Load the entry's legacy service through discovery (it removes itself on unload)."""
    hass.async_create_task(
        discovery.async_load_platform(
            hass,
            Platform.NOTIFY,
            DOMAIN,
            {CONF_ENTRY_ID: entry.entry_id, CONF_NAME: legacy_service_name(entry)},
            {},
        ),
        eager_start=True,
    )


async def async_get_service(
    hass: HomeAssistant,
    config: ConfigType,
    discovery_info: DiscoveryInfoType | None = None,
) -> SmscNotificationService | None:
    """The legacy service of one entry, loaded by ``async_setup_entry`` through discovery.

    There is no YAML platform configuration: without discovery info nothing is set up.
    """
    if discovery_info is None:
        _LOGGER.error("SMS Center is set up from the UI, not under notify: in YAML")
        return None
    entry: SmscConfigEntry | None = hass.config_entries.async_get_entry(
        discovery_info[CONF_ENTRY_ID]
    )
    if entry is None or entry.state not in (
        ConfigEntryState.LOADED,
        ConfigEntryState.SETUP_IN_PROGRESS,
    ):
        return None  # unloaded before discovery ran
    service = SmscNotificationService(entry)
    entry.async_on_unload(service.async_remove)
    return service


class SmscNotificationService(BaseNotificationService):
    """``notify.smscentre_<login>``: any channel, any recipients, for YAML users."""

    def __init__(self, entry: SmscConfigEntry) -> None:
        """Bind to the entry; registration is done by the notify integration."""
        self.entry = entry
        self._removed = False

    async def async_register_services(self) -> None:
        """Register, unless the entry was unloaded while the notify platform set up."""
        if not self._removed:
            await super().async_register_services()

    async def async_remove(self) -> None:
        """Unregister the service and forget it (the entry is unloading)."""
        self._removed = True
        if getattr(self, "hass", None) is None:  # the notify integration has not set it up yet
            return
        await self.async_unregister_services()
        services = self.hass.data.get(NOTIFY_SERVICES, {}).get(DOMAIN, [])
        if self in services:
            services.remove(self)

    async def async_send_message(self, message: str = "", **kwargs: Any) -> None:
        """Send ``message`` on ``data.channel`` (default sms) to ``target`` or the defaults."""
        if self.entry.state is not ConfigEntryState.LOADED:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="entry_not_loaded",
                translation_placeholders={"title": self.entry.title},
            )
        try:
            data = DATA_SCHEMA(dict(kwargs.get(ATTR_DATA) or {}))
        except vol.Invalid as err:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="invalid_notify_data",
                translation_placeholders={"error": str(err)},
            ) from err
        try:
            channel = Channel(data[ATTR_CHANNEL].strip().lower())
        except ValueError:
            channel = None
        if channel not in LEGACY_CHANNELS:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="invalid_channel",
                translation_placeholders={
                    "channel": data[ATTR_CHANNEL],
                    "channels": ", ".join(LEGACY_CHANNELS),
                },
            )
        if data[ATTR_PRIORITY] not in PRIORITIES:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="invalid_priority",
                translation_placeholders={
                    "priority": data[ATTR_PRIORITY],
                    "priorities": ", ".join(PRIORITIES),
                },
            )
        title = kwargs.get(ATTR_TITLE)
        fields: dict[str, Any] = {ATTR_MESSAGE: message}
        if channel is Channel.EMAIL:
            fields[ATTR_SUBJECT] = title
        elif channel is not Channel.TELEGRAM_CODE:
            fields[ATTR_MESSAGE] = with_title(message, title)
        if field := _MESSAGE_FIELD.get(channel):
            fields[field] = message
        fields.update({key: data[key] for key in _DATA_FIELDS[channel] if key in data})
        targets = kwargs.get(ATTR_TARGET)
        recipients = split_recipients(targets) if targets else default_recipients(self.entry)
        await async_send(
            self.entry.runtime_data,
            channel,
            recipients,
            fields,
            priority=data[ATTR_PRIORITY],
            sender=data.get(ATTR_SENDER),
            flash=data[ATTR_FLASH] if channel is Channel.SMS else False,
        )
