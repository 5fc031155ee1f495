"""Client of the provider's HTTP API: balance, price, sending and status, over aiohttp.

The session is passed in (Home Assistant's shared one). Every request is a POST with a form
body, so the login and password never sit in a URL that a proxy or a log could keep; what is
logged is the endpoint without a query. Exceptions, ``repr`` and ``diagnostics()`` never hold
the password (a provider's text is masked before it is kept). Answers are always asked for as
JSON (``fmt=3``) in UTF-8; see ``provider.FACTS`` for what is known of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
import json
import logging
import math
import time
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from ..channels import Channel
from ..errors import InvalidInput
from ..redact import redact_text
from .errors import (
    ApiCannotConnect,
    ApiError,
    ApiUnexpectedAnswer,
    error_for,
)
from .provider import FACTS
from .request import send_params

_LOGGER = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 20.0
MAX_ERROR_TEXT = 100


@dataclass(frozen=True, slots=True)
class Balance:
    """The account's balance and the currency the API names (None when it names none)."""

    balance: float
    currency: str | None


@dataclass(frozen=True, slots=True)
class Cost:
    """The price of a message, not sent: ``parts`` is the provider's count (parts x
    recipients; seconds for a voice call)."""

    cost: float
    parts: int


@dataclass(frozen=True, slots=True)
class Sent:
    """A message the API accepted: its id (the client's id when one was given), the
    provider's count, the price and the balance after it (when the API gave them)."""

    message_id: str
    parts: int
    cost: float | None
    balance: float | None


@dataclass(frozen=True, slots=True)
class Status:
    """A message's status (``provider.FACTS.statuses``), its error code and when it changed."""

    status: int
    error: int
    changed_at: float | None


def _number(value: object, what: str) -> float:
    try:
        number = float(str(value))
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise ApiUnexpectedAnswer(f"{what} is not a number")
    return number


