"""The SMS Center integration: SMPP 3.4 to smscentre.com / smsc.ru."""

from __future__ import annotations

from functools import partial
import logging

from homeassistant.components.webhook import async_generate_id
from homeassistant.const import (
    CONF_PASSWORD,
    CONF_WEBHOOK_ID,
    EVENT_HOMEASSISTANT_STOP,
    Platform,
)
from homeassistant.core import Event, HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryNotReady
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.typing import ConfigType

from .const import CONF_WEBHOOK_SECRET, DOMAIN, MAX_PASSWORD_LENGTH
from .legacy_notify import async_load_legacy_service
from .runtime import SmscConfigEntry, SmscRuntime
from .services import async_setup_services
from .settings import EntryOptions
from .smsc.errors import InvalidInput
from .smsc.redact import AIOSMPPLIB_LOGGER, SecretFilter, loggers_under
from .smsc.smpp.link import LinkState
from .storage import async_remove_stores
from .webhook import URL_LOGGERS, url_secrets
from .webhook_address import async_remove_cloudhook
from .webhook_issues import async_check_webhook_settings, async_remove_webhook_issues

_LOGGER = logging.getLogger(__name__)

PLATFORMS = [Platform.BINARY_SENSOR, Platform.EVENT, Platform.NOTIFY, Platform.SENSOR]
# How long setup waits for the first bind. A bind takes three or four round trips (TCP, TLS,
# bind): well under a second, a few on a slow line. A server that never answers would
# otherwise hold Home Assistant's start for the link's timeouts (10 s for each server, 20 s
# with the backup), and the entry's actions are refused until setup ends.
FIRST_BIND_WAIT = 5.0
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the integration's actions once."""
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: SmscConfigEntry) -> bool:
    """Restore the outbox, start the link and wait briefly for its first bind."""
    if len(entry.data[CONF_PASSWORD]) > MAX_PASSWORD_LENGTH:
        # SMPP 3.4 carries at most 8 characters: ask for a password that fits
        raise ConfigEntryAuthFailed(translation_domain=DOMAIN, translation_key="password_too_long")
    try:
        options = EntryOptions.from_entry(entry)
    except InvalidInput as err:
        raise ConfigEntryNotReady(translation_domain=DOMAIN, translation_key=err.key) from err
    secrets = [options.link.password]
    if options.api is not None:
        secrets.append(options.api.password)
    secret_filter = SecretFilter(secrets)
    for logger in loggers_under(__package__, AIOSMPPLIB_LOGGER.name):  # every module's logger
        logger.addFilter(secret_filter)
        entry.async_on_unload(partial(logger.removeFilter, secret_filter))
    url_filter = SecretFilter(
        url_secrets(entry.data.get(CONF_WEBHOOK_ID), entry.options.get(CONF_WEBHOOK_SECRET))
    )
    for logger in loggers_under(__package__, *URL_LOGGERS):
        logger.addFilter(url_filter)
        entry.async_on_unload(partial(logger.removeFilter, url_filter))
    async_check_webhook_settings(hass, entry)

    runtime = SmscRuntime(hass, entry, options)
    await runtime.async_load()
    entry.runtime_data = runtime
    try:
        runtime.start_link()
        # A refused password is known within a round trip: reauthentication. A server that
        # cannot be reached, refuses for another reason or never answers does not stop the
        # setup: the entry loads, actions queue, the link keeps trying, health.py says why.
        await runtime.link.wait_first_attempt(FIRST_BIND_WAIT)
        if runtime.link.status.state is LinkState.AUTH_FAILED:
            raise ConfigEntryAuthFailed(translation_domain=DOMAIN, translation_key="invalid_auth")
        if not runtime.link.status.bound:
            _LOGGER.info(
                "%s: not bound yet; actions queue their messages until the link binds",
                entry.title,
            )
        await runtime.async_start()
        await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    except BaseException:
        await runtime.async_stop()
        raise

    async def _on_stop(_event: Event) -> None:
        await runtime.async_stop()

    # options are saved through OptionsFlowWithReload, which reloads the entry itself
    entry.async_on_unload(hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, _on_stop))
    async_load_legacy_service(hass, entry)  # notify.smscentre_<login> for YAML users
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
    await async_remove_stores(hass, entry.entry_id)
    await async_remove_cloudhook(hass, entry)
    async_remove_webhook_issues(hass, entry.entry_id)


async def async_migrate_entry(hass: HomeAssistant, entry: SmscConfigEntry) -> bool:
    """1.1 -> 1.2: entries made before the webhook existed get a webhook id."""
    if entry.version > 1:
        return False  # a newer release's entry: cannot be read
    if entry.minor_version < 2:
        data = dict(entry.data)
        data.setdefault(CONF_WEBHOOK_ID, async_generate_id())
        hass.config_entries.async_update_entry(entry, data=data, minor_version=2)
    return True
