"""An asyncio SMPP 3.4 server imitating SMS Center (smscentre.com), for tests and development.

One `Session` (an asyncio.Protocol) per TCP/TLS connection; the `SmscSimulator` holds the
accounts, the records the tests observe, and the faults they inject. The hot path (SUBMIT_SM)
is O(1): struct parsing, dict look-ups, responses batched into one write per read.
"""

from __future__ import annotations

import asyncio
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
import datetime
import itertools
import logging
import math
import ssl
import time
from typing import TYPE_CHECKING, Any

from . import text as textcodec
from .pdu import (
    BIND_MODES,
    BIND_RECEIVER,
    BIND_TRANSCEIVER,
    BIND_TRANSMITTER,
    DELIVER_SM,
    ENQUIRE_LINK,
    ENQUIRE_LINK_RESP,
    ESME_RALYBND,
    ESME_RINVBNDSTS,
    ESME_RINVCMDID,
    ESME_RINVCMDLEN,
    ESME_RINVDSTADR,
    ESME_RINVPASWD,
    ESME_RINVSYSID,
    ESME_RQUERYFAIL,
    ESME_RSUBMITFAIL,
    ESME_RSYSERR,
    ESME_RTHROTTLED,
    GENERIC_NACK,
    HEADER,
    HEADER_LEN,
    MAX_PDU_LEN,
    MESSAGE_STATES,
    QUERY_SM,
    QUERY_SM_RESP,
    RESPONSE_BIT,
    SUBMIT_SM,
    SUBMIT_SM_RESP,
    TLV_COST,
    TLV_MESSAGE_PAYLOAD,
    TLV_MESSAGE_STATE,
    TLV_NETWORK_ERROR_CODE,
    TLV_PARTS,
    TLV_RECEIPTED_MESSAGE_ID,
    TLV_SC_INTERFACE_VERSION,
    TLV_TYPE_FLAGS,
    UNBIND,
    UNBIND_RESP,
    Concat,
    PduError,
    SmBody,
    cstr,
    encode_sm,
    encode_tlvs,
    parse_concat,
    parse_sm_fields,
    pdu,
    read_cstr,
    udh_concat,
)

if TYPE_CHECKING:
    from .httpapi import HttpApi

_LOGGER = logging.getLogger(__name__)

SIMULATOR_SYSTEM_ID = "smscsim"
HLR_RESULT = (
    "imsi:250011234567890 msc:79160000000 mcc:250 mnc:01 cn:Russia net:MTS%20PJSC rcn: rnet:"
)
# message type (TLV 0x2001 bits 0-3) by text prefix; order matters only for readability
CHANNEL_TYPES: tuple[tuple[str, int], ...] = (
    ("__HLR__", 4),
    ("__PING__", 5),
    ("__CALL__:", 7),
    ("__MAIL__:", 8),
    ("__VIBER__:", 10),
    ("__SOC__:", 12),
)
WRITE_HIGH_WATER = 256 * 1024
WRITE_LOW_WATER = 64 * 1024
RATE_WINDOW = 1.0  # s; ``busiest_second`` counts SUBMIT_SMs within any window this long


# SMS Center's clock: Moscow time (UTC+3, no daylight saving)
PROVIDER_TZ = datetime.timezone(datetime.timedelta(hours=3))


def _smpp_date(stamp: float) -> str:
    """yyMMddHHmm of a wall-clock stamp in the provider's time zone (receipt text)."""
    return datetime.datetime.fromtimestamp(stamp, PROVIDER_TZ).strftime("%y%m%d%H%M")


def _smpp_absolute(stamp: float) -> str:
    """SMPP absolute time YYMMDDhhmmsstnnp (UTC, offset 00)."""
    moment = datetime.datetime.fromtimestamp(stamp, datetime.UTC)
    return moment.strftime("%y%m%d%H%M%S") + "000+"


def burn(seconds: float) -> None:
    """Keep this thread's CPU busy for ``seconds`` of its own CPU time (not wall time): what
    an SMSC that does real work per PDU costs, even when the process is descheduled."""
    if seconds <= 0:
        return
    clock = time.thread_time
    end = clock() + seconds
    while clock() < end:
        pass


def parse_system_type(system_type: str) -> tuple[bool, bool, int]:
    """(iso, single, max connections) from comma separated flags such as "ISO,SINGLE,MCON3"."""
    iso = single = False
    mcon = 1
    for raw in system_type.upper().split(","):
        flag = raw.strip()
        if flag == "ISO":
            iso = True
        elif flag == "SINGLE":
            single = True
        elif flag.startswith("MCON") and len(flag) == 5 and flag[4] in "123456789":
            mcon = int(flag[4])
    return iso, single, mcon


# ---------------------------------------------------------------------------- records


@dataclass(slots=True)
class Submit(SmBody):
    """One SUBMIT_SM as received (field names as in SMPP 3.4, short aliases as properties)."""

    system_id: str = ""
    sequence: int = 0
    udh: Concat | None = None
    message_id: str | None = None
    status: int | None = None  # SUBMIT_SM_RESP status sent; None: no response sent
    received_at: float = 0.0  # time.time()
    iso: bool = False  # the session had system_type ISO
    session_mode: str = ""

    @property
    def content(self) -> bytes:
        """short_message, or message_payload when short_message is empty (UDH included)."""
        return self.short_message or self.tlvs.get(TLV_MESSAGE_PAYLOAD, b"")

    @property
    def payload(self) -> bytes:
        """The user data without the UDH."""
        content = self.content
        if self.udh is not None and self.udh.header_len:
            return content[self.udh.header_len :]
        return content

    @property
    def text(self) -> str:
        """This part's text, decoded."""
        return textcodec.decode(self.payload, self.data_coding, iso=self.iso)

    @property
    def accepted(self) -> bool:
        """Accepted by the simulator (a message id was assigned)."""
        return self.message_id is not None

    # aliases
    @property
    def source(self) -> str:
        return self.source_addr

    @property
    def destination(self) -> str:
        return self.destination_addr

    @property
    def dest_addr(self) -> str:
        return self.destination_addr

    @property
    def source_ton(self) -> int:
        return self.source_addr_ton

    @property
    def source_npi(self) -> int:
        return self.source_addr_npi

    @property
    def destination_ton(self) -> int:
        return self.dest_addr_ton

    @property
    def destination_npi(self) -> int:
        return self.dest_addr_npi

    @property
    def schedule(self) -> str:
        return self.schedule_delivery_time

    @property
    def validity(self) -> str:
        return self.validity_period


