"""`HttpApi`: the provider's HTTP API on its own aiohttp listener, made of one part per job.

A request goes: the faults that act before it is read (``faults``), its parameters (``wire``),
the address, an injected failure and the login (``access``), the script's answer
(``account``: balance.php, ``send``: send.php, ``status``: status.php), an answer lost after
the work (``faults``), the answer in ``fmt`` (``wire``). What it observed is in ``records``;
the statuses of the messages sent are in ``callbacks``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import time
from typing import Any, Protocol

from aiohttp import web

from smscsim.delegate import Delegated
from smscsim.model import MessageRecord
from smscsim.reports import Reports
from smscsim.rules import Rules
from smscsim.store import MessageStore

from .access import Access
from .account import Account, answer_balance
from .callbacks import Statuses
from .faults import HttpFaults
from .records import Callback, HttpRecords, HttpRequest
from .send import Sending
from .status import answer_status
from .wire import ApiError, error_body, money, read_params, response

type Answer = Callable[[HttpRequest, str], Any]


class Backend(Protocol):
    """What the HTTP API uses of the simulator it belongs to (``SmscSimulator`` is one)."""

    @property
    def rules(self) -> Rules: ...  # accounts, the one-minute rule across SMPP and HTTP

    @property
    def store(self) -> MessageStore: ...  # message ids, messages, records

    @property
    def reports(self) -> Reports: ...  # automatic statuses' settings, SMPP receipts

    def notify(self) -> None: ...  # wakes the simulator's wait_for


class HttpApi:
    """The HTTP API of one simulator: the switches tests flip, and what it observed.

    Settings and observations are attributes of the part whose job they are
    (``api.balance`` is ``api.account.balance``).
    """

    balance = Delegated[float]("account")
    currency = Delegated[str]("account")
    price = Delegated[float]("account")
    receipts_over_smpp = Delegated[bool]("statuses")
    callback_url = Delegated[str | None]("statuses")
    callback_retry_interval = Delegated[float]("statuses")
    callback_retries = Delegated[int]("statuses")
    block_after = Delegated[int]("access")
    block_window = Delegated[float]("access")
    block_duration = Delegated[float]("access")
    cost_repeats = Delegated[int]("sending")
    hanging = Delegated[int]("faults")
    requests = Delegated[list[HttpRequest]]("records")
    callbacks = Delegated[list[Callback]]("records")
    sent_count = Delegated[int]("records")
    request_count = Delegated[int]("records")

    def __init__(self, sim: Backend, host: str = "127.0.0.1", port: int = 0) -> None:
        self.sim = sim
        self.host = host
        self.port = port
        # seconds before each answer: the round trip of a request to the real API over the
        # internet (tens to hundreds of milliseconds) instead of loopback's fraction of one
        self.latency = 0.0
        self.account = Account()
        self.records = records = HttpRecords()
        self.faults = faults = HttpFaults(sim.notify)
        self.access = Access(sim.rules)
        self.statuses = statuses = Statuses(records, sim.reports, sim.notify)
        self.sending = sending = Sending(self.account, sim.rules, sim.store, records, statuses)
        self._runner: web.AppRunner | None = None
        app = web.Application()
        app.add_routes(
            [
                web.route("*", "/sys/balance.php", self._route(self._balance)),
                web.route("*", "/sys/send.php", self._route(sending.answer)),
                web.route("*", "/sys/status.php", self._route(self._status)),
            ]
        )
        self.app = app
        # what tests call, kept by the parts
        self.fail = faults.fail
        self.down = faults.down
        self.up = faults.up
        self.lose_answers = faults.lose_answers
        self.block_ip = faults.block_ip
        self.report = statuses.report
        self.forget_old = records.forget_old

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        self._runner = web.AppRunner(self.app, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True)
        await site.start()
        if self._runner.addresses:
            self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        self.faults.release()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self.statuses.close()

    @property
    def url(self) -> str:
        """The base URL (the API is at ``<url>/sys/<name>.php``)."""
        return f"http://{self.host}:{self.port}"

    # ------------------------------------------------------------------ switches, observation
    def clear_faults(self) -> None:
        self.faults.clear()
        self.access.clear()

    def record(self, message_id: str, phone: str) -> MessageRecord | None:
        """The record of a message sent here, by its id and recipient."""
        return self.records.record(message_id, phone)

    def stats(self) -> dict[str, Any]:
        return {
            "port": self.port,
            "requests": self.records.request_count,
            "sent": self.records.sent_count,
            "balance": money(self.account.balance),
            "currency": self.account.currency,
            "down": self.faults.mode,
        }

    def reset_observations(self) -> None:
        self.records.reset()

    # ------------------------------------------------------------------ requests
    def _route(self, answer: Answer) -> Callable[[web.Request], Any]:
        async def handle(request: web.Request) -> web.StreamResponse:
            return await self._handle(request, answer)

        return handle

    async def _handle(self, request: web.Request, answer: Answer) -> web.StreamResponse:
        faults = self.faults
        down = await faults.before(request)
        if down is not None:
            return down
        params, password, in_query = await read_params(request)
        record = HttpRequest(
            request.method,
            request.path,
            request.remote or "",
            params.get("login", ""),
            params,
            in_query,
            request.content_type,
            at=time.time(),
        )
        self.records.request(record)
        if self.latency > 0:
            await asyncio.sleep(self.latency)
        fmt = record.params.get("fmt", "0")
        try:
            now = time.monotonic()
            if faults.blocking(now) or self.access.blocked(record.peer, now):
                raise ApiError(4)
            faults.inject()
            self.access.login(record, password, now)
            body = answer(record, fmt)
        except ApiError as err:
            record.error = err.code
            body = error_body(fmt, err)
        finally:
            self.sim.notify()
        faults.lose(request, record)
        return response(fmt, body)

    def _balance(self, request: HttpRequest, fmt: str) -> Any:
        return answer_balance(self.account, request, fmt)

    def _status(self, request: HttpRequest, fmt: str) -> Any:
        return answer_status(self.records, self.sim.store, request, fmt)
