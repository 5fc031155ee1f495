"""Actions of SMS Center: one per channel, plus HLR lookup, ping and status query, and with
the HTTP API the balance and the price of a message.

Registered once in ``async_setup``. Each action resolves its config entry (``config_entry_id``,
needed only when several accounts are loaded), hands the fields to the entry's runtime (which
validates them through the core and raises translated errors) and returns what the SMSC
answered when the caller asks for a response.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_CONFIG_ENTRY_ID
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv

from .account import Account
from .compat import vol
from .const import DOMAIN
from .errors import translated_error
from .runtime import SmscConfigEntry, SmscRuntime
from .smsc.channels import DEFAULT_VOICE, Channel, normalize_sender, split_recipients
from .smsc.errors import InvalidInput
from .smsc.message import Priority
from .smsc.prepare import normalize_message_id
from .smsc.text import clean_text

SERVICE_SEND_SMS = "send_sms"
SERVICE_CALL = "call"
SERVICE_SEND_TELEGRAM_CODE = "send_telegram_code"
SERVICE_SEND_BOT_MESSAGE = "send_bot_message"
SERVICE_SEND_VIBER = "send_viber"
SERVICE_SEND_SOCIAL = "send_social"
SERVICE_SEND_EMAIL = "send_email"
SERVICE_HLR_LOOKUP = "hlr_lookup"
SERVICE_PING = "ping"
SERVICE_QUERY_STATUS = "query_status"
SERVICE_GET_BALANCE = "get_balance"
SERVICE_GET_COST = "get_cost"

ATTR_RECIPIENTS = "recipients"
ATTR_RECIPIENT = "recipient"
ATTR_MESSAGE = "message"
ATTR_SENDER = "sender"
ATTR_PRIORITY = "priority"
ATTR_COMMENT = "comment"
ATTR_FLASH = "flash"
ATTR_VOICE = "voice"
ATTR_PARAM = "param"
ATTR_CODE = "code"
ATTR_BOT = "bot"
ATTR_SUBJECT = "subject"
ATTR_TIMEOUT = "timeout"
ATTR_MESSAGE_ID = "message_id"
ATTR_CHANNEL = "channel"

PRIORITY_NORMAL = "normal"
PRIORITY_URGENT = "urgent"
PRIORITIES = {PRIORITY_NORMAL: Priority.NORMAL, PRIORITY_URGENT: Priority.URGENT}

DEFAULT_HLR_TIMEOUT = 60.0
MAX_HLR_TIMEOUT = 600.0

_ENTRY = {vol.Optional(ATTR_CONFIG_ENTRY_ID): cv.string}
_RECIPIENTS = {vol.Required(ATTR_RECIPIENTS): split_recipients}
# Text fields are only type-checked here: the core checks their content and explains what
# is wrong with a translated error (a schema error would not say which rule was broken).
_MESSAGE = {vol.Required(ATTR_MESSAGE): cv.string}

SEND_SMS_SCHEMA = vol.Schema(
    {
        **_ENTRY,
        **_RECIPIENTS,
        **_MESSAGE,
        vol.Optional(ATTR_SENDER): cv.string,
        vol.Optional(ATTR_PRIORITY, default=PRIORITY_NORMAL): vol.In(list(PRIORITIES)),
        vol.Optional(ATTR_COMMENT): cv.string,
        vol.Optional(ATTR_FLASH, default=False): cv.boolean,
    }
)
CALL_SCHEMA = vol.Schema(
    {
        **_ENTRY,
        **_RECIPIENTS,
        **_MESSAGE,
        vol.Optional(ATTR_VOICE, default=DEFAULT_VOICE): cv.string,
        vol.Optional(ATTR_PARAM): cv.string,
    }
)
TELEGRAM_CODE_SCHEMA = vol.Schema({**_ENTRY, **_RECIPIENTS, vol.Required(ATTR_CODE): cv.string})
BOT_SCHEMA = vol.Schema({**_ENTRY, **_RECIPIENTS, **_MESSAGE, vol.Required(ATTR_BOT): cv.string})
MESSAGE_SCHEMA = vol.Schema({**_ENTRY, **_RECIPIENTS, **_MESSAGE})
EMAIL_SCHEMA = vol.Schema(
    {**_ENTRY, **_RECIPIENTS, **_MESSAGE, vol.Required(ATTR_SUBJECT): cv.string}
)
PING_SCHEMA = vol.Schema({**_ENTRY, **_RECIPIENTS})
HLR_SCHEMA = vol.Schema(
    {
        **_ENTRY,
        vol.Required(ATTR_RECIPIENT): cv.string,
        vol.Optional(ATTR_TIMEOUT, default=DEFAULT_HLR_TIMEOUT): vol.All(
            vol.Coerce(float), vol.Range(min=1, max=MAX_HLR_TIMEOUT)
        ),
    }
)
QUERY_SCHEMA = vol.Schema({**_ENTRY, vol.Required(ATTR_MESSAGE_ID): cv.string})
BALANCE_SCHEMA = vol.Schema(_ENTRY)
COST_SCHEMA = vol.Schema(
    {
        **_ENTRY,
        **_RECIPIENTS,
        vol.Optional(ATTR_MESSAGE, default=""): cv.string,
        vol.Optional(ATTR_CHANNEL, default=str(Channel.SMS)): vol.In([str(c) for c in Channel]),
        vol.Optional(ATTR_SUBJECT): cv.string,
    }
)


@callback
def async_get_entry(hass: HomeAssistant, entry_id: str | None) -> SmscConfigEntry:
    """The loaded entry an action is for; raises a translated ServiceValidationError."""
    if entry_id:
        entry: SmscConfigEntry | None = hass.config_entries.async_get_entry(entry_id)
        if entry is None or entry.domain != DOMAIN:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="entry_not_found",
                translation_placeholders={"entry_id": clean_text(entry_id)},
            )
        if entry.state is not ConfigEntryState.LOADED:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="entry_not_loaded",
                translation_placeholders={"title": entry.title},
            )
        return entry
    loaded: list[SmscConfigEntry] = hass.config_entries.async_loaded_entries(DOMAIN)
    if len(loaded) == 1:
        return loaded[0]
    if loaded:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="multiple_entries",
            translation_placeholders={"titles": ", ".join(e.title for e in loaded)},
        )
    raise ServiceValidationError(translation_domain=DOMAIN, translation_key="no_entries")


@dataclass(frozen=True, slots=True)
class _SendAction:
    """A channel action: which channel and which of the call's fields it sends."""

    channel: Channel
    fields: tuple[str, ...]