@dataclass(slots=True)
class BindAttempt:
    """One bind request and its outcome."""

    system_id: str
    password_ok: bool
    mode: str  # "transceiver" / "receiver" / "transmitter"
    system_type: str
    status: int
    interface_version: int = 0
    tls: bool = False
    peer: Any = None
    at: float = 0.0


@dataclass(slots=True)
class Message:
    """An accepted message: one SUBMIT_SM, or the concatenated parts of a long one."""

    system_id: str
    source: str
    destination: str
    data_coding: int
    total: int
    message_id: str
    iso: bool = False
    ref: int | None = None
    ref16: bool = False
    message_ids: list[str] = field(default_factory=list)
    by_seq: dict[int, Submit] = field(default_factory=dict)
    # sent over the HTTP API: the text as the same message over SMPP would read
    # (``__CALL__: ...``), and the parts the provider counted
    http_text: str | None = None

    @property
    def via(self) -> str:
        """The way the message came in: "smpp" or "http"."""
        return "smpp" if self.http_text is None else "http"

    @property
    def parts(self) -> list[Submit]:
        """The parts received, ordered by part number (none for a message sent over HTTP)."""
        return [self.by_seq[seq] for seq in sorted(self.by_seq)]

    @property
    def complete(self) -> bool:
        return self.http_text is not None or len(self.by_seq) >= self.total

    @property
    def payload(self) -> bytes:
        """User data of all parts received, in part order, UDH removed."""
        return b"".join(part.payload for part in self.parts)

    @property
    def text(self) -> str:
        if self.http_text is not None:
            return self.http_text
        return textcodec.decode(self.payload, self.data_coding, iso=self.iso)

    @property
    def kind(self) -> int:
        """Message type (TLV 0x2001): 0 SMS, 4 HLR, 5 Ping, 7 call, 8 mail, 10 Viber, 12 social."""
        return message_kind(self.text)

    def as_dict(self) -> dict[str, Any]:
        return {
            "system_id": self.system_id,
            "source": self.source,
            "destination": self.destination,
            "data_coding": self.data_coding,
            "message_id": self.message_id,
            "message_ids": list(self.message_ids),
            "parts": self.total if self.http_text is not None else len(self.by_seq),
            "total": self.total,
            "complete": self.complete,
            "text": self.text,
            "via": self.via,
        }


def message_kind(text: str) -> int:
    """Message type code from the channel prefix of the text."""
    if text.startswith("__"):
        for prefix, kind in CHANNEL_TYPES:
            if text.startswith(prefix):
                return kind
    return 0


@dataclass(slots=True)
class MessageRecord:
    """What the simulator knows about a message id (QUERY_SM, receipts)."""

    message_id: str
    system_id: str
    source: str
    destination: str
    submitted_at: float
    parts: int
    message: Message
    session: Session | None
    registered_delivery: int = 0
    state: int = 1  # ENROUTE
    error: int = 0
    final_date: str = ""
    receipts_sent: int = 0
    stat: str = "ENROUTE"  # the latest status, as a receipt's stat
    changed_at: float = 0.0  # time.time() of the latest status (0: none yet)
    cost: float = 0.0  # what the HTTP API charged for it (per recipient)


@dataclass(slots=True)
class _Account:
    tokens: float = 0.0
    stamp: float = 0.0


# ---------------------------------------------------------------------------- session


