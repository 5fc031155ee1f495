"""An asyncio SMPP 3.4 server imitating SMS Center (smscentre.com), for tests and development.

`SmscSimulator` is the composition of parts with one job each:

- ``session``: one `Session` per TCP/TLS connection (PDU loop, batching, timers) and
  `Sessions`, what they share (who is bound, DELIVER_SM writing, the CPU cost per PDU);
- ``commands``: the answers to BIND_*, SUBMIT_SM and QUERY_SM;
- ``rules``: the provider's rules (accounts, destination, throughput, duplicates);
- ``store``: submits, messages, records and counters (``model``: their types);
- ``reports``: delivery reports and HLR results; ``delivery``: incoming messages injected;
- ``faults``: the SMPP faults; ``httpapi``: the provider's HTTP API, beside.

The hot path (SUBMIT_SM) is O(1): struct parsing, dict look-ups, responses batched into one
write per read.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
import ssl
from typing import Any

from .commands import SmppCommands
from .delegate import Delegated
from .delivery import Delivery
from .faults import SmppFaults
from .httpapi import HttpApi
from .mailbox import Mailbox
from .model import BindAttempt, Submit
from .reports import Reports
from .rules import Rules
from .session import Session, Sessions
from .store import MessageStore


class SmscSimulator:
    """SMPP 3.4 server imitating SMS Center (and its HTTP API with ``http_port``).

    Settings and observations are attributes of the part whose job they are; the simulator
    reads and writes them there (``sim.duplicate_window`` is ``sim.rules.duplicate_window``).
    """

    # settings (tests may change them at any time)
    accounts = Delegated[dict[str, str]]("rules")
    duplicate_window = Delegated[float]("rules")
    throughput = Delegated[float | None]("rules")  # set_throughput() sets it
    inactivity_timeout = Delegated[float]("smpp")
    enquire_link_interval = Delegated[float | None]("smpp")
    count_responses_as_activity = Delegated[bool]("smpp")
    pdu_cost = Delegated[float]("smpp")
    auto_receipts = Delegated[bool]("reports")
    receipt_delay = Delegated[float]("reports")
    auto_receipt_stat = Delegated[str]("reports")  # "DELIVRD"
    auto_receipt_err = Delegated[int]("reports")
    receipt_cost = Delegated[str]("reports")
    rate_clock = Delegated[Callable[[], float]]("store")
    history = Delegated[int | None]("store")
    # observation
    submits = Delegated[list[Submit]]("store")
    accepted = Delegated[list[Submit]]("store")
    submit_count = Delegated[int]("store")
    accepted_count = Delegated[int]("store")
    message_count = Delegated[int]("store")
    status_counts = Delegated[Counter[int | None]]("store")
    first_submit_at = Delegated[float | None]("store")
    last_submit_at = Delegated[float | None]("store")
    busiest_second = Delegated[int]("store")
    binds = Delegated[list[BindAttempt]]("commands")
    closed_sessions = Delegated[list[Session]]("smpp", "closed")
    deliver_responses = Delegated[dict[int, int]]("smpp")
    delivers_sent = Delegated[list[int]]("smpp")
    unanswered_delivers = Delegated[int]("smpp", "unanswered")
    pdus_charged = Delegated[int]("smpp")

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        tls_port: int | None = None,
        ssl_context: ssl.SSLContext | None = None,
        accounts: dict[str, str] | None = None,
        throughput: float | None = None,
        inactivity_timeout: float = 120.0,
        enquire_link_interval: float | None = None,
        duplicate_window: float = 60.0,
        auto_receipts: bool = True,
        receipt_delay: float = 0.0,
        message_id_start: int = 100001,
        count_responses_as_activity: bool = False,
        history: int | None = None,
        http_port: int | None = None,
        pdu_cost: float = 0.0,
        backup_port: int | None = None,
        store_and_forward: bool = False,
    ) -> None:
        # with ``history`` set, only the latest ``history`` submits, messages and records are
        # kept (a benchmark's memory and garbage collection stay flat); counters count all
        self.store = store = MessageStore(history=history, message_id_start=message_id_start)
        if pdu_cost < 0:
            raise ValueError("pdu_cost must be at least 0")
        self.host = host
        self.port = port
        self.tls_port = tls_port
        self.backup_port = backup_port  # a second SMPP listener, the backup server: same store
        self._client_context: ssl.SSLContext | None = None
        if tls_port is not None and ssl_context is None:
            from .tls import client_context, self_signed_context

            ssl_context = self_signed_context()
            self._client_context = client_context()
        self.ssl_context = ssl_context
        self._servers: list[asyncio.Server] = []
        self._plain: dict[int, asyncio.Server] = {}  # port -> plain listener (primary, backup)
        self._waiters: list[asyncio.Future[None]] = []
        self._started = False

        self.smpp = smpp = Sessions(
            self.notify,
            inactivity_timeout=inactivity_timeout,
            enquire_link_interval=enquire_link_interval,
            count_responses_as_activity=count_responses_as_activity,
            pdu_cost=pdu_cost,
        )
        self.rules = rules = Rules(
            dict(accounts) if accounts else {"test": "secret"},
            throughput=throughput,
            duplicate_window=duplicate_window,
            across=http_port is not None,
        )
        self.faults = faults = SmppFaults(smpp)
        if store_and_forward:
            smpp.mailbox = Mailbox(smpp.receiver_or_none, smpp.deliver, faults.hanging)
        self.reports = reports = Reports(
            smpp, store, faults, auto_receipts=auto_receipts, receipt_delay=receipt_delay
        )
        self.commands = SmppCommands(smpp, rules, store, faults, reports)
        self.delivery = delivery = Delivery(smpp)
        # the provider's HTTP API (/sys/*.php) on its own listener, when http_port is given
        self.http: HttpApi | None = None
        if http_port is not None:
            self.http = HttpApi(self, host, http_port)
            store.trimmers.append(self.http.forget_old)

        # what tests call, kept by the parts
        self.messages = store.messages
        self.count_text = store.count_text
        self.record = store.record
        self.drop_all = faults.drop_all
        self.refuse_binds = faults.refuse_binds
        self.hang = faults.hang
        self.fail_submits = faults.fail_submits
        self.drop_responses = faults.drop_responses
        self.set_throughput = rules.set_throughput
        self.deliver_sm = delivery.deliver_sm
        self.deliver_long = delivery.deliver_long
        self.send_raw = delivery.send_raw
        self.send_unbind = delivery.send_unbind
        self.send_receipt = reports.send_receipt
        self._next_sequence = smpp.next_sequence

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        """Listen on host:port (and tls_port); ports 0 become the ephemeral ports chosen."""
        if self._started:
            return
        loop = asyncio.get_running_loop()
        smpp, commands, faults = self.smpp, self.commands, self.faults
        self.port = await self._listen(self.port)
        if self.backup_port is not None:
            self.backup_port = await self._listen(self.backup_port)
        if self.tls_port is not None:
            tls_server = await loop.create_server(
                lambda: Session(smpp, commands, faults, tls=True),
                self.host,
                self.tls_port,
                ssl=self.ssl_context,
                ssl_handshake_timeout=10,
                ssl_shutdown_timeout=2,
                reuse_address=True,
            )
            self._servers.append(tls_server)
            self.tls_port = tls_server.sockets[0].getsockname()[1]
        if self.http is not None:
            await self.http.start()
        self._started = True

    async def _listen(self, port: int) -> int:
        """A plain SMPP listener on `port` (0: any); the port."""
        smpp, commands, faults = self.smpp, self.commands, self.faults
        server = await asyncio.get_running_loop().create_server(
            lambda: Session(smpp, commands, faults, tls=False),
            self.host,
            port,
            reuse_address=True,
        )
        self._servers.append(server)
        port = server.sockets[0].getsockname()[1]
        self._plain[port] = server
        return port

    async def server_down(self, port: int | None = None) -> None:
        """One SMPP server down (default: the primary, ``port``): its listener closed, so
        connections are refused, and its sessions dropped; the other listeners go on."""
        port = self.port if port is None else port
        server = self._plain.pop(port)
        server.close()
        self._servers.remove(server)
        for session in list(self.smpp.connections):
            if session.local_port == port:
                session.abort()
        await server.wait_closed()
        self.notify()

    async def server_up(self, port: int | None = None) -> None:
        """The SMPP server on `port` (default: the primary's) listens again."""
        port = self.port if port is None else port
        if port not in self._plain:
            await self._listen(port)

    def server_is_up(self, port: int | None = None) -> bool:
        return (self.port if port is None else port) in self._plain

    async def stop(self) -> None:
        """Close every session and listener, cancel every timer and task made."""
        if self.http is not None:
            await self.http.stop()
        for server in self._servers:
            server.close()
        for session in list(self.smpp.connections):
            session.abort()
        self.reports.cancel()
        if self.smpp.mailbox is not None:
            self.smpp.mailbox.cancel()
        for server in self._servers:
            await server.wait_closed()
        self._servers.clear()
        self._plain.clear()
        self._started = False
        self.notify()

    async def __aenter__(self) -> SmscSimulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def tls_context_for_clients(self) -> ssl.SSLContext:
        """A client context that trusts the simulator's certificate (SAN localhost, 127.0.0.1)."""
        if self._client_context is None:
            if self.ssl_context is None:
                raise RuntimeError("the simulator has no TLS listener")
            from .tls import client_context

            self._client_context = client_context()
        return self._client_context

    # ------------------------------------------------------------------ observation
    @property
    def sessions(self) -> list[Session]:
        """Live bound sessions, in bind order."""
        return list(self.smpp.bound)

    @property
    def connections(self) -> list[Session]:
        """Every open connection, bound or not."""
        return list(self.smpp.connections)

    def stats(self) -> dict[str, Any]:
        store, smpp = self.store, self.smpp
        return {
            "submits": store.submit_count,
            "accepted": store.accepted_count,
            "messages": store.message_count,
            "binds": len(self.commands.binds),
            "sessions": [
                {
                    "system_id": s.system_id,
                    "mode": s.mode,
                    "system_type": s.system_type,
                    "peer": str(s.peer),
                    "tls": s.tls,
                    "enquire_links_received": s.enquire_links_received,
                    "enquire_links_sent": s.enquire_links_sent,
                }
                for s in smpp.bound
            ],
            "connections": len(smpp.connections),
            "delivers_sent": len(smpp.delivers_sent),
            "unanswered_delivers": smpp.unanswered,
            "throughput": self.rules.throughput,
            "http": None if self.http is None else self.http.stats(),
            "first_submit_at": store.first_submit_at,
            "last_submit_at": store.last_submit_at,
            "busiest_second": store.busiest_second,
            "pdu_cost": smpp.pdu_cost,
            "pdus_charged": smpp.pdus_charged,
        }

    def reset_observations(self) -> None:
        """Forget everything observed (lists, records, counters); sessions stay."""
        self.store.reset()
        self.smpp.forget()
        if self.http is not None:
            self.http.reset_observations()

    def clear_faults(self) -> None:
        """End every fault, SMPP and HTTP."""
        self.faults.clear()
        if self.http is not None:
            self.http.clear_faults()
        self.notify()

    async def wait_for(
        self,
        predicate: Callable[[SmscSimulator], bool],
        timeout: float = 5.0,
    ) -> None:
        """Wait until predicate(self) is true; re-checked on every change. TimeoutError else."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate(self):
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"simulator condition not met within {timeout} s")
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.append(waiter)
            try:
                async with asyncio.timeout(remaining):
                    await waiter
            except TimeoutError:
                pass
            finally:
                if not waiter.done():
                    waiter.cancel()

    def notify(self) -> None:
        """Something changed: let ``wait_for`` check its predicates again."""
        if self._waiters:
            waiters, self._waiters = self._waiters, []
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)


__all__ = ["SmscSimulator"]