_SEND_ACTIONS: dict[str, tuple[_SendAction, vol.Schema]] = {
    SERVICE_SEND_SMS: (_SendAction(Channel.SMS, (ATTR_MESSAGE, ATTR_COMMENT)), SEND_SMS_SCHEMA),
    SERVICE_CALL: (
        _SendAction(Channel.CALL, (ATTR_MESSAGE, ATTR_VOICE, ATTR_PARAM)),
        CALL_SCHEMA,
    ),
    SERVICE_SEND_TELEGRAM_CODE: (
        _SendAction(Channel.TELEGRAM_CODE, (ATTR_CODE,)),
        TELEGRAM_CODE_SCHEMA,
    ),
    SERVICE_SEND_BOT_MESSAGE: (
        _SendAction(Channel.BOT, (ATTR_MESSAGE, ATTR_BOT)),
        BOT_SCHEMA,
    ),
    SERVICE_SEND_VIBER: (_SendAction(Channel.VIBER, (ATTR_MESSAGE,)), MESSAGE_SCHEMA),
    SERVICE_SEND_SOCIAL: (_SendAction(Channel.SOCIAL, (ATTR_MESSAGE,)), MESSAGE_SCHEMA),
    SERVICE_SEND_EMAIL: (
        _SendAction(Channel.EMAIL, (ATTR_MESSAGE, ATTR_SUBJECT)),
        EMAIL_SCHEMA,
    ),
    SERVICE_PING: (_SendAction(Channel.PING, ()), PING_SCHEMA),
}


