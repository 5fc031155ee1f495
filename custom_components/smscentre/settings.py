"""An entry's settings, read once: the SMPP connection, how messages are sent, and who may
talk to Assist by SMS."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
import logging
import ssl
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import (
    CONF_HOST,
    CONF_PASSWORD,
    CONF_PORT,
    CONF_SSL,
    CONF_USERNAME,
    CONF_VERIFY_SSL,
)
from homeassistant.util.ssl import client_context, client_context_no_verify

from .const import (
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
    CONF_WINDOW,
    DEFAULT_API_URL,
    DEFAULT_ASSIST_AGENT,
    DEFAULT_BACKUP_HOST,
    DEFAULT_BALANCE_INTERVAL,
    DEFAULT_BIND_MODE,
    DEFAULT_CONNECTIONS,
    DEFAULT_ENQUIRE_LINK_INTERVAL,
    DEFAULT_HTTP_FALLBACK_AFTER,
    DEFAULT_MAX_PARTS,
    DEFAULT_THROUGHPUT,
    DEFAULT_WINDOW,
)
from .smsc.assist_gate import DEFAULT_REPLIES_PER_HOUR, DEFAULT_REPLY_PARTS, AssistSettings
from .smsc.channels import unique_phones
from .smsc.prepare import SendSettings
from .smsc.smpp.config import LinkConfig, build_system_type

_LOGGER = logging.getLogger(__name__)


def entry_link_config(data: Mapping[str, Any]) -> LinkConfig:
    """The connection of an entry's data (the config flow probes with exactly this)."""
    return LinkConfig(
        username=data[CONF_USERNAME],
        password=data[CONF_PASSWORD],
        host=data[CONF_HOST],
        port=int(data[CONF_PORT]),
        ssl=bool(data.get(CONF_SSL, False)),
        verify_ssl=bool(data.get(CONF_VERIFY_SSL, True)),
    )


def tls_context(config: LinkConfig) -> ssl.SSLContext | None:
    """Home Assistant's shared TLS contexts, without the HTTP ALPN of its "default" ones
    (this is SMPP); None without TLS."""
    if not config.ssl:
        return None
    return client_context() if config.verify_ssl else client_context_no_verify()


@dataclass(frozen=True, slots=True)
class ApiSettings:
    """The account over HTTP: on when an API password is set."""

    password: str
    url: str
    balance_interval: float  # minutes
    balance_warning: float | None
    fallback: bool
    fallback_after: float  # seconds

    def __repr__(self) -> str:
        """No password in a repr."""
        return f"ApiSettings(url={self.url!r}, fallback={self.fallback})"

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> ApiSettings | None:
        """None when no API password is set (the HTTP API is off)."""
        password = options.get(CONF_API_PASSWORD) or ""
        if not password:
            return None
        warning = options.get(CONF_BALANCE_WARNING)
        return cls(
            password=password,
            url=options.get(CONF_API_URL) or DEFAULT_API_URL,
            balance_interval=float(options.get(CONF_BALANCE_INTERVAL, DEFAULT_BALANCE_INTERVAL)),
            balance_warning=None if warning in (None, "") else float(warning),
            fallback=bool(options.get(CONF_HTTP_FALLBACK, False)),
            fallback_after=float(
                options.get(CONF_HTTP_FALLBACK_AFTER, DEFAULT_HTTP_FALLBACK_AFTER)
            ),
        )


@dataclass(slots=True)
class EntryOptions:
    """The entry's settings, read once."""

    iso: bool
    single_status: bool
    bind_mode: str
    max_parts: int
    registered_delivery: bool
    window: int
    throughput: float
    sender: str | None
    link: LinkConfig
    assist: AssistSettings
    assist_agent: str
    api: ApiSettings | None = None

    @classmethod
    def from_entry(cls, entry: ConfigEntry) -> EntryOptions:
        """Parse data and options with the documented defaults."""
        data, options = entry.data, entry.options
        iso = bool(options.get(CONF_ISO, False))
        single = bool(options.get(CONF_SINGLE_STATUS, False))
        connections = int(options.get(CONF_CONNECTIONS, DEFAULT_CONNECTIONS))
        bind_mode = options.get(CONF_BIND_MODE, DEFAULT_BIND_MODE)
        sender = data.get(CONF_SENDER) or None
        backup_host = options.get(CONF_BACKUP_HOST, DEFAULT_BACKUP_HOST) or None
        backup_port = options.get(CONF_BACKUP_PORT) or None
        link = replace(
            entry_link_config(data),
            bind_mode=bind_mode,
            system_type=build_system_type(iso=iso, single=single, connections=connections),
            backup_host=backup_host,
            backup_port=int(backup_port) if backup_port else None,
            enquire_link_interval=float(
                options.get(CONF_ENQUIRE_LINK_INTERVAL, DEFAULT_ENQUIRE_LINK_INTERVAL)
            ),
            source=sender,
            connections=connections,
        )
        return cls(
            iso=iso,
            single_status=single,
            bind_mode=bind_mode,
            max_parts=int(options.get(CONF_MAX_PARTS, DEFAULT_MAX_PARTS)),
            registered_delivery=bool(options.get(CONF_REGISTERED_DELIVERY, True)),
            window=int(options.get(CONF_WINDOW, DEFAULT_WINDOW)),
            throughput=float(options.get(CONF_THROUGHPUT, DEFAULT_THROUGHPUT)),
            sender=sender,
            link=link,
            api=ApiSettings.from_options(options),
            assist=AssistSettings(
                senders=tuple(options.get(CONF_ASSIST_SENDERS) or ()),
                pin=options.get(CONF_ASSIST_PIN) or "",
                reply_parts=int(options.get(CONF_ASSIST_REPLY_PARTS, DEFAULT_REPLY_PARTS)),
                replies_per_hour=int(
                    options.get(CONF_ASSIST_REPLIES_PER_HOUR, DEFAULT_REPLIES_PER_HOUR)
                ),
            ),
            assist_agent=options.get(CONF_ASSIST_AGENT) or DEFAULT_ASSIST_AGENT,
        )

    def send_settings(self) -> SendSettings:
        """What these settings change in the messages sent."""
        return SendSettings(
            iso=self.iso,
            max_parts=self.max_parts,
            registered_delivery=self.registered_delivery,
            receiver_only=self.bind_mode == "receiver",
        )


def default_recipients(entry: ConfigEntry) -> list[str]:
    """The entry's default recipients as international numbers; unusable ones are skipped."""
    numbers, invalid = unique_phones(entry.options.get(CONF_RECIPIENTS))
    for raw in invalid:
        _LOGGER.warning("Skipping default recipient %s: not a phone number", raw)
    return numbers