class Session(asyncio.Protocol):
    """One client connection (bound or not)."""

    def __init__(self, sim: SmscSimulator, *, tls: bool) -> None:
        self.sim = sim
        self.tls = tls
        self.transport: asyncio.Transport | None = None
        self.peer: Any = None
        self.system_id = ""
        self.mode = ""
        self.system_type = ""
        self.iso = False
        self.single = False
        self.mcon = 1
        self.bound = False
        self.closed = False
        self.connected_at = time.monotonic()
        self.last_client_pdu_at = self.connected_at
        self.enquire_links_received = 0
        self.enquire_links_sent = 0
        self.enquire_link_responses = 0
        self.pdus_received = 0
        self.close_reason = ""
        self._buffer = bytearray()
        self._out: list[bytes] = []
        self._batching = False
        self._paused = False
        self._pending: dict[int, int] = {}  # server-initiated seq -> command id
        self._unbind_waiter: asyncio.Future[None] | None = None
        self._inactivity: asyncio.TimerHandle | None = None
        self._enquire: asyncio.TimerHandle | None = None

    def __repr__(self) -> str:
        return (
            f"<Session {self.system_id or '-'} {self.mode or 'unbound'} "
            f"tls={self.tls} peer={self.peer}>"
        )

    @property
    def can_receive(self) -> bool:
        return self.bound and self.mode != "transmitter"

    @property
    def can_transmit(self) -> bool:
        return self.bound and self.mode != "receiver"

    # -- asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.peer = transport.get_extra_info("peername")
        transport.set_write_buffer_limits(WRITE_HIGH_WATER, WRITE_LOW_WATER)
        self.sim._connection_made(self)
        self._arm_inactivity(self.sim.inactivity_timeout)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.bound = False
        self._cancel_timers()
        if self._unbind_waiter is not None and not self._unbind_waiter.done():
            self._unbind_waiter.set_result(None)
        self.sim._connection_lost(self)
        self.transport = None

    def pause_writing(self) -> None:
        # The client does not read fast enough: stop reading its requests until it catches up.
        self._paused = True
        if self.transport is not None and not self.closed:
            self.transport.pause_reading()

    def resume_writing(self) -> None:
        self._paused = False
        if self.transport is not None and not self.closed:
            self.transport.resume_reading()

    def data_received(self, data: bytes) -> None:
        if self.closed:
            return
        buffer = self._buffer
        buffer += data
        size = len(buffer)
        offset = 0
        sim = self.sim
        hanging = sim._hanging()
        handle = self._handle
        active = False
        handled = 0
        self._batching = True
        try:
            while size - offset >= HEADER_LEN:
                length, command_id, status, sequence = HEADER.unpack_from(buffer, offset)
                if length < HEADER_LEN or length > MAX_PDU_LEN:
                    _LOGGER.info("%r: impossible PDU length %d, closing", self, length)
                    self._send(pdu(GENERIC_NACK, ESME_RINVCMDLEN, sequence))
                    offset = size
                    self.close("impossible length")
                    break
                if size - offset < length:
                    break
                body = bytes(buffer[offset + HEADER_LEN : offset + length])
                offset += length
                if hanging:
                    continue  # read and discard
                self.pdus_received += 1
                handled += 1
                if not command_id & RESPONSE_BIT or sim.count_responses_as_activity:
                    active = True
                try:
                    handle(command_id, status, sequence, body)
                except Exception:
                    _LOGGER.exception("%r: error handling command 0x%08X", self, command_id)
                    if not command_id & RESPONSE_BIT:
                        self._send(pdu(GENERIC_NACK, ESME_RSYSERR, sequence))
                # a handler may have closed the session (mypy keeps the narrowing from the
                # check at the top, which no call undoes)
                if self.closed:
                    break  # type: ignore[unreachable]
        finally:
            del buffer[:offset]
            if handled and sim.pdu_cost > 0:
                sim._charge(handled)  # the work happens before the answers go out
            self._batching = False
            if self._out:
                self._flush()
        if active:
            self.last_client_pdu_at = time.monotonic()
        if not hanging:
            sim._notify()

    def eof_received(self) -> bool | None:
        return None  # close the transport

    # -- output
    def _send(self, data: bytes) -> None:
        if self.closed or self.transport is None:
            return
        if self._batching:
            self._out.append(data)
        else:
            self.transport.write(data)

    def _flush(self) -> None:
        out = self._out
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(out[0] if len(out) == 1 else b"".join(out))
        out.clear()

    def send_request(self, command_id: int, body: bytes = b"") -> int:
        """Send a server-initiated request; its response is tracked by sequence."""
        sequence = self.sim._next_sequence()
        self._pending[sequence] = command_id
        self._send(pdu(command_id, 0, sequence, body))
        return sequence

    def write_raw(self, data: bytes) -> None:
        self._send(data)

    # -- closing
    def close(self, reason: str = "") -> None:
        """Close gracefully (pending output is flushed)."""
        if self.closed:
            return
        self.close_reason = reason
        self.closed = True
        self._cancel_timers()
        self.sim._unbound(self)
        self.bound = False
        if self._batching and self._out:
            self._flush()
        if self.transport is not None:
            self.transport.close()

    def abort(self) -> None:
        """Drop the connection at once."""
        self.closed = True
        self._cancel_timers()
        self.sim._unbound(self)
        self.bound = False
        self._out.clear()
        if self.transport is not None:
            self.transport.abort()

    def _cancel_timers(self) -> None:
        if self._inactivity is not None:
            self._inactivity.cancel()
            self._inactivity = None
        if self._enquire is not None:
            self._enquire.cancel()
            self._enquire = None

    # -- timers
    def _arm_inactivity(self, delay: float) -> None:
        timeout = self.sim.inactivity_timeout
        if not timeout or timeout <= 0 or self.closed:
            return
        loop = asyncio.get_running_loop()
        self._inactivity = loop.call_later(max(delay, 0.001), self._check_inactivity)

    def _check_inactivity(self) -> None:
        self._inactivity = None
        if self.closed:
            return
        timeout = self.sim.inactivity_timeout
        if self.sim._hanging():
            self._arm_inactivity(timeout)
            return
        idle = time.monotonic() - self.last_client_pdu_at
        if idle >= timeout:
            _LOGGER.info("%r: no PDU from the client for %.1f s, closing", self, idle)
            self.close("inactivity")
            self.sim._notify()
        else:
            self._arm_inactivity(timeout - idle)

    def _arm_enquire_link(self) -> None:
        interval = self.sim.enquire_link_interval
        if not interval or self.closed:
            return
        loop = asyncio.get_running_loop()
        self._enquire = loop.call_later(interval, self._send_enquire_link)

    def _send_enquire_link(self) -> None:
        self._enquire = None
        if self.closed:
            return
        if not self.sim._hanging():
            self.send_request(ENQUIRE_LINK)
            self.enquire_links_sent += 1
            self.sim._notify()
        self._arm_enquire_link()

    def start_unbind(self) -> asyncio.Future[None]:
        loop = asyncio.get_running_loop()
        self._unbind_waiter = loop.create_future()
        if self.closed:
            self._unbind_waiter.set_result(None)
        else:
            self.send_request(UNBIND)
        return self._unbind_waiter

    # -- dispatch
    def _handle(self, command_id: int, status: int, sequence: int, body: bytes) -> None:
        sim = self.sim
        if command_id == SUBMIT_SM:
            sim._on_submit(self, sequence, body)
        elif command_id & RESPONSE_BIT:
            self._on_response(command_id, status, sequence)
        elif command_id == ENQUIRE_LINK:
            self.enquire_links_received += 1
            self._send(pdu(ENQUIRE_LINK_RESP, 0, sequence))
        elif command_id in BIND_MODES:
            sim._on_bind(self, command_id, sequence, body)
        elif command_id == QUERY_SM:
            sim._on_query(self, sequence, body)
        elif command_id == UNBIND:
            self._send(pdu(UNBIND_RESP, 0, sequence))
            self.close("unbind")
        else:
            self._send(pdu(GENERIC_NACK, ESME_RINVCMDID, sequence))

    def _on_response(self, command_id: int, status: int, sequence: int) -> None:
        request = self._pending.pop(sequence, None)
        if request is None:
            return  # a response to nothing: ignore
        if request == DELIVER_SM:
            self.sim._deliver_answered(sequence, status)
        elif request == ENQUIRE_LINK:
            self.enquire_link_responses += 1
        elif (
            request == UNBIND
            and command_id in (UNBIND_RESP, GENERIC_NACK)
            and self._unbind_waiter is not None
            and not self._unbind_waiter.done()
        ):
            self._unbind_waiter.set_result(None)


