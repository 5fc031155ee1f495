"""The config and options flows' forms: fields, selectors, the options' sections, and how
the options form shows what it holds (stored numbers, errors inside sections)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from homeassistant.const import (
    CONF_HOST,
    CONF_PASSWORD,
    CONF_PORT,
    CONF_SSL,
    CONF_USERNAME,
    CONF_VERIFY_SSL,
)
from homeassistant.data_entry_flow import section
from homeassistant.helpers.selector import (
    BooleanSelector,
    ConversationAgentSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from .compat import vol
from .const import (
    BIND_MODES,
    CONF_API_PASSWORD,
    CONF_API_URL,
    CONF_ASSIST_AGENT,
    CONF_ASSIST_PIN,
    CONF_ASSIST_REPLIES_PER_HOUR,
    CONF_ASSIST_REPLY_PARTS,
    CONF_ASSIST_SENDERS,
    CONF_BACKUP_HOST,
    CONF_BACKUP_PORT,
    CONF_BALANCE_INTERVAL,
    CONF_BALANCE_WARNING,
    CONF_BIND_MODE,
    CONF_CONNECTIONS,
    CONF_ENQUIRE_LINK_INTERVAL,
    CONF_HTTP_FALLBACK,
    CONF_HTTP_FALLBACK_AFTER,
    CONF_ISO,
    CONF_MAX_PARTS,
    CONF_RECIPIENTS,
    CONF_REGISTERED_DELIVERY,
    CONF_SENDER,
    CONF_SINGLE_STATUS,
    CONF_THROUGHPUT,
    CONF_WEBHOOK_ENABLED,
    CONF_WEBHOOK_HASH,
    CONF_WEBHOOK_SECRET,
    CONF_WINDOW,
    DEFAULT_HOST,
    DEFAULT_TLS_PORT,
    MAX_BALANCE_INTERVAL,
    MAX_CONNECTIONS,
    MAX_ENQUIRE_LINK_INTERVAL,
    MAX_HTTP_FALLBACK_AFTER,
    MAX_MAX_PARTS,
    MAX_THROUGHPUT,
    MAX_WINDOW,
    MIN_BALANCE_INTERVAL,
    MIN_ENQUIRE_LINK_INTERVAL,
    MIN_HTTP_FALLBACK_AFTER,
    OFFERED_WEBHOOK_HASHES,
    WEBHOOK_HASH_CRC32,
    WEBHOOK_HASHES,
)
from .smsc.assist_gate import MAX_REPLIES_PER_HOUR, MAX_REPLY_PARTS
from .smsc.channels import format_phone

_PORT_SELECTOR = NumberSelector(
    NumberSelectorConfig(min=1, max=65535, step=1, mode=NumberSelectorMode.BOX)
)
_PASSWORD_SELECTOR = TextSelector(
    TextSelectorConfig(type=TextSelectorType.PASSWORD, autocomplete="current-password")
)
_PHONES_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.TEL, multiple=True))


def _number(low: int, high: int) -> NumberSelector:
    return NumberSelector(
        NumberSelectorConfig(min=low, max=high, step=1, mode=NumberSelectorMode.BOX)
    )


def _select(options: tuple[str, ...], key: str) -> SelectSelector:
    return SelectSelector(
        SelectSelectorConfig(
            options=list(options), translation_key=key, mode=SelectSelectorMode.DROPDOWN
        )
    )


# The connection's encryption, one choice: checking the certificate only means something
# with TLS on, so it is not a switch of its own (stored as `ssl` and `verify_ssl`).
CONF_ENCRYPTION = "encryption"
ENCRYPTION_TLS = "tls"
ENCRYPTION_TLS_UNVERIFIED = "tls_unverified"
ENCRYPTION_NONE = "none"
ENCRYPTIONS = (ENCRYPTION_TLS, ENCRYPTION_TLS_UNVERIFIED, ENCRYPTION_NONE)


def encryption_of(data: Mapping[str, Any]) -> str:
    """The encryption choice of stored connection data."""
    if not data.get(CONF_SSL):
        return ENCRYPTION_NONE
    return ENCRYPTION_TLS if data.get(CONF_VERIFY_SSL, True) else ENCRYPTION_TLS_UNVERIFIED


_ENCRYPTION_SELECTOR = _select(ENCRYPTIONS, CONF_ENCRYPTION)

USER_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_USERNAME): TextSelector(TextSelectorConfig(autocomplete="username")),
        vol.Required(CONF_PASSWORD): _PASSWORD_SELECTOR,
        vol.Required(CONF_HOST, default=DEFAULT_HOST): TextSelector(),
        # TLS by default: without it the bind password and every text cross the internet in
        # clear; plain 3700 stays one choice away
        vol.Required(CONF_ENCRYPTION, default=ENCRYPTION_TLS): _ENCRYPTION_SELECTOR,
        vol.Required(CONF_PORT, default=DEFAULT_TLS_PORT): _PORT_SELECTOR,
        vol.Optional(CONF_SENDER): TextSelector(),
    }
)

# The login is asked again so its case can be corrected; another login is another account.
RECONFIGURE_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_USERNAME): TextSelector(TextSelectorConfig(autocomplete="username")),
        vol.Optional(CONF_PASSWORD): _PASSWORD_SELECTOR,
        vol.Required(CONF_HOST): TextSelector(),
        vol.Required(CONF_ENCRYPTION): _ENCRYPTION_SELECTOR,
        vol.Required(CONF_PORT): _PORT_SELECTOR,
        vol.Optional(CONF_SENDER): TextSelector(),
    }
)

REAUTH_SCHEMA = vol.Schema({vol.Required(CONF_PASSWORD): _PASSWORD_SELECTOR})

# The options form: default recipients first, the rest in sections. The options are stored
# flat (their keys are the names automations and the docs use); sections only group the form.
SECTION_SENDING = "sending"
SECTION_CONNECTION = "connection"
SECTION_WEBHOOK = "webhook"
SECTION_HTTP_API = "http_api"
SECTION_ASSIST = "assist"
OPTION_SECTIONS: dict[str, dict[vol.Marker, Any]] = {
    SECTION_SENDING: {
        vol.Required(CONF_REGISTERED_DELIVERY): BooleanSelector(),
        vol.Required(CONF_MAX_PARTS): _number(1, MAX_MAX_PARTS),
        vol.Required(CONF_ISO): BooleanSelector(),
        vol.Required(CONF_SINGLE_STATUS): BooleanSelector(),
        vol.Required(CONF_THROUGHPUT): _number(1, MAX_THROUGHPUT),
        vol.Required(CONF_WINDOW): _number(1, MAX_WINDOW),
    },
    SECTION_CONNECTION: {
        vol.Required(CONF_BIND_MODE): _select(BIND_MODES, CONF_BIND_MODE),
        vol.Required(CONF_CONNECTIONS): _number(1, MAX_CONNECTIONS),
        vol.Required(CONF_ENQUIRE_LINK_INTERVAL): _number(
            MIN_ENQUIRE_LINK_INTERVAL, MAX_ENQUIRE_LINK_INTERVAL
        ),
        vol.Optional(CONF_BACKUP_HOST): TextSelector(),
        vol.Optional(CONF_BACKUP_PORT): _PORT_SELECTOR,
    },
    SECTION_WEBHOOK: {
        vol.Required(CONF_WEBHOOK_ENABLED): BooleanSelector(),
        vol.Optional(CONF_WEBHOOK_SECRET): TextSelector(),
        vol.Required(CONF_WEBHOOK_HASH): _select(WEBHOOK_HASHES, CONF_WEBHOOK_HASH),
    },
    SECTION_HTTP_API: {
        vol.Optional(CONF_API_PASSWORD): _PASSWORD_SELECTOR,
        vol.Required(CONF_API_URL): TextSelector(TextSelectorConfig(type=TextSelectorType.URL)),
        vol.Required(CONF_BALANCE_INTERVAL): _number(MIN_BALANCE_INTERVAL, MAX_BALANCE_INTERVAL),
        vol.Optional(CONF_BALANCE_WARNING): NumberSelector(
            NumberSelectorConfig(min=0, step="any", mode=NumberSelectorMode.BOX)
        ),
        vol.Required(CONF_HTTP_FALLBACK): BooleanSelector(),
        vol.Required(CONF_HTTP_FALLBACK_AFTER): _number(
            MIN_HTTP_FALLBACK_AFTER, MAX_HTTP_FALLBACK_AFTER
        ),
    },
    SECTION_ASSIST: {
        vol.Optional(CONF_ASSIST_SENDERS): _PHONES_SELECTOR,
        vol.Required(CONF_ASSIST_AGENT): ConversationAgentSelector(),
        vol.Optional(CONF_ASSIST_PIN): TextSelector(
            TextSelectorConfig(type=TextSelectorType.PASSWORD)
        ),
        vol.Required(CONF_ASSIST_REPLY_PARTS): _number(1, MAX_REPLY_PARTS),
        vol.Required(CONF_ASSIST_REPLIES_PER_HOUR): _number(1, MAX_REPLIES_PER_HOUR),
    },
}

# Each sectioned option's section; an option not in it (the default recipients) is at the top.
SECTION_OF: dict[str, str] = {
    str(marker): name for name, fields in OPTION_SECTIONS.items() for marker in fields
}


def options_schema(hash_kind: str | None = None, opened: Collection[str] = ()) -> vol.Schema:
    """The options form, the sections in `opened` unfolded; CRC32 among the signatures only
    for an entry already on it."""
    sections = dict(OPTION_SECTIONS)
    if hash_kind != WEBHOOK_HASH_CRC32:
        sections[SECTION_WEBHOOK] = {
            marker: _select(OFFERED_WEBHOOK_HASHES, CONF_WEBHOOK_HASH)
            if str(marker) == CONF_WEBHOOK_HASH
            else value
            for marker, value in OPTION_SECTIONS[SECTION_WEBHOOK].items()
        }
    return vol.Schema(
        {
            vol.Optional(CONF_RECIPIENTS): _PHONES_SELECTOR,
            **{
                vol.Required(name): section(vol.Schema(fields), {"collapsed": name not in opened})
                for name, fields in sections.items()
            },
        }
    )


OPTIONS_SCHEMA = options_schema(WEBHOOK_HASH_CRC32)  # every field and choice there is


def nest_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """Flat options as the sectioned form holds them."""
    nested: dict[str, Any] = {name: {} for name in OPTION_SECTIONS}
    for key, value in options.items():
        if (name := SECTION_OF.get(key)) is None:
            nested[key] = value
        else:
            nested[name][key] = value
    return nested


def flatten_options(user_input: Mapping[str, Any]) -> dict[str, Any]:
    """The sectioned form's input as flat options."""
    flat: dict[str, Any] = {}
    for key, value in user_input.items():
        if key in OPTION_SECTIONS:
            flat.update(value)
        else:
            flat[key] = value
    return flat


