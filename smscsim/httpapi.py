"""The provider's HTTP API beside the SMPP server (aiohttp, its own listener).

``/sys/balance.php``, ``/sys/send.php`` (``cost=0..3``, a client-assigned ``id``, the channel
flags ``call``/``viber``/``soc``/``mail``/``hlr``/``ping``/``flash``) and ``/sys/status.php``,
by GET or POST, answering in ``fmt`` 0 (text lines), 1 (numbers), 2 (XML) or 3 (JSON), with
the provider's error codes. What is known of the real API and how sure it is, is in
``custom_components/smscentre/smsc/http/provider.py``; where the simulator has to guess (the
``fmt=0`` wording of a price, the blocking thresholds) it says so in docs/SIMULATOR.md.

Messages sent here are the simulator's messages like those sent over SMPP: the same message-id
counter, ``sim.messages()`` (``via == "http"``, the text as the same message would read over
SMPP: ``__CALL__: ...``), records for QUERY_SM and status.php, and the one-minute duplicate
rule across both ways. Their statuses are POSTed to ``callback_url`` the way the provider's
HTTP handler does (form fields or ``fmt=3`` JSON, ``md5``/``sha1``/``crc32`` of
``id:phone:status:<secret>``). The API uses the simulator only through `Backend` (its rules,
store and reports) and does not import ``smscsim.server``.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
import datetime
import hashlib
import json
import logging
import math
import time
from typing import Any, Protocol
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit
from xml.sax.saxutils import escape
import zlib

import aiohttp
from aiohttp import web

from . import text as textcodec
from .model import HLR_RESULT, PROVIDER_TZ, Message, MessageRecord
from .reports import Reports
from .rules import Rules
from .store import MessageStore

_LOGGER = logging.getLogger(__name__)

# Error texts of fmt=0/2/3 answers. 2, 3, 6, 7, 8 and 9 as the real API writes them
# (recorded in public client code); 1, 4 and 5 are the simulator's wording.
ERRORS: dict[int, str] = {
    1: "parameters error",
    2: "authorise error",
    3: "no money",
    4: "IP is blocked",
    5: "wrong date format",
    6: "message is denied",
    7: "invalid number",
    8: "can't to deliver",
    9: "duplicate request, wait a minute",
}
# Receipt stat -> the HTTP API's numeric status (status.php, the HTTP handler).
HTTP_STATUS = {
    "ENROUTE": 0,
    "ACCEPTD": 0,
    "DELIVRD": 1,
    "EXPIRED": 3,
    "DELETED": 20,
    "UNDELIV": 20,
    "UNKNOWN": 20,
    "REJECTD": 23,
}
# send.php flags: (text the same message has over SMPP, message type of statuses)
CHANNEL_FLAGS = ("call", "viber", "soc", "mail", "hlr", "ping")
CHARSETS = {"utf-8": "utf-8", "utf8": "utf-8", "koi8-r": "koi8-r", "windows-1251": "cp1251"}
DEFAULT_CHARSET = "windows-1251"  # the provider's default
MAX_CLIENT_ID = 2**31 - 1
DOWN_MODES = ("unavailable", "reset", "hang")


class Backend(Protocol):
    """What the HTTP API uses of the simulator it belongs to (``SmscSimulator`` is one)."""

    @property
    def rules(self) -> Rules: ...  # accounts, the one-minute rule across SMPP and HTTP

    @property
    def store(self) -> MessageStore: ...  # message ids, messages, records

    @property
    def reports(self) -> Reports: ...  # automatic statuses' settings, SMPP receipts

    def notify(self) -> None: ...  # wakes the simulator's wait_for


class ApiError(Exception):
    """An error answer of the HTTP API (code 1-9), with the message id when one was given."""

    def __init__(self, code: int, message_id: str | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.message_id = message_id


@dataclass(slots=True)
class HttpRequest:
    """One request to the HTTP API as received (the password left out)."""

    method: str
    path: str
    peer: str
    login: str
    params: dict[str, str]  # every parameter but psw, decoded with the request's charset
    password_in_query: bool  # psw was in the URL (not only in a POST body)
    content_type: str
    error: int | None = None  # the error code answered (None: success, or no answer)
    http_status: int = 200
    at: float = 0.0  # time.time()


@dataclass(slots=True)
class Callback:
    """One status POSTed (or tried) to the configured handler URL."""

    url: str
    fields: dict[str, str]
    statuses: list[int | str] = field(default_factory=list)  # HTTP status or error per try

    @property
    def delivered(self) -> bool:
        return bool(self.statuses) and self.statuses[-1] in (200, 404)


def money(value: float) -> str:
    """The provider's way of writing an amount: up to 4 decimals, no trailing zeros."""
    text = f"{value:.4f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def _date(stamp: float) -> str:
    """DD.MM.YYYY hh:mm:ss in the provider's time zone (status.php)."""
    return datetime.datetime.fromtimestamp(stamp, PROVIDER_TZ).strftime("%d.%m.%Y %H:%M:%S")


