"""The SMS Center integration: SMPP 3.4 to smscentre.com / smsc.ru."""

from __future__ import annotations

from functools import partial
import logging
from typing import Any

from homeassistant.const import CONF_NAME, EVENT_HOMEASSISTANT_STOP, Platform
from homeassistant.core import Event, HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryNotReady
from homeassistant.helpers import config_validation as cv, discovery
from homeassistant.helpers.storage import Store
from homeassistant.helpers.typing import ConfigType

from .const import CONF_PASSWORD, DOMAIN, MAX_PASSWORD_LENGTH, STORES, store_key
from .notify import CONF_ENTRY_ID, legacy_service_name
from .runtime import EntryOptions, SmscConfigEntry, SmscRuntime
from .services import async_setup_services
from .smsc.errors import AuthFailed, InvalidInput, LinkError
from .smsc.redact import AIOSMPPLIB_LOGGER, SecretFilter, loggers_under
from .webhook import async_ensure_webhook_id, async_remove_cloudhook, async_setup_webhook

_LOGGER = logging.getLogger(__name__)

PLATFORMS = [Platform.BINARY_SENSOR, Platform.EVENT, Platform.NOTIFY, Platform.SENSOR]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the integration's actions once."""
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: SmscConfigEntry) -> bool:
    """Bind, restore the outbox and start the link."""
    async_ensure_webhook_id(hass, entry)  # entries made before the webhook existed
    if len(entry.data[CONF_PASSWORD]) > MAX_PASSWORD_LENGTH:
        # SMPP 3.4 carries at most 8 characters: ask for a password that fits
        raise ConfigEntryAuthFailed(translation_domain=DOMAIN, translation_key="password_too_long")
    try:
        options = EntryOptions.from_entry(entry)
    except InvalidInput as err:
        raise ConfigEntryNotReady(translation_domain=DOMAIN, translation_key=err.key) from err
    secret_filter = SecretFilter([options.link.password])
    for logger in loggers_under(__package__, AIOSMPPLIB_LOGGER.name):  # every module's logger
        logger.addFilter(secret_filter)
        entry.async_on_unload(partial(logger.removeFilter, secret_filter))

    runtime = SmscRuntime(hass, entry, options)
    await runtime.async_load()
    try:
        await runtime.async_connect()
    except AuthFailed as err:
        await runtime.async_stop()
        raise ConfigEntryAuthFailed(
            translation_domain=DOMAIN,
            translation_key="invalid_auth",
        ) from err
    except LinkError as err:
        await runtime.async_stop()
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="cannot_connect_setup",
            translation_placeholders={"error": err.key, "server": options.link.host},
        ) from err

    entry.runtime_data = runtime
    runtime.async_start()

    async def _on_stop(_event: Event) -> None:
        await runtime.async_stop()

    # options are saved through OptionsFlowWithReload, which reloads the entry itself
    entry.async_on_unload(hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, _on_stop))
    try:
        await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    except BaseException:
        await runtime.async_stop()
        raise
    await async_setup_webhook(hass, entry)  # only when enabled in the options
    # The legacy notify.smscentre_<login> service for YAML users; notify.py removes it on unload.
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
    return True


async def async_unload_entry(hass: HomeAssistant, entry: SmscConfigEntry) -> bool:
    """Unbind cleanly and save the outbox."""
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        await entry.runtime_data.async_stop()
    return unloaded


async def async_remove_entry(hass: HomeAssistant, entry: SmscConfigEntry) -> None:
    """Delete what the entry kept: its outbox, sent-message map and webhook replays on disk,
    and its cloudhook."""
    for store in STORES:
        await Store[dict[str, Any]](hass, 1, store_key(entry.entry_id, store)).async_remove()
    await async_remove_cloudhook(hass, entry)
