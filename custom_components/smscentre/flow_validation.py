"""What the config and options forms accept: each value normalised for storage, each error
a translation key under the field it belongs to, and the live check of the HTTP API."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
import re
from typing import Any

from homeassistant.const import (
    CONF_HOST,
    CONF_PASSWORD,
    CONF_PORT,
    CONF_SSL,
    CONF_USERNAME,
    CONF_VERIFY_SSL,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .const import (
    API_TIMEOUT,
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
    DEFAULT_ASSIST_AGENT,
    DEFAULT_OPTIONS,
    DEFAULT_PORT,
    DEFAULT_TLS_PORT,
    MAX_PASSWORD_LENGTH,
    MAX_USERNAME_LENGTH,
    MIN_WEBHOOK_SECRET_LENGTH,
)
from .flow_schema import CONF_ENCRYPTION, ENCRYPTION_NONE, ENCRYPTION_TLS_UNVERIFIED
from .smsc.assist_gate import PIN_PATTERN
from .smsc.channels import normalize_sender, unique_phones
from .smsc.errors import InvalidInput
from .smsc.http.api import HttpApi
from .smsc.http.errors import ApiAuthFailed, ApiCannotConnect, ApiError, ApiUnexpectedAnswer
from .smsc.smpp.config import build_system_type

# system_id: printable ASCII without spaces (a Cyrillic login cannot be sent over SMPP).
_USERNAME = re.compile(rf"[!-~]{{1,{MAX_USERNAME_LENGTH}}}")
_PASSWORD = re.compile(r"[ -~]+")
_HOST = re.compile(r"[^\s/]+")
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_\-]+")


@dataclass(slots=True)
class FormErrors:
    """A form's errors, each a translation key under its field (or ``base``), and the
    placeholders their messages need.

    Keyed by field even inside a section: the options form finds a field's section in
    ``flow_schema.SECTION_OF``.
    """

    errors: dict[str, str] = field(default_factory=dict)
    placeholders: dict[str, str] = field(default_factory=dict)

    def add(self, field: str, key: str, **placeholders: str) -> None:
        """One error; a placeholder an earlier error set is kept."""
        self.errors[field] = key
        for name, value in placeholders.items():
            self.placeholders.setdefault(name, value)


def password_error(password: str) -> str | None:
    """The error of an SMPP password, None when it can be sent."""
    if len(password) > MAX_PASSWORD_LENGTH:
        return "password_too_long"
    if not _PASSWORD.fullmatch(password):
        return "invalid_password"
    return None


def validate_connection(
    user_input: Mapping[str, Any], *, password_required: bool = True
) -> tuple[dict[str, Any], dict[str, str]]:
    """Check the account fields; return the data to store and errors by field."""
    found = FormErrors()
    username = user_input[CONF_USERNAME].strip()
    if not _USERNAME.fullmatch(username):
        found.add(CONF_USERNAME, "invalid_username")
    data: dict[str, Any] = {CONF_USERNAME: username}

    password = user_input.get(CONF_PASSWORD, "")
    if password or password_required:
        if error := password_error(password):
            found.add(CONF_PASSWORD, error)
        data[CONF_PASSWORD] = password

    host = user_input[CONF_HOST].strip()
    if not _HOST.fullmatch(host):
        found.add(CONF_HOST, "invalid_host")
    data[CONF_HOST] = host

    encryption = user_input[CONF_ENCRYPTION]
    use_ssl = encryption != ENCRYPTION_NONE
    port = int(user_input[CONF_PORT])
    # Each mode's well-known port left in place after switching TLS means the other one.
    if use_ssl and port == DEFAULT_PORT:
        port = DEFAULT_TLS_PORT
    elif not use_ssl and port == DEFAULT_TLS_PORT:
        port = DEFAULT_PORT
    # The certificate is checked unless TLS without checking was chosen: with TLS off the
    # stored choice is the safe one, should TLS be turned on later.
    data |= {
        CONF_PORT: port,
        CONF_SSL: use_ssl,
        CONF_VERIFY_SSL: encryption != ENCRYPTION_TLS_UNVERIFIED,
    }

    sender = user_input.get(CONF_SENDER, "").strip()
    try:
        sender = normalize_sender(sender) or ""
    except InvalidInput:
        found.add(CONF_SENDER, "invalid_sender")
    data[CONF_SENDER] = sender
    return data, found.errors


def validate_options(
    user_input: Mapping[str, Any],
) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    """Check the options (flat); return the options to store, errors by field and their
    placeholders."""
    options: dict[str, Any] = {}
    found = FormErrors()
    for check in (_recipients, _sending, _connection, _webhook, _http_api, _assist):
        check(user_input, options, found)
    try:
        build_system_type(
            iso=options[CONF_ISO],
            single=options[CONF_SINGLE_STATUS],
            connections=options[CONF_CONNECTIONS],
        )
    except InvalidInput as err:  # shown by the connections, right below the sending switches
        found.add(CONF_CONNECTIONS, err.key, **err.placeholders)
    return options, found.errors, found.placeholders


def _recipients(user_input: Mapping[str, Any], options: dict[str, Any], found: FormErrors) -> None:
    """The default recipients: phone numbers, each once."""
    options[CONF_RECIPIENTS], invalid = unique_phones(user_input.get(CONF_RECIPIENTS, []))
    if invalid:
        found.add(CONF_RECIPIENTS, "invalid_recipient", recipient=invalid[0])


def _sending(user_input: Mapping[str, Any], options: dict[str, Any], _found: FormErrors) -> None:
    """The sending section: switches, and numbers as numbers."""
    for key in (CONF_REGISTERED_DELIVERY, CONF_ISO, CONF_SINGLE_STATUS):
        options[key] = user_input[key]
    for key in (CONF_MAX_PARTS, CONF_THROUGHPUT, CONF_WINDOW):
        options[key] = int(user_input[key])


def _connection(user_input: Mapping[str, Any], options: dict[str, Any], found: FormErrors) -> None:
    """The connection section: a backup host that is a host name, numbers as numbers."""
    options[CONF_BIND_MODE] = user_input[CONF_BIND_MODE]
    for key in (CONF_CONNECTIONS, CONF_ENQUIRE_LINK_INTERVAL):
        options[key] = int(user_input[key])
    options[CONF_BACKUP_HOST] = backup_host = user_input.get(CONF_BACKUP_HOST, "").strip()
    if backup_host and not _HOST.fullmatch(backup_host):
        found.add(CONF_BACKUP_HOST, "invalid_host")
    backup_port = user_input.get(CONF_BACKUP_PORT)
    options[CONF_BACKUP_PORT] = None if backup_port is None else int(backup_port)


def _webhook(user_input: Mapping[str, Any], options: dict[str, Any], found: FormErrors) -> None:
    """The webhook section: a secret that fits in a URL and is long enough to guess at."""
    options[CONF_WEBHOOK_ENABLED] = user_input[CONF_WEBHOOK_ENABLED]
    options[CONF_WEBHOOK_HASH] = user_input[CONF_WEBHOOK_HASH]
    options[CONF_WEBHOOK_SECRET] = secret = user_input.get(CONF_WEBHOOK_SECRET, "").strip()
    if secret and not _WEBHOOK_SECRET.fullmatch(secret):
        found.add(CONF_WEBHOOK_SECRET, "invalid_webhook_secret")
    elif secret and len(secret) < MIN_WEBHOOK_SECRET_LENGTH:
        found.add(
            CONF_WEBHOOK_SECRET, "webhook_secret_too_short", min=str(MIN_WEBHOOK_SECRET_LENGTH)
        )


def _http_api(user_input: Mapping[str, Any], options: dict[str, Any], found: FormErrors) -> None:
    """The HTTP API section: the URL checked, the fallback only with a password, the numbers
    as numbers."""
    options[CONF_API_PASSWORD] = password = user_input.get(CONF_API_PASSWORD, "").strip()
    url = user_input.get(CONF_API_URL, "").strip() or DEFAULT_OPTIONS[CONF_API_URL]
    try:
        options[CONF_API_URL] = HttpApi.check_url(url)
    except InvalidInput:
        options[CONF_API_URL] = url
        found.add(CONF_API_URL, "invalid_api_url")
    options[CONF_BALANCE_INTERVAL] = int(user_input[CONF_BALANCE_INTERVAL])
    warning = user_input.get(CONF_BALANCE_WARNING)
    options[CONF_BALANCE_WARNING] = None if warning is None else float(warning)
    options[CONF_HTTP_FALLBACK] = fallback = user_input[CONF_HTTP_FALLBACK]
    options[CONF_HTTP_FALLBACK_AFTER] = int(user_input[CONF_HTTP_FALLBACK_AFTER])
    if fallback and not password:
        found.add(CONF_API_PASSWORD, "api_password_required")


def _assist(user_input: Mapping[str, Any], options: dict[str, Any], found: FormErrors) -> None:
    """The Assist section: numbers only (a sender name can be set by anyone), a PIN one can
    type, the numbers as numbers."""
    options[CONF_ASSIST_SENDERS], invalid = unique_phones(user_input.get(CONF_ASSIST_SENDERS, []))
    if invalid:
        found.add(CONF_ASSIST_SENDERS, "invalid_assist_sender", sender=invalid[0])
    options[CONF_ASSIST_AGENT] = user_input.get(CONF_ASSIST_AGENT) or DEFAULT_ASSIST_AGENT
    options[CONF_ASSIST_PIN] = pin = user_input.get(CONF_ASSIST_PIN, "").strip()
    if pin and not PIN_PATTERN.fullmatch(pin):
        found.add(CONF_ASSIST_PIN, "invalid_assist_pin")
    options[CONF_ASSIST_REPLY_PARTS] = int(user_input[CONF_ASSIST_REPLY_PARTS])
    options[CONF_ASSIST_REPLIES_PER_HOUR] = int(user_input[CONF_ASSIST_REPLIES_PER_HOUR])


async def async_check_api(
    hass: HomeAssistant, login: str, password: str, url: str
) -> tuple[dict[str, str], dict[str, str]]:
    """One live balance request; return base errors and their placeholders."""
    api = HttpApi(async_get_clientsession(hass), login, password, url=url, timeout=API_TIMEOUT)
    try:
        await api.balance()
    except ApiAuthFailed:
        return {"base": "invalid_api_auth"}, {}
    except (ApiCannotConnect, ApiUnexpectedAnswer) as err:
        return {"base": "api_cannot_connect"}, {"error": err.placeholders["error"]}
    except ApiError as err:
        return {"base": "api_error"}, dict(err.placeholders)
    return {}, {}