def _short_date(stamp: float) -> str:
    """DD.MM.YY hh:mm:ss (the HTTP handler's ``time``)."""
    return datetime.datetime.fromtimestamp(stamp, PROVIDER_TZ).strftime("%d.%m.%y %H:%M:%S")


def count_parts(text: str) -> int:
    """SMS parts of a text: GSM 03.38 160/153 septets, else UCS2 70/67 (the comment is free)."""
    body = text.split("\n~~~\n", 1)[0]
    data_coding, encoded = textcodec.choose(body)
    units = len(encoded) if data_coding == 0 else len(encoded) // 2
    single, multi = (160, 153) if data_coding == 0 else (70, 67)
    return 1 if units <= single else math.ceil(units / multi)


def smpp_text(params: Mapping[str, str]) -> tuple[str, str]:
    """(channel flag, the text the same message has over SMPP) of send.php's parameters."""
    mes = params.get("mes", "")
    if params.get("call") == "1":
        text = f"__CALL__: {mes}\nvoice:{params.get('voice') or 'w'}"
        param = params.get("param", "")
        return "call", text + "\n~~~\n" + param if param else text
    if params.get("viber") == "1":
        return "viber", f"__VIBER__: {mes}"
    if params.get("soc") == "1":
        return "soc", f"__SOC__: {mes}"
    if params.get("mail") == "1":
        return "mail", f"__MAIL__: {mes}\nsubj:{params.get('subj', '')}"
    if params.get("hlr") == "1":
        return "hlr", "__HLR__"
    if params.get("ping") == "1":
        return "ping", "__PING__"
    return "sms", mes


def _valid_recipient(flag: str, raw: str) -> str | None:
    """International digits (or an e-mail address for mail=1); None when invalid."""
    text = raw.strip()
    if flag == "mail":
        local, at, domain = text.rpartition("@")
        return text if at and local and "." in domain else None
    digits = text.removeprefix("+")
    if digits.isascii() and digits.isdigit() and 10 <= len(digits) <= 15:
        return digits
    return None


