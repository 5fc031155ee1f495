"""The provider's HTTP handler as a Home Assistant webhook (off by default).

SMS Center can POST each delivery status, incoming SMS and "number confirmation by call" to a
URL named in the account (SPEC.md §4). This module receives them at
`/api/webhook/<webhook_id>` and dispatches them through the same `runtime.handle_*` calls as the
SMPP path, so bus events and event entities look the same whichever path delivered them.

- Body: form fields (default; URL-encoded or multipart), JSON (`fmt=3`) or XML (`fmt=2`);
  charset from the `charset` query parameter (`utf-8`, `koi8-r`, `windows-1251`; the
  provider's default is windows-1251).
- Signature: with a secret set, the request must carry the configured `md5`/`sha1`/`crc32`
  parameter holding the hash of `id:phone:status:<secret>` (status), `phone:mes:to:<secret>`
  (incoming) or `phone:ts:<secret>` (call confirmation); anything else is answered 403.
- Address: with Home Assistant Cloud (an active Nabu Casa subscription) a cloudhook, which
  reaches Home Assistant without exposing it; else the external URL. The cloudhook is made
  when the address is first shown and deleted with the entry.
- Retries: the provider retries every 4 minutes, 50 times, until it gets 200 or 404. A request
  handled once is answered 200 again without firing anything (bounded LRU of request
  fingerprints, persisted so that a restart in between does not fire twice).

Numeric statuses (SPEC.md §4) map onto the delivery report event types like this; the number
itself is kept as `status_code` in the event data:

| code | provider's meaning | status | stat |
| --- | --- | --- | --- |
| -3 | message not found | unknown | UNKNOWN |
| -2 | stopped (mailing paused; may resume) | accepted | ENROUTE |
| -1 | waiting to be sent | accepted | ENROUTE |
| 0 | passed to the operator | accepted | ACCEPTD |
| 1 | delivered | delivered | DELIVRD |
| 2 | read (e-mail opened): implies delivered | delivered | DELIVRD |
| 3 | expired | expired | EXPIRED |
| 4 | link clicked (confirmed): implies delivered | delivered | DELIVRD |
| 20 | impossible to deliver | undeliverable | UNDELIV |
| 22 | wrong number (refused before sending) | rejected | REJECTD |
| 23 | prohibited (refused before sending) | rejected | REJECTD |
| 24 | insufficient funds (refused before sending) | rejected | REJECTD |
| 25 | unavailable number | undeliverable | UNDELIV |
| other | | unknown | UNKNOWN |
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.parser import BytesParser
import email.policy
import hashlib
import hmac
from http import HTTPStatus
import json
import logging
import re
import time
from typing import Any, Final, Literal
from urllib.parse import parse_qsl, urlencode
from xml.parsers import expat
import zlib

from aiohttp import hdrs
from aiohttp.web import Request, Response
from homeassistant.components import webhook
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.network import NoURLAvailableError
from homeassistant.helpers.storage import Store
from homeassistant.util.aiohttp import MockRequest

from .const import (
    CONF_WEBHOOK_ENABLED,
    CONF_WEBHOOK_HASH,
    CONF_WEBHOOK_ID,
    CONF_WEBHOOK_SECRET,
    DEFAULT_WEBHOOK_HASH,
    DOMAIN,
    NAME,
    STORE_WEBHOOK,
    WEBHOOK_HASHES,
    store_key,
)
from .smsc.incoming import IncomingMessage
from .smsc.reports import (
    ACCEPTED,
    DELIVERED,
    EXPIRED,
    MESSAGE_TYPE_HLR,
    MESSAGE_TYPES,
    PROVIDER_TZ,
    REJECTED,
    UNDELIVERABLE,
    UNKNOWN,
    DeliveryReport,
    HlrResult,
    error_text,
)

_LOGGER = logging.getLogger(__name__)

EVENT_CALL_CONFIRMATION: Final = "smscentre_call_confirmation"

HASH_KINDS: Final = WEBHOOK_HASHES
DEFAULT_HASH: Final = DEFAULT_WEBHOOK_HASH
DEFAULT_CHARSET: Final = "windows-1251"
# charset query values the provider documents (plus spellings seen in the wild) -> Python codec
CHARSETS: Final[dict[str, str]] = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "windows-1251": "cp1251",
    "cp1251": "cp1251",
    "koi8-r": "koi8_r",
    "koi8r": "koi8_r",
}
MAX_BODY: Final = 64 * 1024
HANDLED_MAX: Final = 4096
# The provider gives up after 50 tries 4 minutes apart (3 h 20 min); keep keys well beyond that.
HANDLED_TTL: Final = 2 * 86400.0
STORAGE_VERSION: Final = 1
SAVE_DELAY: Final = 5.0
LOG_INTERVAL: Final = 3600.0

Kind = Literal["incoming", "status", "call"]

# provider status code -> (event type, SMPP stat word); see the module docstring
STATUS_CODES: Final[dict[int, tuple[str, str]]] = {
    -3: (UNKNOWN, "UNKNOWN"),
    -2: (ACCEPTED, "ENROUTE"),
    -1: (ACCEPTED, "ENROUTE"),
    0: (ACCEPTED, "ACCEPTD"),
    1: (DELIVERED, "DELIVRD"),
    2: (DELIVERED, "DELIVRD"),
    3: (EXPIRED, "EXPIRED"),
    4: (DELIVERED, "DELIVRD"),
    20: (UNDELIVERABLE, "UNDELIV"),
    22: (REJECTED, "REJECTD"),
    23: (REJECTED, "REJECTD"),
    24: (REJECTED, "REJECTD"),
    25: (UNDELIVERABLE, "UNDELIV"),
}
UNKNOWN_STATUS: Final = (UNKNOWN, "UNKNOWN")
MESSAGE_TYPE_CALL: Final = 7

_SIGNED_FIELDS: Final[dict[Kind, tuple[str, ...]]] = {
    "status": ("id", "phone", "status"),
    "incoming": ("phone", "mes", "to"),
    "call": ("phone", "ts"),
}
# What makes two requests the same event (a retry), per kind
_KEY_FIELDS: Final[dict[Kind, tuple[str, ...]]] = {
    "status": ("id", "phone", "status", "err", "ts", "time", "type", "imsi"),
    "incoming": ("id", "sms_id", "phone", "mes", "to", "sent", "time"),
    "call": ("phone", "ts"),
}
_XML_DECLARED_ENCODING = re.compile(rb"^\s*<\?xml[^>]*encoding\s*=", re.IGNORECASE)


class BadRequest(ValueError):
    """The body cannot be read or lacks what its kind needs."""


# --- parsing (no Home Assistant below this line until SmscWebhook) -------------------------
def codec_for(charset: str | None) -> str:
    """Python codec of the provider's `charset` parameter (windows-1251 when absent/unknown)."""
    if not charset:
        return CHARSETS[DEFAULT_CHARSET]
    return CHARSETS.get(charset.strip().lower(), CHARSETS[DEFAULT_CHARSET])