def async_send(
    runtime: SmscRuntime,
    channel: Channel,
    recipients: list[str],
    fields: Mapping[str, Any],
    *,
    priority: str = PRIORITY_NORMAL,
    sender: str | None = None,
    flash: bool = False,
) -> Coroutine[Any, Any, dict[str, Any]]:
    """Send through one entry's runtime (also used by the notify platform): the sending
    coroutine to await. A function, not a coroutine, so a call holds one coroutine less
    while it waits (a burst of calls holds thousands).

    Sending validates through the core and raises translated errors itself.
    """
    try:
        source = normalize_sender(sender)
    except InvalidInput as err:
        raise translated_error(err) from err
    return runtime.sending.async_send(
        channel,
        recipients,
        fields,
        priority=PRIORITIES[priority],
        sender=source,
        flash=flash,
    )


def _send_handler(
    hass: HomeAssistant, action: _SendAction
) -> Callable[[ServiceCall], Coroutine[Any, Any, ServiceResponse]]:
    async def handle(call: ServiceCall) -> ServiceResponse:
        data = call.data
        entry = async_get_entry(hass, data.get(ATTR_CONFIG_ENTRY_ID))
        result = await async_send(
            entry.runtime_data,
            action.channel,
            data[ATTR_RECIPIENTS],
            # the action's own fields (queued at once: not held while the call waits)
            {key: data[key] for key in action.fields if key in data},
            priority=data.get(ATTR_PRIORITY, PRIORITY_NORMAL),
            sender=data.get(ATTR_SENDER),
            flash=data.get(ATTR_FLASH, False),
        )
        return result if call.return_response else None

    return handle


async def _async_hlr_lookup(call: ServiceCall) -> ServiceResponse:
    entry = async_get_entry(call.hass, call.data.get(ATTR_CONFIG_ENTRY_ID))
    return await entry.runtime_data.sending.async_hlr(
        call.data[ATTR_RECIPIENT], call.data[ATTR_TIMEOUT]
    )


async def _async_query_status(call: ServiceCall) -> ServiceResponse:
    entry = async_get_entry(call.hass, call.data.get(ATTR_CONFIG_ENTRY_ID))
    try:
        message_id = normalize_message_id(call.data[ATTR_MESSAGE_ID])
    except InvalidInput as err:
        raise translated_error(err) from err
    return await entry.runtime_data.sending.async_query(message_id)


def _account(call: ServiceCall) -> Account:
    """The account over HTTP of the call's entry; a translated error when it has none."""
    entry = async_get_entry(call.hass, call.data.get(ATTR_CONFIG_ENTRY_ID))
    account = entry.runtime_data.account
    if account is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="api_not_configured",
            translation_placeholders={"title": entry.title},
        )
    return account


async def _async_get_balance(call: ServiceCall) -> ServiceResponse:
    return await _account(call).async_get_balance()


async def _async_get_cost(call: ServiceCall) -> ServiceResponse:
    fields = {key: call.data[key] for key in (ATTR_MESSAGE, ATTR_SUBJECT) if key in call.data}
    return await _account(call).async_get_cost(
        Channel(call.data[ATTR_CHANNEL]), call.data[ATTR_RECIPIENTS], fields
    )


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the integration's actions (once, from async_setup)."""
    for name, (action, schema) in _SEND_ACTIONS.items():
        hass.services.async_register(
            DOMAIN,
            name,
            _send_handler(hass, action),
            schema=schema,
            supports_response=SupportsResponse.OPTIONAL,
        )
    hass.services.async_register(
        DOMAIN,
        SERVICE_HLR_LOOKUP,
        _async_hlr_lookup,
        schema=HLR_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_QUERY_STATUS,
        _async_query_status,
        schema=QUERY_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_GET_BALANCE,
        _async_get_balance,
        schema=BALANCE_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_GET_COST,
        _async_get_cost,
        schema=COST_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )


def with_title(message: str, title: str | None) -> str:
    """The SMS text of a notification: the title, when given, on a line of its own first."""
    title = (title or "").strip()
    return f"{title}\n{message}" if title else message