class HttpApi:
    """The HTTP API of one simulator: the switches tests flip, and what it observed."""

    def __init__(self, sim: Backend, host: str = "127.0.0.1", port: int = 0) -> None:
        self.sim = sim
        self.host = host
        self.port = port
        # account (tests may change these)
        self.balance = 100.0
        self.currency = "RUB"
        self.price = 2.5  # per SMS part and recipient; per message for other channels
        self.receipts_over_smpp = False  # also send SMPP receipts for messages sent here
        # the HTTP handler statuses go to ("?fmt=3&md5=<secret>" as the provider reads them)
        self.callback_url: str | None = None
        self.callback_retry_interval = 240.0
        self.callback_retries = 50
        # "IP temporarily blocked after frequent errors": thresholds are the simulator's
        self.block_after = 5  # wrong passwords from one address within block_window
        self.block_window = 60.0
        self.block_duration = 60.0
        self.cost_repeats = 5  # identical cost requests within a minute answered 9
        # seconds before each answer: the round trip of a request to the real API over the
        # internet (tens to hundreds of milliseconds) instead of loopback's fraction of one
        self.latency = 0.0
        # observation
        self.requests: list[HttpRequest] = []
        self.callbacks: list[Callback] = []
        self.sent_count = 0  # messages accepted here (one per recipient)
        self.request_count = 0
        self.hanging = 0  # requests held by down("hang")
        # internals
        self._records: dict[tuple[str, str], MessageRecord] = {}  # (id, phone)
        self._auth_failures: dict[str, deque[float]] = {}
        self._blocked: dict[str, float] = {}  # peer -> monotonic time the block ends
        self._block_all_until = 0.0
        self._costs: dict[tuple[Any, ...], deque[float]] = {}
        self._fail_code = 0
        self._fail_count = 0
        self._down: str | None = None
        self._lose = 0  # answers to drop after the request was carried out
        self._resume = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None
        self._timers: set[asyncio.TimerHandle] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        app = web.Application()
        app.add_routes(
            [
                web.route("*", "/sys/balance.php", self._balance),
                web.route("*", "/sys/send.php", self._send),
                web.route("*", "/sys/status.php", self._status),
            ]
        )
        self.app = app

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        self._runner = web.AppRunner(self.app, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True)
        await site.start()
        if self._runner.addresses:
            self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        self._resume.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._client is not None:
            await self._client.close()
            self._client = None
        for handle in self._timers:
            handle.cancel()
        self._timers.clear()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    @property
    def url(self) -> str:
        """The base URL (the API is at ``<url>/sys/<name>.php``)."""
        return f"http://{self.host}:{self.port}"

    # ------------------------------------------------------------------ switches
    def fail(self, code: int, count: int = 1) -> None:
        """Answer the next ``count`` requests with error ``code`` (after the checks of
        the address: a blocked one still reads 4)."""
        self._fail_code = code
        self._fail_count = count

    def down(self, mode: str = "unavailable") -> None:
        """Stop answering: "unavailable" (HTTP 503), "reset" (connection closed with no
        answer) or "hang" (no answer until ``up()``). Requests left hanging by "hang" get
        what another mode says, at once."""
        if mode not in DOWN_MODES:
            raise ValueError(f"mode must be one of {', '.join(DOWN_MODES)}")
        self._down = mode
        if mode == "hang":
            self._resume.clear()
        else:
            self._resume.set()

    def lose_answers(self, count: int = 1) -> None:
        """Carry out the next ``count`` requests, then close the connection unanswered (the
        client cannot know whether a message went)."""
        self._lose = count

    def up(self) -> None:
        """Answer again (requests left hanging are answered now)."""
        self._down = None
        self._resume.set()

    def block_ip(self, duration: float | None = None) -> None:
        """Answer 4 (IP blocked) to every address for ``duration`` seconds (None: until
        cleared)."""
        self._block_all_until = math.inf if duration is None else time.monotonic() + duration

    def clear_faults(self) -> None:
        self._fail_code = self._fail_count = 0
        self._lose = 0
        self._block_all_until = 0.0
        self._blocked.clear()
        self._auth_failures.clear()
        self.up()

    # ------------------------------------------------------------------ observation
    def record(self, message_id: str, phone: str) -> MessageRecord | None:
        """The record of a message sent here, by its id and recipient."""
        return self._records.get((message_id, phone))

    def stats(self) -> dict[str, Any]:
        return {
            "port": self.port,
            "requests": self.request_count,
            "sent": self.sent_count,
            "balance": money(self.balance),
            "currency": self.currency,
            "down": self._down,
        }

    def reset_observations(self) -> None:
        self.requests.clear()
        self.callbacks.clear()
        self._records.clear()
        self.sent_count = self.request_count = 0

    def forget_old(self, keep: int, limit: int) -> None:
        """Trim with the simulator's ``history`` (``MessageStore.forget_old``)."""
        if len(self.requests) >= limit:
            del self.requests[: len(self.requests) - keep]
        if len(self.callbacks) >= limit:
            del self.callbacks[: len(self.callbacks) - keep]
        if len(self._records) >= limit:
            self._records = dict(list(self._records.items())[len(self._records) - keep :])

    # ------------------------------------------------------------------ statuses
    async def report(
        self, message_id: str, phone: str | None = None, *, stat: str = "DELIVRD", err: int = 0
    ) -> None:
        """Give a message sent here its final status (status.php, the HTTP handler and,
        with ``receipts_over_smpp``, an SMPP receipt)."""
        for (record_id, record_phone), record in list(self._records.items()):
            if record_id == message_id and phone in (None, record_phone):
                self._finish(record, stat, err)

    def _finish(self, record: MessageRecord, stat: str, err: int) -> None:
        sim = self.sim
        now = time.time()
        record.stat = stat
        record.error = err
        record.changed_at = now
        if self.receipts_over_smpp:
            session = sim.reports.route(record)
            if session is not None:
                sim.reports.send(session, record.message_id, record, stat=stat, err=err)
        else:
            record.state = {"DELIVRD": 2, "EXPIRED": 3, "UNDELIV": 5, "REJECTD": 8}.get(stat, 7)
        if self.callback_url:
            fields = self._status_fields(record)
            task = asyncio.get_running_loop().create_task(self._post_status(fields))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        sim.notify()

    def _status_fields(self, record: MessageRecord) -> dict[str, str]:
        kind = record.message.kind
        fields = {
            "id": record.message_id,
            "phone": record.destination,
            "status": str(HTTP_STATUS.get(record.stat, 20)),
            "time": _short_date(record.changed_at),
            "ts": str(int(record.changed_at)),
            "err": str(record.error),
            "cnt": str(record.parts),
            "type": str(kind),
            "cost": money(record.cost),
            "sender": record.source,
        }
        if kind == 4:  # HLR: the result's fields, as in the SMPP result text
            for item in HLR_RESULT.split():
                key, _, value = item.partition(":")
                fields[key] = unquote(value)
        return fields

    async def _post_status(self, fields: dict[str, str]) -> None:
        url = self.callback_url
        assert url is not None
        query = dict(parse_qsl(urlsplit(url).query))
        for name, digest in (("md5", hashlib.md5), ("sha1", hashlib.sha1)):
            if secret := query.get(name):
                text = f"{fields['id']}:{fields['phone']}:{fields['status']}:{secret}"
                fields[name] = digest(text.encode()).hexdigest()
        if secret := query.get("crc32"):
            text = f"{fields['id']}:{fields['phone']}:{fields['status']}:{secret}"
            fields["crc32"] = str(zlib.crc32(text.encode()))
        callback = Callback(url, dict(fields))
        self.callbacks.append(callback)
        if query.get("fmt") == "3":
            body, content_type = json.dumps(fields).encode(), "application/json"
        else:
            charset = CHARSETS.get(query.get("charset", DEFAULT_CHARSET).lower(), "cp1251")
            body = urlencode(fields, encoding=charset, errors="replace").encode("ascii")
            content_type = "application/x-www-form-urlencoded"
        if self._client is None:
            self._client = aiohttp.ClientSession()
        for attempt in range(self.callback_retries + 1):
            if attempt:
                await asyncio.sleep(self.callback_retry_interval)
            try:
                async with self._client.post(
                    url,
                    data=body,
                    headers={"Content-Type": content_type},
                    timeout=aiohttp.ClientTimeout(total=30),
                ) as resp:
                    callback.statuses.append(resp.status)
            except (aiohttp.ClientError, TimeoutError) as err:
                callback.statuses.append(type(err).__name__)
            self.sim.notify()
            if callback.delivered:
                return

    # ------------------------------------------------------------------ requests
    async def _read(self, request: web.Request) -> tuple[HttpRequest, str]:
        """Parameters from the URL and a POST body, decoded with their ``charset``; the
        password apart."""
        raw: list[tuple[str, str]] = parse_qsl(
            request.query_string, keep_blank_values=True, encoding="latin-1"
        )
        in_query = any(key == "psw" for key, _ in raw)
        if request.method == "POST":
            if request.content_type.startswith("multipart/"):
                form = await request.post()
                raw += [
                    (k, v.encode().decode("latin-1")) for k, v in form.items() if isinstance(v, str)
                ]
            else:
                body = (await request.read()).decode("latin-1")
                raw += parse_qsl(body, keep_blank_values=True, encoding="latin-1")
        merged = dict(raw)
        charset = CHARSETS.get(merged.get("charset", DEFAULT_CHARSET).lower(), "cp1251")
        params = {key: value.encode("latin-1").decode(charset, "replace") for key, value in raw}
        password = params.pop("psw", "")
        peer = request.remote or ""
        record = HttpRequest(
            request.method,
            request.path,
            peer,
            params.get("login", ""),
            params,
            in_query,
            request.content_type,
            at=time.time(),
        )
        self.requests.append(record)
        self.request_count += 1
        return record, password

    async def _handle(self, request: web.Request, answer: Any) -> web.StreamResponse:
        if self._down == "hang":
            self.hanging += 1
            self.sim.notify()
            try:
                await self._resume.wait()
            finally:
                self.hanging -= 1
        if self._down == "unavailable":
            return web.Response(status=503, text="Service Unavailable")
        if self._down == "reset":
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError
        record, password = await self._read(request)
        if self.latency > 0:
            await asyncio.sleep(self.latency)
        fmt = record.params.get("fmt", "0")
        try:
            self._check(record, password)
            body = answer(record, fmt)
        except ApiError as err:
            record.error = err.code
            body = self._error(fmt, err)
        finally:
            self.sim.notify()
        if self._lose > 0 and record.error is None:
            self._lose -= 1
            record.http_status = 0
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError
        if fmt == "3":
            return web.Response(text=json.dumps(body), content_type="application/json")
        if fmt == "2":
            return web.Response(text=body, content_type="text/xml")
        return web.Response(text=body, content_type="text/plain")

    def _check(self, record: HttpRequest, password: str) -> None:
        """Blocked address (4), injected failure, login and password (2)."""
        now = time.monotonic()
        peer = record.peer
        if now < self._block_all_until or now < self._blocked.get(peer, 0.0):
            raise ApiError(4)
        if self._fail_count > 0:
            self._fail_count -= 1
            raise ApiError(self._fail_code)
        expected = self.sim.rules.accounts.get(record.login)
        if expected is None or expected != password:
            failures = self._auth_failures.setdefault(peer, deque())
            failures.append(now)
            while failures and failures[0] <= now - self.block_window:
                failures.popleft()
            if self.block_after and len(failures) >= self.block_after:
                self._blocked[peer] = now + self.block_duration
                failures.clear()
            raise ApiError(2)

    @staticmethod
    def _error(fmt: str, err: ApiError) -> Any:
        text = ERRORS.get(err.code, "error")
        if fmt == "3":
            body: dict[str, Any] = {"error": text, "error_code": err.code}
            if err.message_id:
                body["id"] = int(err.message_id)
            return body
        if fmt == "2":
            return (
                f"<result><error>{escape(text)}</error><error_code>{err.code}</error_code></result>"
            )
        if fmt == "1":
            return f"{err.message_id or 0},-{err.code}"
        suffix = f", ID - {err.message_id}" if err.message_id else ""
        return f"ERROR = {err.code} ({text}){suffix}"

    # ------------------------------------------------------------------ balance.php
    async def _balance(self, request: web.Request) -> web.StreamResponse:
        return await self._handle(request, self._answer_balance)

    def _answer_balance(self, record: HttpRequest, fmt: str) -> Any:
        balance = money(self.balance)
        with_currency = record.params.get("cur") == "1"
        if fmt == "3":
            body = {"balance": balance}
            if with_currency:
                body["currency"] = self.currency
            return body
        if fmt == "2":
            currency = f"<currency>{self.currency}</currency>" if with_currency else ""
            return f"<result><balance>{balance}</balance>{currency}</result>"
        return f"{balance},{self.currency}" if with_currency else balance

    # ------------------------------------------------------------------ send.php
    async def _send(self, request: web.Request) -> web.StreamResponse:
        return await self._handle(request, self._answer_send)

    def _answer_send(self, record: HttpRequest, fmt: str) -> Any:
        params = record.params
        client_id = params.get("id", "").strip()
        if client_id in ("", "0"):
            client_id = ""
        elif not client_id.isdigit() or not 0 < int(client_id) <= MAX_CLIENT_ID:
            raise ApiError(1)
        flag, text = smpp_text(params)
        if flag in ("sms", "call", "viber", "soc", "mail") and not params.get("mes", "").strip():
            raise ApiError(1, client_id or None)
        if flag == "mail" and not params.get("subj", "").strip():
            raise ApiError(1, client_id or None)
        raws = [p for p in params.get("phones", "").replace(";", ",").split(",") if p.strip()]
        if not raws:
            raise ApiError(1, client_id or None)
        phones: dict[str, None] = {}
        for raw in raws:
            phone = _valid_recipient(flag, raw)
            if phone is None:
                raise ApiError(7, client_id or None)
            phones[phone] = None
        parts = count_parts(text) if flag == "sms" else 1
        count = parts * len(phones)
        cost = round(self.price * count, 4)
        mode = params.get("cost", "0")
        login = record.login
        rules = self.sim.rules
        if mode == "1":
            key = (login, tuple(phones), text)
            stamps = self._costs.setdefault(key, deque())
            now = time.monotonic()
            while stamps and stamps[0] <= now - 60.0:
                stamps.popleft()
            stamps.append(now)
            if self.cost_repeats and len(stamps) >= self.cost_repeats:
                raise ApiError(9)
            return self._answer_cost(fmt, cost, count)
        if rules.duplicate_window > 0:
            for phone in phones:
                if rules.text_duplicate(login, phone, text, http=True, record=False):
                    raise ApiError(9, client_id or None)
        if cost > self.balance + 1e-9:
            raise ApiError(3, client_id or None)
        message_id = client_id or self.sim.store.new_id()
        self._accept(record, message_id, list(phones), text, parts, cost / len(phones))
        self.balance = round(self.balance - cost, 4)
        return self._answer_sent(fmt, message_id, count, cost, mode)

    def _accept(
        self,
        request: HttpRequest,
        message_id: str,
        phones: list[str],
        text: str,
        parts: int,
        cost: float,
    ) -> None:
        rules, store, reports = self.sim.rules, self.sim.store, self.sim.reports
        now = time.time()
        sender = request.params.get("sender", "")
        for phone in phones:
            if rules.duplicate_window > 0:
                rules.text_duplicate(request.login, phone, text, http=True)
            data_coding, _ = textcodec.choose(text)
            message = Message(
                request.login,
                sender,
                phone,
                data_coding,
                parts,
                message_id,
                message_ids=[message_id],
                http_text=text,
            )
            record = MessageRecord(
                message_id, request.login, sender, phone, now, parts, message, None
            )
            record.cost = cost
            store.add(message, record)
            self._records[message_id, phone] = record
            self.sent_count += 1
            if reports.auto_receipts:
                stat, err = reports.auto_receipt_stat, reports.auto_receipt_err
                if reports.receipt_delay > 0:
                    handle = asyncio.get_running_loop().call_later(
                        reports.receipt_delay, self._finish, record, stat, err
                    )
                    self._timers.add(handle)
                else:
                    self._finish(record, stat, err)
        if store.history is not None:
            store.forget_old(store.history)

    @staticmethod
    def _answer_cost(fmt: str, cost: float, count: int) -> Any:
        if fmt == "3":
            return {"cost": money(cost), "cnt": count}
        if fmt == "2":
            return f"<result><cost>{money(cost)}</cost><cnt>{count}</cnt></result>"
        if fmt == "1":
            return f"{money(cost)},{count}"
        return f"OK - {count} SMS, COST - {money(cost)}"

    def _answer_sent(self, fmt: str, message_id: str, count: int, cost: float, mode: str) -> Any:
        fields: dict[str, Any] = {"id": int(message_id), "cnt": count}
        if mode in ("2", "3"):
            fields["cost"] = money(cost)
        if mode == "3":
            fields["balance"] = money(self.balance)
        if fmt == "3":
            return fields
        if fmt == "2":
            inner = "".join(f"<{key}>{value}</{key}>" for key, value in fields.items())
            return f"<result>{inner}</result>"
        if fmt == "1":
            return ",".join(str(value) for value in fields.values())
        text = f"OK - {count} SMS, ID - {message_id}"
        if "cost" in fields:
            text += f", COST - {fields['cost']}"
        if "balance" in fields:
            text += f", BALANCE - {fields['balance']}"
        return text

    # ------------------------------------------------------------------ status.php
    async def _status(self, request: web.Request) -> web.StreamResponse:
        return await self._handle(request, self._answer_status)

    def _answer_status(self, record: HttpRequest, fmt: str) -> Any:
        params = record.params
        message_id = params.get("id", "").strip()
        phone = params.get("phone", "").strip().removeprefix("+")
        if not message_id or not phone:
            raise ApiError(1)
        found = self._records.get((message_id, phone))
        if found is None:
            smpp = self.sim.store.record(message_id)
            if smpp is not None and smpp.destination == phone:
                found = smpp
        if found is None or found.system_id != record.login:
            status, stamp, err = -3, 0.0, 0
        else:
            status = HTTP_STATUS.get(found.stat, 20) if found.changed_at else 0
            stamp, err = found.changed_at or found.submitted_at, found.error
        if fmt == "3":
            body: dict[str, Any] = {"status": status}
            if status != -3:
                body |= {"last_date": _date(stamp), "last_timestamp": int(stamp), "err": err}
            return body
        if fmt == "2":
            return f"<result><status>{status}</status><err>{err}</err></result>"
        if fmt == "1":
            return f"{status},{int(stamp)},{err}"
        suffix = f", err = {err}" if err else ""
        date = _date(stamp) if stamp else ""
        return f"Status = {status}, check_time = {date}{suffix}"
