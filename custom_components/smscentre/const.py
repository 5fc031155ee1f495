"""Constants of the SMS Center integration."""

from __future__ import annotations

from typing import Final

DOMAIN: Final = "smscentre"
NAME: Final = "SMS Center"

# Config entry data (step "user")
CONF_USERNAME: Final = "username"
CONF_PASSWORD: Final = "password"
CONF_HOST: Final = "host"
CONF_PORT: Final = "port"
CONF_SSL: Final = "ssl"
CONF_VERIFY_SSL: Final = "verify_ssl"
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
CONF_WEBHOOK_ID: Final = "webhook_id"
CONF_WEBHOOK_SECRET: Final = "webhook_secret"
CONF_WEBHOOK_HASH: Final = "webhook_hash"

BIND_MODES: Final = ("transceiver", "receiver", "transmitter")
DEFAULT_BIND_MODE: Final = "transceiver"
DEFAULT_CONNECTIONS: Final = 1
DEFAULT_ENQUIRE_LINK_INTERVAL: Final = 30
MAX_ENQUIRE_LINK_INTERVAL: Final = 110
DEFAULT_WINDOW: Final = 10
DEFAULT_THROUGHPUT: Final = 30
DEFAULT_MAX_PARTS: Final = 10

# Bus events
EVENT_INCOMING_SMS: Final = "smscentre_incoming_sms"
EVENT_DELIVERY_REPORT: Final = "smscentre_delivery_report"
EVENT_HLR_RESULT: Final = "smscentre_hlr_result"

ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