def _scalar(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _parse_json(text: str) -> list[dict[str, str]]:
    try:
        data = json.loads(text)
    except ValueError as err:
        raise BadRequest("invalid JSON") from err
    items = data if isinstance(data, list) else [data]
    result = []
    for item in items:
        if not isinstance(item, dict):
            raise BadRequest("JSON body is not an object")
        fields = {str(k): v for k, v in ((k, _scalar(v)) for k, v in item.items()) if v is not None}
        result.append(fields)
    return result


def _forbid(*_args: Any) -> None:
    raise BadRequest("XML with a DTD or entities is not accepted")


def parse_xml(body: bytes | str) -> dict[str, str]:
    """Leaf elements (tag -> text) and attributes of an XML body; first occurrence wins.

    The provider's fmt=2 layout is not published, so any shape of flat records is read. A DTD
    is refused outright: no entity can be declared, so no entity expansion (billion laughs,
    external entities) is possible.
    """
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _forbid
    parser.EntityDeclHandler = _forbid
    parser.UnparsedEntityDeclHandler = _forbid
    parser.ExternalEntityRefHandler = _forbid  # type: ignore[assignment]  # raises instead
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    fields: dict[str, str] = {}
    stack: list[tuple[str, list[str], list[bool]]] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        if stack:
            stack[-1][2][0] = True
        for key, value in attrs.items():
            fields.setdefault(key, value)
        stack.append((name, [], [False]))

    def end(_name: str) -> None:
        name, text, has_children = stack.pop()
        if not has_children[0]:
            fields.setdefault(name, "".join(text).strip())

    def chars(data: str) -> None:
        if stack:
            stack[-1][1].append(data)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    try:
        parser.Parse(body, True)
    except expat.ExpatError as err:
        raise BadRequest(f"invalid XML: {err}") from err
    return fields


def parse_multipart(body: bytes, content_type: str, codec: str) -> dict[str, str]:
    """The fields of a multipart/form-data body (``content_type``: the whole header, with its
    boundary); values decoded per charset; the first of a repeated field wins."""
    head = f"Content-Type: {content_type}\r\n\r\n".encode("ascii", "replace")
    message = BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise BadRequest("multipart body without a boundary")
    fields: dict[str, str] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        value = payload.decode(codec, errors="replace") if isinstance(payload, bytes) else ""
        fields.setdefault(name, value)
    return fields


def parse_body(
    body: bytes, *, content_type: str, fmt: str | None, charset: str | None
) -> list[dict[str, str]]:
    """The requests' fields: JSON (fmt=3), XML (fmt=2) or form fields (URL-encoded or
    multipart), decoded per charset. ``content_type``: the whole header."""
    codec = codec_for(charset)
    lowered = content_type.lower()
    if lowered.startswith("multipart/form-data"):
        return [parse_multipart(body, content_type, codec)]  # the boundary is case-sensitive
    stripped = body.lstrip()
    if fmt == "3" or "json" in lowered or stripped[:1] in (b"{", b"["):
        text = body.decode(codec, errors="replace").lstrip("\ufeff")
        return _parse_json(text)
    if fmt == "2" or "xml" in lowered or stripped[:1] == b"<":
        if _XML_DECLARED_ENCODING.match(body):
            return [parse_xml(body)]  # the declaration names the encoding of the bytes
        return [parse_xml(body.decode(codec, errors="replace").lstrip("\ufeff"))]
    text = body.decode(codec, errors="replace")
    fields: dict[str, str] = {}
    for key, value in parse_qsl(text, keep_blank_values=True, encoding=codec, errors="replace"):
        fields.setdefault(key, value)
    return [fields]


def kind_of(fields: Mapping[str, str]) -> Kind:
    """The provider's own rule: `mes` -> incoming, `waitcall` -> call confirmation, else status."""
    if "mes" in fields:
        return "incoming"
    if "waitcall" in fields:
        return "call"
    return "status"


def signed_string(kind: Kind, fields: Mapping[str, str], secret: str) -> str:
    """`id:phone:status:<secret>`, `phone:mes:to:<secret>` or `phone:ts:<secret>`."""
    return ":".join([*(fields.get(name, "") for name in _SIGNED_FIELDS[kind]), secret])


def _digests(hash_kind: str, data: bytes) -> list[str]:
    if hash_kind == "md5":
        return [hashlib.md5(data, usedforsecurity=False).hexdigest()]
    if hash_kind == "sha1":
        return [hashlib.sha1(data, usedforsecurity=False).hexdigest()]
    # crc32: PHP's crc32() prints an unsigned (64-bit PHP) or signed (32-bit PHP) decimal,
    # hash("crc32b") prints 8 hex digits: the provider's choice is not documented.
    value = zlib.crc32(data)
    signed = value - (1 << 32) if value >= 1 << 31 else value
    return [str(value), str(signed), f"{value:08x}"]


def verify_signature(
    kind: Kind,
    fields: Mapping[str, str],
    candidates: Iterable[str],
    *,
    secret: str,
    hash_kind: str,
    codec: str,
) -> bool:
    """True when one of the received values is the hash of the signed string (constant time).

    The string is hashed as bytes in the request's charset and, failing that, in UTF-8.
    """
    text = signed_string(kind, fields, secret)
    expected: list[str] = []
    for encoding in dict.fromkeys((codec, "utf-8")):
        try:
            data = text.encode(encoding)
        except UnicodeEncodeError:
            continue
        expected.extend(_digests(hash_kind, data))
    ok = False
    for received in candidates:
        value = received.strip().lower().encode("ascii", "replace")
        for digest in expected:
            # no early exit: the time taken does not tell which part matched
            ok |= hmac.compare_digest(value, digest.encode("ascii"))
    return ok


def request_key(kind: Kind, fields: Mapping[str, str]) -> str:
    """Fingerprint of a request (no phone number or text in clear): same event -> same key."""
    values = [kind, *(fields.get(name, "") for name in _KEY_FIELDS[kind])]
    data = "\x1f".join(values).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


def _stamp(value: str | None) -> datetime | None:
    """Epoch seconds -> aware UTC datetime."""
    number = _int(value)
    if number is None or number <= 0:
        return None
    try:
        return datetime.fromtimestamp(number, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _status_time(value: str | None) -> datetime | None:
    """`DD.MM.YY hh:mm:ss` in the provider's zone."""
    if not value:
        return None
    try:
        return datetime.strptime(value.strip(), "%d.%m.%y %H:%M:%S").replace(tzinfo=PROVIDER_TZ)
    except ValueError:
        return None


def _message_type(fields: Mapping[str, str]) -> int | None:
    if (value := _int(fields.get("type"))) is not None:
        return value
    if (flag := _int(fields.get("flag"))) is not None:
        return flag & 0x0F
    return None


def _text(fields: Mapping[str, str], name: str) -> str | None:
    value = fields.get(name)
    return value.strip() or None if value is not None else None


def _status(fields: Mapping[str, str]) -> tuple[int | None, str, str]:
    code = _int(fields.get("status"))
    status, stat = STATUS_CODES.get(code, UNKNOWN_STATUS) if code is not None else UNKNOWN_STATUS
    return code, status, stat


@dataclass(slots=True)
class WebhookReport(DeliveryReport):
    """A delivery report from the HTTP handler: adds the provider's numeric status."""

    status_code: int | None = None

    def as_event_data(self) -> dict[str, Any]:
        """The SMPP path's fields plus `status_code`."""
        return DeliveryReport.as_event_data(self) | {"status_code": self.status_code}


@dataclass(slots=True)
class WebhookIncoming(IncomingMessage):
    """An incoming SMS from the HTTP handler: adds the id of the message it answers."""

    reply_to: str | None = None

    def as_event_data(self) -> dict[str, Any]:
        """The SMPP path's fields plus `reply_to` (the provider's `sms_id`)."""
        return IncomingMessage.as_event_data(self) | {"reply_to": self.reply_to}


def is_hlr(fields: Mapping[str, str]) -> bool:
    """A status of an `__HLR__` request: type 4, or HLR fields present."""
    return _message_type(fields) == MESSAGE_TYPE_HLR or "imsi" in fields or "mcc" in fields


def to_report(fields: Mapping[str, str]) -> WebhookReport:
    """A status request as the DeliveryReport the SMPP path makes."""
    code, status, stat = _status(fields)
    error_code = _int(fields.get("err"))
    message_type = _message_type(fields)
    count = _int(fields.get("cnt"))
    return WebhookReport(
        message_id=(fields.get("id") or "").strip(),
        stat=stat,
        status=status,
        error_code=error_code,
        error=error_text(error_code),
        done_at=_stamp(fields.get("ts")) or _status_time(fields.get("time")),
        cost=_text(fields, "cost"),
        message_type=None if message_type is None else MESSAGE_TYPES.get(message_type),
        # cnt is the number of parts, or the call's length in seconds for a call
        parts=count if message_type != MESSAGE_TYPE_CALL else None,
        recipient=_text(fields, "phone"),
        status_code=code,
    )


def to_hlr(fields: Mapping[str, str]) -> HlrResult:
    """A status request of an HLR lookup as the HlrResult the SMPP path makes."""
    _code, status, stat = _status(fields)
    error_code = _int(fields.get("err"))
    return HlrResult(
        message_id=(fields.get("id") or "").strip(),
        status=status,
        stat=stat,
        error_code=error_code,
        error=error_text(error_code),
        imsi=_text(fields, "imsi"),
        msc=_text(fields, "msc"),
        mcc=_text(fields, "mcc"),
        mnc=_text(fields, "mnc"),
        country=_text(fields, "cn"),
        network=_text(fields, "net"),
        roaming_country=_text(fields, "rcn"),
        roaming_network=_text(fields, "rnet"),
        phone=_text(fields, "phone"),
    )


def _parts(text: str) -> int:
    try:
        from .smsc.encoding import count_parts

        return count_parts(text)[1]
    except Exception:  # an estimate only: never fail an incoming SMS on it
        return 1


def to_incoming(fields: Mapping[str, str], *, now: datetime) -> WebhookIncoming:
    """An incoming-SMS request as the IncomingMessage the SMPP path makes."""
    text = fields.get("mes", "")
    return WebhookIncoming(
        sender=(fields.get("phone") or "").strip(),
        recipient=(fields.get("to") or "").strip(),
        text=text,
        parts=_parts(text),
        received_at=_stamp(fields.get("time")) or _stamp(fields.get("sent")) or now,
        message_id=_text(fields, "id"),
        reply_to=_text(fields, "sms_id"),
    )


class HandledKeys:
    """Bounded LRU of handled request keys with a time to live; O(1) per request."""

    def __init__(
        self,
        max_size: int = HANDLED_MAX,
        ttl: float = HANDLED_TTL,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Bound and ttl; the clock is wall time so that keys survive a restart."""
        self._max = max(1, max_size)
        self._ttl = ttl
        self._clock = clock
        self._keys: OrderedDict[str, float] = OrderedDict()

    def __len__(self) -> int:
        """Number of keys held."""
        return len(self._keys)

    def __contains__(self, key: object) -> bool:
        """True while the key is held and younger than the ttl."""
        stamp = self._keys.get(key)  # type: ignore[call-overload]
        if stamp is None:
            return False
        if self._clock() - stamp > self._ttl:
            del self._keys[key]  # type: ignore[arg-type]
            return False
        return True

    def add(self, key: str) -> None:
        """Remember a key (the oldest goes beyond the bound)."""
        self._keys[key] = self._clock()
        self._keys.move_to_end(key)
        while len(self._keys) > self._max:
            self._keys.popitem(last=False)

    def as_list(self) -> list[list[Any]]:
        """For storage."""
        return [[key, stamp] for key, stamp in self._keys.items()]

    def load(self, items: Iterable[Any]) -> None:
        """From storage; expired and malformed items are dropped."""
        now = self._clock()
        for item in items:
            try:
                key, stamp = str(item[0]), float(item[1])
            except (TypeError, ValueError, IndexError):
                continue
            if now - stamp <= self._ttl:
                self._keys[key] = stamp
        while len(self._keys) > self._max:
            self._keys.popitem(last=False)


# --- Home Assistant ------------------------------------------------------------------------
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


@callback
def async_ensure_webhook_id(hass: HomeAssistant, entry: ConfigEntry) -> str:
    """The entry's webhook id, generated and stored when missing.

    Call before the entry's update listener is added: storing it must not reload the entry.
    """
    if webhook_id := entry.data.get(CONF_WEBHOOK_ID):
        return str(webhook_id)
    webhook_id = webhook.async_generate_id()
    hass.config_entries.async_update_entry(entry, data={**entry.data, CONF_WEBHOOK_ID: webhook_id})
    return webhook_id


async def async_setup_webhook(hass: HomeAssistant, entry: ConfigEntry) -> SmscWebhook | None:
    """Register the handler when the options enable it; unregistered on unload."""
    webhook_id = async_ensure_webhook_id(hass, entry)
    if not entry.options.get(CONF_WEBHOOK_ENABLED, False):
        return None
    handler = SmscWebhook(
        hass,
        entry,
        webhook_id,
        secret=entry.options.get(CONF_WEBHOOK_SECRET) or None,
        hash_kind=entry.options.get(CONF_WEBHOOK_HASH) or DEFAULT_HASH,
    )
    await handler.async_start()
    entry.async_on_unload(handler.async_stop)
    return handler


class SmscWebhook:
    """One entry's HTTP handler."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        webhook_id: str,
        *,
        secret: str | None,
        hash_kind: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Nothing is registered until async_start."""
        self.hass = hass
        self.entry = entry
        self.webhook_id = webhook_id
        self.secret = secret
        self.hash_kind = hash_kind if hash_kind in HASH_KINDS else DEFAULT_HASH
        self.handled = HandledKeys(clock=clock)
        self._clock = clock
        self._warned: dict[str, float] = {}
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, store_key(entry.entry_id, STORE_WEBHOOK)
        )
        self._dirty = False
        self._registered = False

    async def async_start(self) -> None:
        """Restore handled keys, then register the webhook."""
        if stored := await self._store.async_load():
            self.handled.load(stored.get("handled", []))
        webhook.async_register(
            self.hass,
            DOMAIN,
            f"{NAME} {self.entry.title}",
            self.webhook_id,
            self.async_handle,
            allowed_methods=["POST"],
        )
        self._registered = True

    async def async_stop(self) -> None:
        """Unregister and save the handled keys now."""
        if self._registered:
            webhook.async_unregister(self.hass, self.webhook_id)
            self._registered = False
        if self._dirty:
            self._dirty = False
            await self._store.async_save(self._data())  # also cancels a pending delayed save

    def _data(self) -> dict[str, Any]:
        return {"handled": self.handled.as_list()}

    @callback
    def _schedule_save(self) -> None:
        self._dirty = True
        self._store.async_delay_save(self._data, SAVE_DELAY)

    async def async_handle(
        self, hass: HomeAssistant, webhook_id: str, request: Request | MockRequest
    ) -> Response:
        """Read, verify, dedupe and dispatch one request of the provider.

        Through a cloudhook, Home Assistant Cloud hands over a ``MockRequest``: the body is
        already there, and it has neither ``read()`` nor a content length.
        """
        if isinstance(request, MockRequest):
            body = await request.content.read()
        else:
            if request.content_length is not None and request.content_length > MAX_BODY:
                return Response(status=HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
            body = await request.read()
        if len(body) > MAX_BODY:
            return Response(status=HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        query = request.query
        charset = query.get("charset")
        try:
            content_type = request.headers.get(hdrs.CONTENT_TYPE, "")  # with its parameters
            items = self._parse(body, content_type, query.get("fmt"), charset)
            if charset is None and (echoed := items[0].get("charset")) is not None:
                # the query string did not come along, but its parameters are echoed in the
                # body (SPEC.md §4): read the body again in the charset named there
                charset = echoed
                if codec_for(echoed) != codec_for(None):
                    items = self._parse(body, content_type, None, charset)
        except BadRequest as err:
            self._warn(
                "malformed", "Ignoring a malformed request to the SMS Center webhook: %s", err
            )
            return Response(status=HTTPStatus.BAD_REQUEST)
        codec = codec_for(charset)
        checked: list[tuple[Kind, dict[str, str]]] = []
        for fields in items:
            kind = kind_of(fields)
            if not self._authentic(kind, fields, query.getall(self.hash_kind, []), codec):
                self._warn(
                    "forged",
                    "Refused a request to the SMS Center webhook from %s: bad or missing %s",
                    request.remote or "Home Assistant Cloud",
                    self.hash_kind,
                )
                return Response(status=HTTPStatus.FORBIDDEN)
            checked.append((kind, fields))
        for kind, fields in checked:
            key = request_key(kind, fields)
            if key in self.handled:
                _LOGGER.debug("Webhook: a retry of a request already handled")
                continue
            try:
                self._dispatch(kind, fields)
            except BadRequest as err:
                self._warn("incomplete", "Ignoring a request to the SMS Center webhook: %s", err)
                return Response(status=HTTPStatus.BAD_REQUEST)
            self.handled.add(key)
            self._schedule_save()
        return Response(status=HTTPStatus.OK, text="OK")

    def _warn(self, kind: str, msg: str, *args: object) -> None:
        """A warning per kind of problem at most once per LOG_INTERVAL (anyone can post)."""
        now = self._clock()
        last = self._warned.get(kind)
        if last is not None and now - last < LOG_INTERVAL:
            _LOGGER.debug(msg, *args)
            return
        self._warned[kind] = now
        _LOGGER.warning(msg, *args)

    @staticmethod
    def _parse(
        body: bytes, content_type: str, fmt: str | None, charset: str | None
    ) -> list[dict[str, str]]:
        items = parse_body(body, content_type=content_type, fmt=fmt, charset=charset)
        if not items:
            raise BadRequest("empty body")
        return items

    def _authentic(
        self, kind: Kind, fields: dict[str, str], query_values: list[str], codec: str
    ) -> bool:
        if not self.secret:
            return True
        # The hash is in the body; the URL's own parameter (holding the secret itself, never
        # a valid hash) may come along in the query and is simply one more candidate.
        candidates = [v for v in (fields.get(self.hash_kind),) if v] + list(query_values)
        if not candidates:
            return False
        return verify_signature(
            kind, fields, candidates, secret=self.secret, hash_kind=self.hash_kind, codec=codec
        )

    def _dispatch(self, kind: Kind, fields: dict[str, str]) -> None:
        runtime = self.entry.runtime_data
        now = datetime.now(UTC)
        if kind == "incoming":
            if not (fields.get("phone") or "").strip():
                raise BadRequest("incoming message without phone")
            runtime.handle_incoming(to_incoming(fields, now=now))
            return
        if kind == "call":
            phone = (fields.get("phone") or "").strip()
            if not phone:
                raise BadRequest("call confirmation without phone")
            called_at = _stamp(fields.get("ts")) or now
            self.hass.bus.async_fire(
                EVENT_CALL_CONFIRMATION,
                {
                    "config_entry_id": self.entry.entry_id,
                    "phone": phone,
                    "called_at": called_at.isoformat(),
                },
            )
            return
        message_id = (fields.get("id") or "").strip()
        if not message_id:
            raise BadRequest("status without id")
        record = runtime.tracker.get(message_id)
        if is_hlr(fields):
            runtime.handle_hlr(to_hlr(fields), record)
        else:
            runtime.handle_report(to_report(fields), record)
