"""Where the provider's HTTP handler should post: the address to paste into the account.

With Home Assistant Cloud (an active Nabu Casa subscription) a cloudhook, which reaches Home
Assistant without exposing it; else the external URL. The cloudhook is made when the address
is first shown and deleted with the entry. The query carries ``fmt=3`` and ``charset=utf-8``
(JSON in UTF-8) and, with a secret set, the hash parameter holding the secret: the provider
then signs each request with it.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from homeassistant.components import webhook
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant
from homeassistant.helpers.network import NoURLAvailableError

from .const import CONF_WEBHOOK_HASH, CONF_WEBHOOK_SECRET
from .smsc.http.signature import DEFAULT_HASH, HASH_KINDS

_LOGGER = logging.getLogger(__name__)


async def async_webhook_url(
    hass: HomeAssistant,
    entry: ConfigEntry,
    *,
    secret: str | None = None,
    hash_kind: str | None = None,
) -> str | None:
    """The URL to paste into the account's "HTTP handler" setting, or None.

    `secret`/`hash_kind` default to the entry's options (pass the values being edited to
    preview them). The base is the entry's cloudhook when Home Assistant Cloud is active, else
    the external URL; None when the entry has no webhook id yet or there is neither (an
    internal address is of no use to the provider). `fmt=3` and `charset=utf-8` make the
    provider send JSON in UTF-8.
    """
    webhook_id = entry.data.get(CONF_WEBHOOK_ID)
    if not webhook_id:
        return None
    if secret is None:
        secret = entry.options.get(CONF_WEBHOOK_SECRET) or ""
    if hash_kind is None:
        hash_kind = entry.options.get(CONF_WEBHOOK_HASH) or DEFAULT_HASH
    base = await _async_cloudhook(hass, webhook_id)
    if base is None:
        try:
            base = webhook.async_generate_url(hass, webhook_id, allow_internal=False)
        except NoURLAvailableError:
            return None
    query = {"fmt": "3", "charset": "utf-8"}
    if secret:
        query[hash_kind if hash_kind in HASH_KINDS else DEFAULT_HASH] = secret
    return f"{base}?{urlencode(query)}"


# Home Assistant Cloud is imported only where it is set up: its import pulls in much of Home
# Assistant (voice assistants, camera), which an install without it should not pay for.


async def _async_cloudhook(hass: HomeAssistant, webhook_id: str) -> str | None:
    """The webhook's cloudhook URL (made on first use), or None without Home Assistant Cloud."""
    if "cloud" not in hass.config.components:
        return None
    from hass_nabucasa import CloudError
    from homeassistant.components import cloud

    if not cloud.async_active_subscription(hass):
        return None
    try:
        return await cloud.async_get_or_create_cloudhook(hass, webhook_id)
    except (cloud.CloudNotAvailable, CloudError, ValueError, TimeoutError) as err:
        _LOGGER.debug("No cloudhook (%s): showing the external URL instead", err)
        return None


async def async_remove_cloudhook(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Delete the entry's cloudhook, if it has one (the entry is being removed)."""
    webhook_id = entry.data.get(CONF_WEBHOOK_ID)
    if not webhook_id or "cloud" not in hass.config.components:
        return
    from hass_nabucasa import CloudError
    from homeassistant.components import cloud

    if not cloud.async_is_logged_in(hass):
        return
    try:
        await cloud.async_delete_cloudhook(hass, webhook_id)
    except ValueError:
        pass  # it never had one
    except (cloud.CloudNotAvailable, CloudError, TimeoutError) as err:
        _LOGGER.warning("Could not delete the cloudhook of %s: %s", entry.title, err)