def mirror_urls(url: str) -> list[str]:
    """The provider's mirrors of a base URL (``https://smscentre.com`` ->
    ``https://www1.smscentre.com``...), tried in turn when it gives no answer, as the
    provider's own client library does; none for another host (a proxy, a test server)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host not in FACTS.mirror_domains.value:
        return []
    port = f":{parts.port}" if parts.port is not None else ""
    return [f"{parts.scheme}://{mirror}.{host}{port}" for mirror in FACTS.mirrors.value]


def _integer(value: object, what: str) -> int:
    try:
        return int(str(value))
    except ValueError:
        raise ApiUnexpectedAnswer(f"{what} is not a whole number") from None


class HttpApi:
    """One account on the HTTP API. Methods raise ``ApiError`` subclasses (and
    ``InvalidInput`` for what cannot be asked)."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        login: str,
        password: str,
        *,
        url: str = FACTS.default_url.value,
        timeout: float = DEFAULT_TIMEOUT,
        mirrors: Sequence[str] | None = None,
    ) -> None:
        """Check the base URL (http or https, a host, nothing else: no credentials, query or
        fragment in it) and keep the account. ``mirrors``: base URLs to try in turn when a
        host gives no answer (default: the provider's, ``mirror_urls``)."""
        self._session = session
        self._login = login
        self._password = password
        self._url = self.check_url(url)
        # the base URL first, then its mirrors; requests go to the one that answered last
        self._bases = [self._url, *(mirror_urls(self._url) if mirrors is None else mirrors)]
        self._active = 0
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self.requests = 0
        self.errors = 0
        self.last_error: str | None = None

    @staticmethod
    def check_url(url: str) -> str:
        """The base URL without a trailing slash; ``InvalidInput("invalid_api_url")`` else.

        The error names no part of the URL: credentials typed into it must not be echoed.
        """
        text = str(url).strip().rstrip("/")
        try:
            parts = urlsplit(text)
            port = parts.port
        except ValueError:
            raise InvalidInput("invalid_api_url") from None
        if (
            parts.scheme not in ("http", "https")
            or not parts.hostname
            or parts.username is not None
            or parts.password is not None
            or parts.query
            or parts.fragment
            or "@" in parts.netloc
            or (port is not None and not 0 < port < 65536)
        ):
            raise InvalidInput("invalid_api_url")
        return text

    @property
    def url(self) -> str:
        """The base URL (the API is at ``<url>/sys/<name>.php``)."""
        return self._url

    @property
    def active_url(self) -> str:
        """The base URL requests go to now: the one that answered last."""
        return self._bases[self._active]

    def endpoint(self, name: str, base: str | None = None) -> str:
        """The URL of one script, as requested and logged (no query: all goes in the body)."""
        return (base or self._url) + FACTS.path.value.format(name=name)

    def __repr__(self) -> str:
        """Readable in logs: the base URL only."""
        return f"HttpApi({self._url!r})"

    def diagnostics(self) -> dict[str, Any]:
        """What diagnostics may show: no login, no password."""
        return {
            "url": self._url,
            "active_url": self.active_url,
            "requests": self.requests,
            "errors": self.errors,
            "last_error": self.last_error,
        }

    # ---------------------------------------------------------------------------- methods
    async def balance(self) -> Balance:
        """The account's balance and currency."""
        data = await self._call("balance", {FACTS.balance_currency.value: "1"}, repeatable=True)
        if "balance" not in data:
            raise ApiUnexpectedAnswer("no balance in the answer")
        currency = data.get("currency")
        return Balance(
            _number(data["balance"], "balance"),
            str(currency) if currency not in (None, "") else None,
        )

    async def cost(
        self,
        recipients: Iterable[str],
        channel: Channel | str,
        text: str,
        *,
        sender: str | None = None,
        flash: bool = False,
    ) -> Cost:
        """The price of sending ``text`` (``channels.compose``'s) to the recipients; nothing
        is sent."""
        params = self._message(recipients, channel, text, sender, flash)
        params["cost"] = FACTS.cost_only.value
        data = await self._call("send", params, repeatable=True)  # nothing is sent
        if "cost" not in data or "cnt" not in data:
            raise ApiUnexpectedAnswer("no cost in the answer")
        return Cost(_number(data["cost"], "cost"), _integer(data["cnt"], "cnt"))

    async def send(
        self,
        recipients: Iterable[str],
        channel: Channel | str,
        text: str,
        *,
        client_id: int | None = None,
        sender: str | None = None,
        flash: bool = False,
    ) -> Sent:
        """Send ``text`` (``channels.compose``'s) to the recipients as one message.

        ``client_id`` names the message: the provider answers with it as the message's id,
        and refuses the same request again within a minute (``ApiDuplicate``, whose
        ``message_id`` is then this id), so a retry after a lost answer cannot send twice.
        """
        params = self._message(recipients, channel, text, sender, flash)
        if client_id is not None:
            low, high = FACTS.client_id.value
            if isinstance(client_id, bool) or not low <= client_id <= high:
                raise ValueError(f"client_id must be between {low} and {high}")
            params["id"] = str(client_id)
        params["cost"] = FACTS.cost_and_balance.value
        expected = None if client_id is None else str(client_id)
        data = await self._call("send", params, message_id=expected)
        if "id" not in data or "cnt" not in data:
            raise ApiUnexpectedAnswer("no message id in the answer")
        cost, balance = data.get("cost"), data.get("balance")
        return Sent(
            str(data["id"]),
            _integer(data["cnt"], "cnt"),
            None if cost is None else _number(cost, "cost"),
            None if balance is None else _number(balance, "balance"),
        )

    async def status(self, message_id: str, phone: str) -> Status:
        """A message's status by its id and recipient (-3: the provider knows no such one)."""
        data = await self._call(
            "status", {"id": str(message_id), "phone": str(phone)}, repeatable=True
        )
        if "status" not in data:
            raise ApiUnexpectedAnswer("no status in the answer")
        changed = data.get("last_timestamp")
        return Status(
            _integer(data["status"], "status"),
            _integer(data.get("err") or 0, "err"),
            None if not changed else _number(changed, "last_timestamp"),
        )

    # ---------------------------------------------------------------------------- requests
    def _message(
        self,
        recipients: Iterable[str],
        channel: Channel | str,
        text: str,
        sender: str | None,
        flash: bool,
    ) -> dict[str, str]:
        phones = [str(r).strip() for r in recipients if str(r).strip()]
        if not phones:
            raise InvalidInput("no_recipients")
        params = send_params(channel, text, flash=flash)
        params["phones"] = ",".join(phones)
        if sender:
            params["sender"] = sender
        return params

    async def _call(
        self,
        name: str,
        params: Mapping[str, str],
        *,
        message_id: str | None = None,
        repeatable: bool = False,
    ) -> dict[str, Any]:
        """POST one request; the answer's JSON object, or the error it names.

        A host that gives no answer passes the request to the next of the base URL and its
        mirrors, and requests go on to that one: at once when no connection was made, or
        when the request is ``repeatable`` (nothing is sent by it); never a send that may
        have reached the server (``maybe_sent``: its caller asks the status before sending
        again), and not after the time of one request has gone (a host that hangs).
        """
        login_field, password_field = FACTS.credentials.value
        form = {
            login_field: self._login,
            password_field: self._password,
            "fmt": FACTS.answer_format.value,
            "charset": FACTS.charset.value,
            **params,
        }
        started = time.monotonic()
        for attempt in range(len(self._bases)):
            endpoint = self.endpoint(name, self.active_url)
            self.requests += 1
            try:
                data = await self._post(endpoint, form)
            except ApiError as err:
                self.errors += 1
                self.last_error = err.key
                _LOGGER.debug("%s: %s", endpoint, err)
                if not isinstance(err, ApiCannotConnect):
                    raise
                self._active = (self._active + 1) % len(self._bases)  # the next host, from now
                if (
                    attempt + 1 == len(self._bases)
                    or (err.maybe_sent and not repeatable)
                    or time.monotonic() - started >= (self._timeout.total or 0)
                ):
                    raise
                continue
            break
        code = data.get("error_code")
        if code is None and "error" not in data:
            return data
        self.errors += 1
        text = redact_text(str(data.get("error", ""))[:MAX_ERROR_TEXT], (self._password,))
        named = data.get("id")
        refused = error_for(
            _integer(code, "error_code") if code is not None else 0,
            text,
            message_id=str(named) if named not in (None, "", 0, "0") else message_id,
        )
        self.last_error = refused.key
        _LOGGER.debug("%s: error %s (%s)", endpoint, refused.code, text)
        raise refused

    async def _post(self, endpoint: str, form: Mapping[str, str]) -> dict[str, Any]:
        try:
            async with self._session.post(
                endpoint, data=dict(form), timeout=self._timeout, allow_redirects=False
            ) as resp:
                status = resp.status
                content_type = resp.content_type
                body = await resp.read()
        except TimeoutError:
            raise ApiCannotConnect("timeout") from None
        except aiohttp.ClientConnectorError as err:  # no connection: nothing was sent
            raise ApiCannotConnect(type(err).__name__, maybe_sent=False) from None
        except aiohttp.ClientError as err:
            raise ApiCannotConnect(type(err).__name__) from None
        _LOGGER.debug("POST %s -> %s (%d bytes)", endpoint, status, len(body))
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            data = None
        if isinstance(data, dict) and (status == 200 or "error_code" in data):
            return data
        if status >= 500 or status == 429:
            raise ApiCannotConnect(f"HTTP {status}")
        raise ApiUnexpectedAnswer(f"HTTP {status}, {content_type or 'no content type'}")
