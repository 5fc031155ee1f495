"""Constants of the SMS Center integration."""

from __future__ import annotations

from typing import Any, Final

from .smsc.assist_gate import DEFAULT_REPLIES_PER_HOUR, DEFAULT_REPLY_PARTS
from .smsc.http.provider import FACTS

DOMAIN: Final = "smscentre"

# What an entry keeps in .storage (storage.py): the outbox, the sent-message map, the webhook's
# handled requests, the SMPP receiver's handled DELIVER_SMs
STORE_OUTBOX: Final = "outbox"
STORE_SENT: Final = "sent"
STORE_WEBHOOK: Final = "webhook"
STORE_RECEIVED: Final = "received"
STORES: Final = (STORE_OUTBOX, STORE_SENT, STORE_WEBHOOK, STORE_RECEIVED)


def store_key(entry_id: str, store: str) -> str:
    """The .storage key of one of an entry's stores."""
    return f"{DOMAIN}.{entry_id}.{store}"


NAME: Final = "SMS Center"

# Config entry data (step "user"): Home Assistant's CONF_USERNAME, CONF_PASSWORD, CONF_HOST,
# CONF_PORT, CONF_SSL, CONF_VERIFY_SSL, and
CONF_SENDER: Final = "sender"

DEFAULT_HOST: Final = "smpp.smscentre.com"
DEFAULT_BACKUP_HOST: Final = "smpp2.smscentre.com"
DEFAULT_PORT: Final = 3700
DEFAULT_TLS_PORT: Final = 3443

# Options
CONF_BIND_MODE: Final = "bind_mode"
CONF_ISO: Final = "iso"
CONF_SINGLE_STATUS: Final = "single_status"
CONF_CONNECTIONS: Final = "connections"
CONF_BACKUP_HOST: Final = "backup_host"
CONF_BACKUP_PORT: Final = "backup_port"
CONF_ENQUIRE_LINK_INTERVAL: Final = "enquire_link_interval"
CONF_WINDOW: Final = "window"
CONF_THROUGHPUT: Final = "throughput"
CONF_REGISTERED_DELIVERY: Final = "registered_delivery"
CONF_RECIPIENTS: Final = "recipients"
CONF_MAX_PARTS: Final = "max_parts"
CONF_WEBHOOK_ENABLED: Final = "webhook_enabled"
CONF_WEBHOOK_SECRET: Final = "webhook_secret"
CONF_WEBHOOK_HASH: Final = "webhook_hash"
# The account over HTTP (the provider's HTTP API beside SMPP)
CONF_API_PASSWORD: Final = "api_password"
CONF_API_URL: Final = "api_url"
CONF_BALANCE_INTERVAL: Final = "balance_interval"
CONF_BALANCE_WARNING: Final = "balance_warning"
CONF_HTTP_FALLBACK: Final = "http_fallback"
CONF_HTTP_FALLBACK_AFTER: Final = "http_fallback_after"
# Conversations with Assist by SMS (off while no sender is allowed)
CONF_ASSIST_SENDERS: Final = "assist_senders"
CONF_ASSIST_AGENT: Final = "assist_agent"
CONF_ASSIST_PIN: Final = "assist_pin"
CONF_ASSIST_REPLY_PARTS: Final = "assist_reply_parts"
CONF_ASSIST_REPLIES_PER_HOUR: Final = "assist_replies_per_hour"
# conversation.HOME_ASSISTANT_AGENT: Home Assistant's own agent
DEFAULT_ASSIST_AGENT: Final = "conversation.home_assistant"