# Errors about switches in another section too: that one opens with them.
ALSO_OPENS: dict[str, tuple[str, ...]] = {"system_type_too_long": (SECTION_SENDING,)}
# Two errors in one section make one message: their keys joined by this.
JOINED_ERRORS = "_and_"


def section_errors(errors: Mapping[str, str]) -> tuple[dict[str, str], set[str]]:
    """The options form's errors as its frontend can show them, and the sections to open.

    Home Assistant's frontend shows an error above the form item of its key and passes none
    into a section, so the error of a field in a section is keyed by the section (its message
    names the field) and the section opens. Two fields' errors in one section are one message
    (their keys joined in the form's order), so neither is hidden.
    """
    shown: dict[str, str] = {}
    grouped: dict[str, list[tuple[int, str]]] = {}
    for field, key in errors.items():
        if (name := SECTION_OF.get(field)) is None:
            shown[field] = key
            continue
        order = [str(marker) for marker in OPTION_SECTIONS[name]].index(field)
        grouped.setdefault(name, []).append((order, key))
    opened = set(grouped)
    for name, keys in grouped.items():
        shown[name] = JOINED_ERRORS.join(key for _, key in sorted(keys))
        for _, key in keys:
            opened.update(ALSO_OPENS.get(key, ()))
    return shown, opened


def shown_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """Stored options as the form shows them: phone numbers as people write them."""
    return {
        key: [format_phone(number) for number in value]
        if key in (CONF_RECIPIENTS, CONF_ASSIST_SENDERS) and isinstance(value, list)
        else value
        for key, value in options.items()
    }
