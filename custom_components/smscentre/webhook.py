"""The provider's HTTP handler as a Home Assistant webhook (off by default).

SMS Center can POST each delivery status, incoming SMS and "number confirmation by call" to a
URL named in the account (``webhook_address.py`` makes it). This module receives them at
``/api/webhook/<webhook_id>``, reads, verifies and de-duplicates them with the core's
``smsc/http`` modules and hands them to the entry's dispatcher, the same way as the SMPP path,
so bus events and event entities look the same whichever path delivered them.

- Signature: with a secret set, a request without a valid ``md5``/``sha1``/``crc32`` of its
  signed fields is answered 403.
- Retries: the provider retries every 4 minutes, 50 times, until it gets 200 or 404. A request
  handled once is answered 200 again without firing anything (bounded, expiring request
  fingerprints, persisted so that a restart in between does not fire twice).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from http import HTTPStatus
import logging
import time
from typing import Any, Final, Protocol

from aiohttp import hdrs
from aiohttp.web import Request, Response
from homeassistant.components import webhook
from homeassistant.core import HomeAssistant
from homeassistant.util.aiohttp import MockRequest

from .compat import remote_address
from .const import DOMAIN, NAME, STORE_WEBHOOK
from .dispatch import Dispatcher
from .smsc.dedup import Deduplicator
from .smsc.http.body import BadRequest, codec_for, parse_body
from .smsc.http.callback import (
    Kind,
    is_hlr,
    kind_of,
    stamp,
    to_hlr,
    to_incoming,
    to_report,
)
from .smsc.http.shape import shape_problem
from .smsc.http.signature import DEFAULT_HASH, HASH_KINDS, request_key, verify_signature
from .smsc.tracker import SentTracker
from .storage import CoalescedSave, async_load_into, entry_store

_LOGGER = logging.getLogger(__name__)

MAX_BODY: Final = 64 * 1024
# The body's hash and the URL's own parameter (see _authentic)
MAX_CANDIDATES: Final = 2
HANDLED_MAX: Final = 4096
# The provider gives up after 50 tries 4 minutes apart (3 h 20 min); keep keys well beyond that.
HANDLED_TTL: Final = 2 * 86400.0
SAVE_DELAY: Final = 5.0
LOG_INTERVAL: Final = 3600.0


# Who may log the address the provider calls, which holds the webhook id and, as the provider
# is told to call it, the secret (``?md5=<secret>``): aiohttp's access log ("POST /api/webhook/
# <id>?...&md5=<secret>" at INFO, when a user turns that logger up), its server log, and Home
# Assistant's http component (its security filter logs a filtered request's raw path), its
# views ("Serving <path>" at DEBUG), its webhook component (the id at DEBUG and in errors),
# and Home Assistant Cloud's client, which logs each relayed cloudhook request, query string
# included, at DEBUG.
URL_LOGGERS: Final = (
    "aiohttp",
    "homeassistant.components.http",
    "homeassistant.components.webhook",
    "homeassistant.helpers.http",
    "hass_nabucasa",
)


def url_secrets(webhook_id: str | None, secret: str | None) -> list[str]:
    """What to mask in every log record of URL_LOGGERS and the integration's own."""
    return [value for value in (webhook_id, secret) if value]


class _Readable(Protocol):
    async def read(self, n: int = -1, /) -> bytes: ...


async def read_limited(stream: _Readable, limit: int) -> bytes | None:
    """The body, read chunk by chunk; None as soon as it is longer than ``limit`` (a chunked
    body has no length to refuse it by: it is never read whole first)."""
    chunks: list[bytes] = []
    size = 0
    while chunk := await stream.read(limit + 1 - size):
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            return None
    return b"".join(chunks)