BIND_MODES: Final = ("transceiver", "receiver", "transmitter")
DEFAULT_BIND_MODE: Final = "transceiver"
DEFAULT_CONNECTIONS: Final = 1
MAX_CONNECTIONS: Final = 9
DEFAULT_ENQUIRE_LINK_INTERVAL: Final = 30
MIN_ENQUIRE_LINK_INTERVAL: Final = 5
MAX_ENQUIRE_LINK_INTERVAL: Final = 110
DEFAULT_WINDOW: Final = 10
MAX_WINDOW: Final = 2000
DEFAULT_THROUGHPUT: Final = 30
MAX_THROUGHPUT: Final = 1000
DEFAULT_MAX_PARTS: Final = 10
MAX_MAX_PARTS: Final = 255
DEFAULT_REGISTERED_DELIVERY: Final = True
WEBHOOK_HASHES: Final = ("md5", "sha1", "crc32")
# CRC32 is linear, so forgeable without the secret: offered only to an entry already on it
WEBHOOK_HASH_CRC32: Final = "crc32"
OFFERED_WEBHOOK_HASHES: Final = ("md5", "sha1")
DEFAULT_WEBHOOK_HASH: Final = "md5"
DEFAULT_API_URL: Final = FACTS.default_url.value
DEFAULT_BALANCE_INTERVAL: Final = 15  # minutes
MIN_BALANCE_INTERVAL: Final = 5
MAX_BALANCE_INTERVAL: Final = 1440
DEFAULT_HTTP_FALLBACK_AFTER: Final = 60  # seconds
MIN_HTTP_FALLBACK_AFTER: Final = 10
MAX_HTTP_FALLBACK_AFTER: Final = 3600
API_TIMEOUT: Final = 20.0
# The secret is hashed with known fields: one signed request lets anyone try secrets offline
# (billions of MD5s a second on a graphics card). 16 characters of the 64 allowed give 96
# bits for a random secret, far beyond such a search; a long chosen phrase stays strong too.
MIN_WEBHOOK_SECRET_LENGTH: Final = 16

# SMPP 3.4 field limits checked by the config flow
MAX_USERNAME_LENGTH: Final = 15  # system_id
MAX_PASSWORD_LENGTH: Final = 8  # password
PROBE_TIMEOUT: Final = 10.0

# Options of a new entry; `backup_port` None = the primary's port, `backup_host` "" = no
# failover, `webhook_secret` "" = none, `assist_senders` [] = no conversations by SMS. Copy
# before use: `recipients` and `assist_senders` are lists.
DEFAULT_OPTIONS: Final[dict[str, Any]] = {
    CONF_BIND_MODE: DEFAULT_BIND_MODE,
    CONF_ISO: False,
    CONF_SINGLE_STATUS: False,
    CONF_CONNECTIONS: DEFAULT_CONNECTIONS,
    CONF_BACKUP_HOST: DEFAULT_BACKUP_HOST,
    CONF_BACKUP_PORT: None,
    CONF_ENQUIRE_LINK_INTERVAL: DEFAULT_ENQUIRE_LINK_INTERVAL,
    CONF_WINDOW: DEFAULT_WINDOW,
    CONF_THROUGHPUT: DEFAULT_THROUGHPUT,
    CONF_REGISTERED_DELIVERY: DEFAULT_REGISTERED_DELIVERY,
    CONF_RECIPIENTS: [],
    CONF_MAX_PARTS: DEFAULT_MAX_PARTS,
    CONF_WEBHOOK_ENABLED: False,
    CONF_WEBHOOK_SECRET: "",
    CONF_WEBHOOK_HASH: DEFAULT_WEBHOOK_HASH,
    CONF_API_PASSWORD: "",
    CONF_API_URL: DEFAULT_API_URL,
    CONF_BALANCE_INTERVAL: DEFAULT_BALANCE_INTERVAL,
    CONF_BALANCE_WARNING: None,
    CONF_HTTP_FALLBACK: False,
    CONF_HTTP_FALLBACK_AFTER: DEFAULT_HTTP_FALLBACK_AFTER,
    CONF_ASSIST_SENDERS: [],
    CONF_ASSIST_AGENT: DEFAULT_ASSIST_AGENT,
    CONF_ASSIST_PIN: "",
    CONF_ASSIST_REPLY_PARTS: DEFAULT_REPLY_PARTS,
    CONF_ASSIST_REPLIES_PER_HOUR: DEFAULT_REPLIES_PER_HOUR,
}

# Bus events
EVENT_INCOMING_SMS: Final = "smscentre_incoming_sms"
EVENT_DELIVERY_REPORT: Final = "smscentre_delivery_report"
EVENT_HLR_RESULT: Final = "smscentre_hlr_result"
EVENT_CALL_CONFIRMATION: Final = "smscentre_call_confirmation"
EVENT_HTTP_FALLBACK: Final = "smscentre_http_fallback"
EVENT_CONVERSATION: Final = "smscentre_conversation"