# ---------------------------------------------------------------------------- simulator


class SmscSimulator:
    """SMPP 3.4 server imitating SMS Center. See the module docstring and docs in README."""

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
    ) -> None:
        if history is not None and history < 0:
            raise ValueError("history must be None or at least 0")
        if pdu_cost < 0:
            raise ValueError("pdu_cost must be at least 0")
        self.host = host
        self.port = port
        self.tls_port = tls_port
        self._client_context: ssl.SSLContext | None = None
        if tls_port is not None and ssl_context is None:
            from .tls import client_context, self_signed_context

            ssl_context = self_signed_context()
            self._client_context = client_context()
        self.ssl_context = ssl_context
        self.accounts: dict[str, str] = dict(accounts) if accounts else {"test": "secret"}
        self.inactivity_timeout = inactivity_timeout
        self.enquire_link_interval = enquire_link_interval
        self.duplicate_window = duplicate_window
        self.auto_receipts = auto_receipts
        self.receipt_delay = receipt_delay
        self.count_responses_as_activity = count_responses_as_activity
        # outcome of automatic receipts (tests may change these)
        self.auto_receipt_stat = "DELIVRD"
        self.auto_receipt_err = 0
        self.receipt_cost = "0.0000"
        # seconds of CPU spent per PDU received (0: as fast as it goes), for an SMSC whose
        # speed is closer to a real one; ``pdus_charged`` counts the PDUs it was spent on
        self.pdu_cost = pdu_cost
        self.pdus_charged = 0

        # observation; with ``history`` set, only the latest ``history`` submits, messages and
        # records are kept (a benchmark's memory and garbage collection stay flat), while the
        # counters below always count everything
        self.history = history
        self.submit_count = 0
        self.accepted_count = 0
        self.message_count = 0
        self.status_counts: Counter[int | None] = Counter()  # None: the response was dropped
        self.first_submit_at: float | None = None
        self.last_submit_at: float | None = None
        # the most SUBMIT_SMs received within any RATE_WINDOW; ``_window_stamps`` holds the
        # monotonic stamps of the last RATE_WINDOW only (bounded by the rate, not the volume)
        self.busiest_second = 0
        self.rate_clock: Callable[[], float] = time.monotonic  # tests pass a fake one
        self._window_stamps: deque[float] = deque()
        self.submits: list[Submit] = []
        self.accepted: list[Submit] = []
        self.binds: list[BindAttempt] = []
        self.deliver_responses: dict[int, int] = {}
        self.delivers_sent: list[int] = []
        self.closed_sessions: list[Session] = []

        self._throughput = throughput
        self._accounts_state: dict[str, _Account] = {}
        self._message_ids = itertools.count(message_id_start)
        self._sequence = 0
        self._unanswered = 0
        self._messages: list[Message] = []
        self._open_groups: dict[tuple[Any, ...], Message] = {}
        self._records: dict[str, MessageRecord] = {}
        self._recent: dict[tuple[Any, ...], float] = {}
        self._recent_order: deque[tuple[float, tuple[Any, ...]]] = deque()
        self._connections: dict[Session, None] = {}
        self._bound: dict[Session, None] = {}
        self._by_login: dict[str, list[Session]] = {}
        self._servers: list[asyncio.Server] = []
        self._timers: set[asyncio.TimerHandle] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._waiters: list[asyncio.Future[None]] = []
        self._started = False
        # (login, destination, text) -> (time.monotonic(), sent over HTTP): the one-minute
        # duplicate rule across SMPP and HTTP, kept only while the HTTP API is on
        self._recent_texts: dict[tuple[str, str, str], tuple[float, bool]] = {}
        self._recent_texts_order: deque[tuple[float, tuple[str, str, str]]] = deque()
        self._http_texts = 0  # entries made over HTTP still in _recent_texts
        # the provider's HTTP API (/sys/*.php) on its own listener, when http_port is given
        self.http: HttpApi | None = None
        if http_port is not None:
            from .httpapi import HttpApi

            self.http = HttpApi(self, host, http_port)

        # faults
        self._refuse_status = 0
        self._refuse_until = 0.0
        self._hang_until = 0.0
        self._fail_status = 0
        self._fail_count = 0
        self._fail_every = 0
        self._fail_counter = 0
        self._drop_responses = 0

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        """Listen on host:port (and tls_port); ports 0 become the ephemeral ports chosen."""
        if self._started:
            return
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            lambda: Session(self, tls=False), self.host, self.port, reuse_address=True
        )
        self._servers.append(server)
        self.port = server.sockets[0].getsockname()[1]
        if self.tls_port is not None:
            tls_server = await loop.create_server(
                lambda: Session(self, tls=True),
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

    async def stop(self) -> None:
        """Close every session and listener, cancel every timer and task made."""
        if self.http is not None:
            await self.http.stop()
        for server in self._servers:
            server.close()
        for session in list(self._connections):
            session.abort()
        for handle in self._timers:
            handle.cancel()
        self._timers.clear()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        for server in self._servers:
            await server.wait_closed()
        self._servers.clear()
        self._started = False
        self._notify()

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
        return list(self._bound)

    @property
    def connections(self) -> list[Session]:
        """Every open connection, bound or not."""
        return list(self._connections)

    @property
    def unanswered_delivers(self) -> int:
        return self._unanswered

    def messages(self) -> list[Message]:
        """Accepted messages (long ones reassembled), in order of their first part."""
        return list(self._messages)

    def count_text(self, text: str) -> int:
        return sum(1 for m in self._messages if m.complete and m.text == text)

    def record(self, message_id: str) -> MessageRecord | None:
        return self._records.get(message_id)

    def stats(self) -> dict[str, Any]:
        return {
            "submits": self.submit_count,
            "accepted": self.accepted_count,
            "messages": self.message_count,
            "binds": len(self.binds),
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
                for s in self._bound
            ],
            "connections": len(self._connections),
            "delivers_sent": len(self.delivers_sent),
            "unanswered_delivers": self._unanswered,
            "throughput": self._throughput,
            "http": None if self.http is None else self.http.stats(),
            "first_submit_at": self.first_submit_at,
            "last_submit_at": self.last_submit_at,
            "busiest_second": self.busiest_second,
            "pdu_cost": self.pdu_cost,
            "pdus_charged": self.pdus_charged,
        }

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

    def _notify(self) -> None:
        if self._waiters:
            waiters, self._waiters = self._waiters, []
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)

    # ------------------------------------------------------------------ faults
    def drop_all(self) -> None:
        """Abort every connection at once (no UNBIND)."""
        for session in list(self._connections):
            session.abort()
        self._notify()

    def refuse_binds(self, status: int = 0x0D, duration: float | None = None) -> None:
        self._refuse_status = status
        self._refuse_until = math.inf if duration is None else time.monotonic() + duration

    def hang(self, duration: float | None) -> None:
        """Read and discard every PDU (answer nothing, send nothing) for duration seconds."""
        self._hang_until = math.inf if duration is None else time.monotonic() + duration

    def fail_submits(
        self, status: int, *, count: int | None = None, every: int | None = None
    ) -> None:
        if count is None and every is None:
            count = 1
        self._fail_status = status
        self._fail_count = count or 0
        self._fail_every = every or 0
        self._fail_counter = 0

    def drop_responses(self, count: int) -> None:
        self._drop_responses = count

    def set_throughput(self, rate: float | None) -> None:
        self._throughput = rate
        self._accounts_state.clear()

    @property
    def throughput(self) -> float | None:
        return self._throughput

    def clear_faults(self) -> None:
        self._refuse_status = 0
        self._refuse_until = 0.0
        self._hang_until = 0.0
        self._fail_status = self._fail_count = self._fail_every = self._fail_counter = 0
        self._drop_responses = 0
        if self.http is not None:
            self.http.clear_faults()
        self._notify()

    def _hanging(self) -> bool:
        return bool(self._hang_until) and time.monotonic() < self._hang_until

    def _refusing(self) -> bool:
        return bool(self._refuse_status) and time.monotonic() < self._refuse_until

    # ------------------------------------------------------------------ injection
    def _target(self, system_id: str | None) -> Session:
        candidates = self._by_login.get(system_id, []) if system_id else self._bound
        for session in candidates:
            if session.can_receive and not session.closed:
                return session
        raise LookupError(f"no bound receiver/transceiver session for {system_id or 'any login'}")

    def _deliver(self, session: Session, body: bytes) -> int:
        sequence = session.send_request(DELIVER_SM, body)
        self._unanswered += 1
        self.delivers_sent.append(sequence)
        self._notify()
        return sequence

    def _deliver_answered(self, sequence: int, status: int) -> None:
        if sequence not in self.deliver_responses:
            self._unanswered -= 1
        self.deliver_responses[sequence] = status

    async def deliver_sm(
        self,
        *,
        source: str,
        destination: str,
        text: str | None = None,
        short_message: bytes | None = None,
        data_coding: int | None = None,
        esm_class: int = 0,
        tlvs: dict[int, bytes] | None = None,
        system_id: str | None = None,
    ) -> int:
        """Send an incoming SMS (DELIVER_SM); return its sequence number."""
        session = self._target(system_id)
        if short_message is None:
            if text is None:
                raise ValueError("give text or short_message")
            if data_coding is None:
                data_coding, short_message = textcodec.choose(text, iso=session.iso)
            else:
                short_message = textcodec.encode(text, data_coding, iso=session.iso)
        body = encode_sm(
            source=source,
            destination=destination,
            short_message=short_message,
            data_coding=data_coding or 0,
            esm_class=esm_class,
            tlvs=tlvs,
        )
        return self._deliver(session, body)

    async def deliver_long(
        self,
        *,
        source: str,
        destination: str,
        text: str,
        ref: int = 1,
        ref16: bool = False,
        per_part: int = 67,
        order: list[int] | None = None,
        data_coding: int | None = None,
        system_id: str | None = None,
    ) -> list[int]:
        """Send a UDH-concatenated incoming message; order lists part numbers (1-based)."""
        session = self._target(system_id)
        if data_coding is None:
            data_coding, _ = textcodec.choose(text, iso=session.iso)
        chunks = textcodec.split(text, data_coding, per_part, iso=session.iso)
        total = len(chunks)
        if total > 255:
            raise ValueError("more than 255 parts")
        sequences = []
        for number in order or range(1, total + 1):
            udh = udh_concat(ref, total, number, ref16=ref16)
            body = encode_sm(
                source=source,
                destination=destination,
                short_message=udh + chunks[number - 1],
                data_coding=data_coding,
                esm_class=0x40,
            )
            sequences.append(self._deliver(session, body))
        return sequences

    async def send_receipt(
        self,
        message_id: str,
        *,
        stat: str = "DELIVRD",
        err: int = 0,
        destination: str = "",
        source: str = "",
        submit_date: str | None = None,
        done_date: str | None = None,
        text: str | None = None,
        tlvs: dict[int, bytes] | None = None,
        system_id: str | None = None,
    ) -> int:
        """Send a delivery receipt for message_id (known or not); return its sequence."""
        record = self._records.get(message_id)
        session: Session | None = None
        if system_id is None and record is not None:
            session = self._receipt_session(record)
        if session is None:
            session = self._target(system_id)
        return self._send_receipt(
            session,
            message_id,
            record,
            stat=stat,
            err=err,
            destination=destination,
            source=source,
            submit_date=submit_date,
            done_date=done_date,
            text=text,
            tlvs=tlvs,
        )

    async def send_raw(self, data: bytes, *, system_id: str | None = None) -> None:
        """Write raw bytes to a bound session (any session if system_id is None)."""
        if system_id is None:
            candidates = list(self._bound) or list(self._connections)
        else:
            candidates = self._by_login.get(system_id, [])
        if not candidates:
            raise LookupError("no session to write to")
        candidates[0].write_raw(data)

    async def send_unbind(self) -> None:
        """UNBIND every bound session; close each after its UNBIND_RESP or 2 s."""
        sessions = list(self._bound)
        waiters = [session.start_unbind() for session in sessions]
        if waiters:
            await asyncio.wait(waiters, timeout=2.0)
        for session in sessions:
            session.close("server unbind")
        for waiter in waiters:
            if not waiter.done():
                waiter.cancel()
        self._notify()

    # ------------------------------------------------------------------ internals
    def _charge(self, pdus: int) -> None:
        """Spend ``pdu_cost`` of CPU for each of ``pdus`` PDUs just handled."""
        self.pdus_charged += pdus
        burn(self.pdu_cost * pdus)

    def _next_sequence(self) -> int:
        self._sequence = self._sequence % 0x7FFFFFFF + 1
        return self._sequence

    def _connection_made(self, session: Session) -> None:
        self._connections[session] = None

    def _connection_lost(self, session: Session) -> None:
        self._connections.pop(session, None)
        self._unbound(session)
        self.closed_sessions.append(session)
        self._notify()

    def _unbound(self, session: Session) -> None:
        if session in self._bound:
            del self._bound[session]
            peers = self._by_login.get(session.system_id)
            if peers is not None and session in peers:
                peers.remove(session)

    def _on_bind(self, session: Session, command_id: int, sequence: int, body: bytes) -> None:
        resp_id = command_id | RESPONSE_BIT
        mode = BIND_MODES[command_id]
        if session.bound:
            session._send(pdu(resp_id, ESME_RALYBND, sequence))
            return
        try:
            system_id, offset = read_cstr(body, 0)
            password, offset = read_cstr(body, offset)
            system_type, offset = read_cstr(body, offset)
        except PduError:
            session._send(pdu(resp_id, ESME_RINVCMDLEN, sequence))
            return
        interface_version = body[offset] if offset < len(body) else 0
        expected = self.accounts.get(system_id)
        password_ok = expected is not None and expected == password
        if expected is None:
            status = ESME_RINVSYSID
        elif not password_ok:
            status = ESME_RINVPASWD
        elif self._refusing():
            status = self._refuse_status
        else:
            status = 0
        self.binds.append(
            BindAttempt(
                system_id,
                password_ok,
                mode,
                system_type,
                status,
                interface_version,
                session.tls,
                session.peer,
                time.time(),
            )
        )
        if status:
            session._send(pdu(resp_id, status, sequence))
            return
        session.system_id = system_id
        session.mode = mode
        session.system_type = system_type
        session.iso, session.single, session.mcon = parse_system_type(system_type)
        peers = self._by_login.setdefault(system_id, [])
        while len(peers) >= session.mcon:
            older = peers.pop(0)
            _LOGGER.info("%r: new bind for %s, closing the older session", older, system_id)
            older.close("taken over")
        session.bound = True
        peers.append(session)
        self._bound[session] = None
        resp = cstr(SIMULATOR_SYSTEM_ID)
        if interface_version >= 0x34:
            resp += encode_tlvs({TLV_SC_INTERFACE_VERSION: b"\x34"})
        session._send(pdu(resp_id, 0, sequence, resp))
        session._arm_enquire_link()

    def _on_query(self, session: Session, sequence: int, body: bytes) -> None:
        if not session.can_transmit:
            session._send(pdu(QUERY_SM_RESP, ESME_RINVBNDSTS, sequence))
            return
        try:
            message_id, _ = read_cstr(body, 0)
        except PduError:
            session._send(pdu(QUERY_SM_RESP, ESME_RINVCMDLEN, sequence))
            return
        record = self._records.get(message_id)
        if record is None:
            session._send(pdu(QUERY_SM_RESP, ESME_RQUERYFAIL, sequence))
            return
        resp = (
            cstr(message_id) + cstr(record.final_date) + bytes((record.state, record.error & 0xFF))
        )
        session._send(pdu(QUERY_SM_RESP, 0, sequence, resp))

    def _decide(self, submit: Submit, kind_text: Callable[[], str]) -> int:
        """command_status for a submit (0: accept)."""
        if self._fail_status:
            if self._fail_count > 0:
                self._fail_count -= 1
                return self._fail_status
            if self._fail_every:
                self._fail_counter += 1
                if self._fail_counter % self._fail_every == 0:
                    return self._fail_status
        dest = submit.destination_addr
        if not (dest.isascii() and dest.isdigit()) and not (
            "@" in dest and kind_text().startswith("__MAIL__:")
        ):
            return ESME_RINVDSTADR
        rate = self._throughput
        if rate:
            now = time.monotonic()
            account = self._accounts_state.get(submit.system_id)
            capacity = max(rate, 1.0)
            if account is None:
                account = self._accounts_state[submit.system_id] = _Account(capacity, now)
            tokens = min(capacity, account.tokens + (now - account.stamp) * rate)
            account.stamp = now
            if tokens < 1.0:
                account.tokens = tokens
                return ESME_RTHROTTLED
            account.tokens = tokens - 1.0
        return 0

    def _on_submit(self, session: Session, sequence: int, body: bytes) -> None:
        if not session.can_transmit:
            session._send(pdu(SUBMIT_SM_RESP, ESME_RINVBNDSTS, sequence))
            return
        try:
            fields = parse_sm_fields(body)
        except PduError:
            session._send(pdu(SUBMIT_SM_RESP, ESME_RINVCMDLEN, sequence))
            return
        now = time.time()
        submit = Submit(*fields, system_id=session.system_id, sequence=sequence)
        submit.received_at = now
        submit.iso = session.iso
        submit.session_mode = session.mode
        tlvs = submit.tlvs
        if submit.esm_class & 0x40 or tlvs:
            submit.udh = parse_concat(submit.esm_class, submit.content, tlvs)
        self.submits.append(submit)
        self.submit_count += 1
        if self.first_submit_at is None:
            self.first_submit_at = now
        self.last_submit_at = now
        stamps = self._window_stamps
        mono = self.rate_clock()
        stamps.append(mono)
        edge = mono - RATE_WINDOW
        while stamps[0] <= edge:
            stamps.popleft()
        self.busiest_second = max(self.busiest_second, len(stamps))
        self._answer_submit(session, submit, sequence, now)
        self.status_counts[submit.status] += 1
        if self.history is not None:
            self._forget_old(self.history)

    def _answer_submit(self, session: Session, submit: Submit, sequence: int, now: float) -> None:
        status = self._decide(submit, lambda: submit.text)
        window = self.duplicate_window
        dup_key: tuple[Any, ...] | None = None
        if (
            not status
            and self._http_texts
            and window > 0
            and (submit.udh is None or submit.udh.total <= 1)
            and self.text_duplicate(
                submit.system_id, submit.destination_addr, submit.text, http=False, record=False
            )
        ):
            status = ESME_RSUBMITFAIL  # the same text went to this number over HTTP
        if not status and window > 0:
            concat = submit.udh
            dup_key = (
                submit.system_id,
                submit.destination_addr,
                submit.content,
                concat if concat is not None and concat.sar else None,
            )
            mono = time.monotonic()
            recent = self._recent_order
            while recent and recent[0][0] <= mono - window:
                stamp, key = recent.popleft()
                if self._recent.get(key) == stamp:
                    del self._recent[key]
            last = self._recent.get(dup_key)
            if last is not None and mono - last < window:
                status = ESME_RSUBMITFAIL
            else:
                self._recent[dup_key] = mono
                recent.append((mono, dup_key))
        if status:
            submit.status = status
            session._send(pdu(SUBMIT_SM_RESP, status, sequence))
            return

        # accepted
        record, complete = self._accept(session, submit, now)
        message_id = submit.message_id
        assert message_id is not None
        if complete and self.http is not None and window > 0:
            self.text_duplicate(
                submit.system_id, record.destination, record.message.text, http=False
            )
        if self._drop_responses > 0:
            self._drop_responses -= 1
        else:
            submit.status = 0
            session._send(pdu(SUBMIT_SM_RESP, 0, sequence, cstr(message_id)))
        if complete and self.auto_receipts and record.registered_delivery & 1:
            if self.receipt_delay > 0:
                loop = asyncio.get_running_loop()
                handle: asyncio.TimerHandle | None = None

                def fire() -> None:
                    self._timers.discard(handle)
                    self._auto_receipt(record)

                handle = loop.call_later(self.receipt_delay, fire)
                self._timers.add(handle)
            else:
                self._auto_receipt(record)

    def _new_id(self) -> str:
        return str(next(self._message_ids))

    def text_duplicate(
        self, system_id: str, destination: str, text: str, *, http: bool, record: bool = True
    ) -> bool:
        """The one-minute rule across SMPP and HTTP: was this text sent to this number?

        A message sent over SMPP is compared with those sent over HTTP only (SMPP's own rule
        already compares it with SMPP ones); one sent over HTTP with both. Unless it is a
        duplicate, ``record`` notes it as sent now.
        """
        window = self.duplicate_window
        mono = time.monotonic()
        recent, order = self._recent_texts, self._recent_texts_order
        while order and order[0][0] <= mono - window:
            stamp, old = order.popleft()
            entry = recent.get(old)
            if entry is not None and entry[0] == stamp:
                del recent[old]
                self._http_texts -= entry[1]
        key = (system_id, destination, text)
        entry = recent.get(key)
        if entry is not None and mono - entry[0] < window and (http or entry[1]):
            return True
        if record:
            if entry is not None:
                self._http_texts -= entry[1]
            recent[key] = (mono, http)
            order.append((mono, key))
            self._http_texts += http
        return False

    def _accept(self, session: Session, submit: Submit, now: float) -> tuple[MessageRecord, bool]:
        """Assign the message id, group parts into messages; (record, receipt due)."""
        self.accepted.append(submit)
        self.accepted_count += 1
        concat = submit.udh
        if concat is None or concat.total <= 1:
            message_id = self._new_id()
            submit.message_id = message_id
            message = Message(
                submit.system_id,
                submit.source_addr,
                submit.destination_addr,
                submit.data_coding,
                1,
                message_id,
                submit.iso,
                None,
                False,
                [message_id],
                {1: submit},
            )
            self._messages.append(message)
            self.message_count += 1
            record = MessageRecord(
                message_id,
                submit.system_id,
                submit.source_addr,
                submit.destination_addr,
                now,
                1,
                message,
                session,
                submit.registered_delivery,
            )
            self._records[message_id] = record
            return record, True

        key = (
            submit.system_id,
            submit.destination_addr,
            concat.ref16,
            concat.ref,
            concat.total,
        )
        group = self._open_groups.get(key)
        if group is None or concat.seq in group.by_seq:
            group = Message(
                submit.system_id,
                submit.source_addr,
                submit.destination_addr,
                submit.data_coding,
                concat.total,
                "",
                submit.iso,
                concat.ref,
                concat.ref16,
            )
            self._open_groups[key] = group
            self._messages.append(group)
            self.message_count += 1
        message = group
        message.by_seq[concat.seq] = submit
        complete = message.complete
        if complete:
            del self._open_groups[key]
        if session.single:
            message_id = self._new_id()
            submit.message_id = message_id
            message.message_ids.append(message_id)
            if not message.message_id:
                message.message_id = message_id
            record = MessageRecord(
                message_id,
                submit.system_id,
                submit.source_addr,
                submit.destination_addr,
                now,
                1,
                message,
                session,
                submit.registered_delivery,
            )
            self._records[message_id] = record
            return record, True
        if not message.message_id:
            message.message_id = self._new_id()
            message.message_ids.append(message.message_id)
            self._records[message.message_id] = MessageRecord(
                message.message_id,
                submit.system_id,
                submit.source_addr,
                submit.destination_addr,
                now,
                concat.total,
                message,
                session,
            )
        record = self._records[message.message_id]
        record.registered_delivery |= submit.registered_delivery
        submit.message_id = message.message_id
        return record, complete

    def _forget_old(self, keep: int) -> None:
        """Keep the latest ``keep`` submits, messages and records (amortised O(1): trims
        once a list holds twice that)."""
        limit = max(2 * keep, 1)
        for observed in (self.submits, self.accepted, self._messages):
            if len(observed) >= limit:
                del observed[: len(observed) - keep]
        if self.http is not None:
            self.http.forget_old(keep, limit)
        records = self._records
        if len(records) >= limit:
            kept = dict(list(records.items())[len(records) - keep :]) if keep else {}
            for message in self._open_groups.values():  # long messages still arriving
                if message.message_id in records:
                    kept[message.message_id] = records[message.message_id]
            self._records = kept

    def reset_observations(self) -> None:
        """Forget everything observed (lists, records, counters); sessions stay."""
        self.submits.clear()
        self.accepted.clear()
        self._messages.clear()
        self._records.clear()
        self._open_groups.clear()
        self.deliver_responses.clear()
        self.delivers_sent.clear()
        self.submit_count = self.accepted_count = self.message_count = 0
        self.status_counts.clear()
        self.first_submit_at = self.last_submit_at = None
        if self.http is not None:
            self.http.reset_observations()
        self.busiest_second = 0
        self._window_stamps.clear()
        self.pdus_charged = 0

    def _receipt_session(self, record: MessageRecord) -> Session | None:
        origin = record.session
        if origin is not None and origin.can_receive and not origin.closed:
            return origin
        for session in self._by_login.get(record.system_id, ()):
            if session.can_receive and not session.closed:
                return session
        return None

    def _auto_receipt(self, record: MessageRecord) -> None:
        if self._hanging():
            return
        session = self._receipt_session(record)
        if session is None:
            return  # no receiver for this login: the status stays on the provider's side
        self._send_receipt(
            session,
            record.message_id,
            record,
            stat=self.auto_receipt_stat,
            err=self.auto_receipt_err,
        )

    def _send_receipt(
        self,
        session: Session,
        message_id: str,
        record: MessageRecord | None,
        *,
        stat: str,
        err: int,
        destination: str = "",
        source: str = "",
        submit_date: str | None = None,
        done_date: str | None = None,
        text: str | None = None,
        tlvs: dict[int, bytes] | None = None,
    ) -> int:
        now = time.time()
        kind = 0
        parts = 1
        if record is not None:
            destination = destination or record.destination
            source = source or record.source
            parts = record.parts
            message = record.message
            kind = message.kind if message.by_seq or message.http_text is not None else 0
            record.state = MESSAGE_STATES.get(stat, 7)
            record.error = err
            record.final_date = _smpp_absolute(now)
            record.receipts_sent += 1
            record.stat = stat
            record.changed_at = now
        if text is None:
            if kind == 4:
                text = f"id:{message_id} stat:{stat} err:{err:03d} {HLR_RESULT}"
            else:
                submitted = record.submitted_at if record is not None else now
                text = (
                    f"id:{message_id} sub:001 dlvrd:{'001' if stat == 'DELIVRD' else '000'} "
                    f"submit date:{submit_date or _smpp_date(submitted)} "
                    f"done date:{done_date or _smpp_date(now)} stat:{stat} err:{err:03d}"
                )
        all_tlvs = {
            TLV_RECEIPTED_MESSAGE_ID: cstr(message_id),
            TLV_MESSAGE_STATE: bytes((MESSAGE_STATES.get(stat, 7),)),
            TLV_NETWORK_ERROR_CODE: b"\x03" + (err & 0xFFFF).to_bytes(2, "big"),
            TLV_COST: cstr(self.receipt_cost),
            TLV_TYPE_FLAGS: kind.to_bytes(2, "big"),
            TLV_PARTS: parts.to_bytes(2, "big"),
        }
        if tlvs:
            all_tlvs.update(tlvs)
        body = encode_sm(
            source=destination,  # the handset the message went to
            destination=source,
            short_message=text.encode("ascii", "replace"),
            data_coding=0,
            esm_class=0x04,
            tlvs=all_tlvs,
        )
        return self._deliver(session, body)


__all__ = [
    "BIND_RECEIVER",
    "BIND_TRANSCEIVER",
    "BIND_TRANSMITTER",
    "RATE_WINDOW",
    "BindAttempt",
    "Message",
    "MessageRecord",
    "Session",
    "SmscSimulator",
    "Submit",
    "burn",
    "parse_system_type",
]