class SmscWebhook:
    """One entry's HTTP handler."""

    def __init__(
        self,
        hass: HomeAssistant,
        *,
        entry_id: str,
        title: str,
        webhook_id: str,
        secret: str | None,
        hash_kind: str,
        dispatcher: Dispatcher,
        tracker: SentTracker,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Nothing is registered until async_start."""
        self.hass = hass
        self.title = title
        self.webhook_id = webhook_id
        self.secret = secret
        self.hash_kind = hash_kind if hash_kind in HASH_KINDS else DEFAULT_HASH
        self.handled = Deduplicator(ttl=HANDLED_TTL, clock=clock, max_entries=HANDLED_MAX)
        self._dispatcher = dispatcher
        self._tracker = tracker
        self._clock = clock
        self._warned: dict[str, float] = {}
        self._entry_id = entry_id
        self._store = entry_store(hass, entry_id, STORE_WEBHOOK)
        self._saver = CoalescedSave(hass, self._store, self._data, SAVE_DELAY)
        self._registered = False

    async def async_start(self) -> None:
        """Restore handled keys, then register the webhook."""
        await async_load_into(
            self.hass,
            self._store,
            self._load,
            entry_id=self._entry_id,
            title=self.title,
            name=STORE_WEBHOOK,
        )
        webhook.async_register(
            self.hass,
            DOMAIN,
            f"{NAME} {self.title}",
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
        await self._saver.async_flush(only_if_changed=True)

    def _load(self, stored: Any) -> None:
        """The handled keys of a ``_data()`` snapshot (raises on any other shape)."""
        handled = stored.get("handled", []) if isinstance(stored, dict) else None
        if not isinstance(handled, list):
            raise TypeError("handled is not a list")
        self.handled.load(handled)

    def _data(self) -> dict[str, Any]:
        return {"handled": self.handled.as_list()}

    def diagnostics(self) -> dict[str, Any]:
        """State for diagnostics (no secret, no address)."""
        return {
            "hash": self.hash_kind,
            "signed": bool(self.secret),
            "handled_requests": len(self.handled),
        }

    async def async_handle(
        self, hass: HomeAssistant, webhook_id: str, request: Request | MockRequest
    ) -> Response:
        """Read, verify, check, dedupe and dispatch one request of the provider.

        Never raises (Home Assistant would log a traceback naming the webhook id): whatever
        cannot be read is 400, before anything else. Through a cloudhook, Home Assistant Cloud
        hands over a ``MockRequest`` whose body is already there.
        """
        if (
            not isinstance(request, MockRequest)  # it has no content length
            and request.content_length is not None
            and request.content_length > MAX_BODY
        ):
            return Response(status=HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        try:
            body = await read_limited(request.content, MAX_BODY)
        except Exception as err:  # the sender went away, broke the chunking...
            self._warn(
                "malformed", "Could not read a request to the webhook: %s", type(err).__name__
            )
            return Response(status=HTTPStatus.BAD_REQUEST)
        if body is None:
            return Response(status=HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        query = request.query
        try:
            items, codec = self._read(body, request.headers.get(hdrs.CONTENT_TYPE, ""), query)
        except BadRequest as err:
            self._warn(
                "malformed", "Ignoring a malformed request to the SMS Center webhook: %s", err
            )
            return Response(status=HTTPStatus.BAD_REQUEST)
        checked: list[tuple[Kind, dict[str, str], str | None]] = []
        for fields in items:
            kind = kind_of(fields)
            if not self._authentic(kind, fields, query.getall(self.hash_kind, []), codec):
                self._warn(
                    "forged",
                    "Refused a request to the SMS Center webhook from %s: bad or missing %s",
                    remote_address(request) or "Home Assistant Cloud",
                    self.hash_kind,
                )
                return Response(status=HTTPStatus.FORBIDDEN)
            checked.append((kind, fields, shape_problem(kind, fields)))
        if not self.secret and (problem := next((p for *_, p in checked if p), None)):
            # Unsigned: whoever sent it is told (the provider sends no such request)
            self._warn("incomplete", "Ignoring a request to the SMS Center webhook: %s", problem)
            return Response(status=HTTPStatus.BAD_REQUEST)
        try:
            self._handle(checked)
        except Exception:
            # a fault of ours: logged here, without the webhook id Home Assistant would name;
            # the provider retries, and what was handled is not fired again
            _LOGGER.exception("Error handling a request to the SMS Center webhook")
            return Response(status=HTTPStatus.INTERNAL_SERVER_ERROR)
        return Response(status=HTTPStatus.OK, text="OK")

    def _handle(self, checked: list[tuple[Kind, dict[str, str], str | None]]) -> None:
        """Dispatch the checked requests that are usable and new."""
        for kind, fields, problem in checked:
            if problem:
                # Signed but unusable: retrying cannot make it usable, and anything but 200
                # or 404 makes the provider send it 50 times more; 200, nothing fired.
                self._warn(
                    "unusable", "Ignoring a signed request to the SMS Center webhook: %s", problem
                )
                continue
            key = request_key(kind, fields, signed=bool(self.secret))
            if key in self.handled:
                _LOGGER.debug("Webhook: a retry of a request already handled")
                continue
            self._dispatch(kind, fields)
            self.handled.add(key)
            self._saver.schedule()

    def _read(
        self, body: bytes, content_type: str, query: Mapping[str, str]
    ) -> tuple[list[dict[str, str]], str]:
        """The body's requests and the codec their signatures are computed in."""
        charset = query.get("charset")
        items = self._parse(body, content_type, query.get("fmt"), charset)
        if charset is None and (echoed := items[0].get("charset")) is not None:
            # the query string did not come along, but its parameters are echoed in the body
            # (the provider echoes the handler URL's parameters): read the body again in the
            # charset named there
            charset = echoed
            if codec_for(echoed) != codec_for(None):
                items = self._parse(body, content_type, None, charset)
        return items, codec_for(charset)

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
        # a valid hash) may come along in the query and is simply one more candidate. At
        # most two: each more is one more guess per request.
        candidates = [v for v in (fields.get(self.hash_kind),) if v] + list(query_values)
        if not candidates or len(candidates) > MAX_CANDIDATES:
            return False
        return verify_signature(
            kind, fields, candidates, secret=self.secret, hash_kind=self.hash_kind, codec=codec
        )

    def _dispatch(self, kind: Kind, fields: dict[str, str]) -> None:
        """A request whose shape was checked (``shape_problem``)."""
        now = datetime.now(UTC)
        if kind == "incoming":
            self._dispatcher.incoming(to_incoming(fields, now=now))
            return
        if kind == "call":
            phone = fields["phone"].strip()
            self._dispatcher.call_confirmation(phone, stamp(fields.get("ts")) or now)
            return
        message_id = fields["id"].strip()
        record = self._tracker.get(message_id)
        if is_hlr(fields):
            self._dispatcher.hlr(to_hlr(fields), record)
        else:
            self._dispatcher.report(to_report(fields), record)
