"""The SMPP link: a supervisor around aiosmpplib's ESME.

aiosmpplib 0.7.4 supplies the session object (``ESME``), the PDU classes and ``_send_data``
for binds and keepalives, and the sequence numbers. What it gets wrong for a link that has to
stay up for weeks, or that is too slow for a burst, is replaced here (see DESIGN.md §3):

* ``connect``: TLS (the provider's port 3443), and the bind_resp status read by us, so a wrong
  password is told apart from other refusals (aiosmpplib raises ``ValueError`` instead);
* ``_connection_keeper``: ENQUIRE_LINK after ``enquire_link_interval`` of *our* silence (the
  provider drops a client that sent nothing for 2 minutes, even while the server sends its
  own ENQUIRE_LINKs), and dead-link detection from unanswered requests;
* ``_receive_data``: a tolerant receive loop on raw PDUs: vendor statuses, odd receipts or
  unknown commands never kill the session, and every DELIVER_SM is acknowledged;
* ``_dequeue_messages``: every part the outbox's window and rate allow is built, put in the
  correlator and written in one go (aiosmpplib's loop drains under a lock, calls a hook and
  makes a system call per PDU; its broker and throttle handler are not used: the outbox owns
  window, rate and retries);
* logging through :mod:`.redact`, and an O(1) correlator.

``Link`` supervises one session per allowed connection: reconnect with exponential backoff
and jitter, failover to the backup server after repeated failures and back once the primary
answers again, and status callbacks for availability.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
from dataclasses import dataclass, field, replace
import enum
import logging
import random
import ssl
import struct
import time
from typing import TYPE_CHECKING, Any

from aiosmpplib import ESME
from aiosmpplib.hook import AbstractHook
from aiosmpplib.protocol import (
    BindReceiver,
    BindTransceiver,
    BindTransmitter,
    EnquireLink,
    SmppMessage,
)
from aiosmpplib.state import BindMode, SmppSessionState

from .correlator import FastCorrelator
from .errors import AuthFailed, BindRefused, CannotConnect, InvalidInput, LinkError, TlsError
from .outbox import PartRef
from .redact import SafeStructuredLogger, redact_text

if TYPE_CHECKING:
    from .outbox import MessageSpec, Outbox

_LOGGER = logging.getLogger(__name__)

MAX_SYSTEM_TYPE = 12  # SMPP 3.4: 13 octets with the terminating NUL
_HEADER = struct.Struct("!IIII")
_MAX_PDU = 2**16 + 1024
_READ_SIZE = 2**18  # bytes read at a time by the receive loop
_MAX_BATCH = 256  # SUBMIT_SMs written together at most
_HIGH_WATER = 2**18  # unsent bytes above which the sender waits for the socket

# command ids
GENERIC_NACK = 0x80000000
QUERY_SM = 0x00000003
QUERY_SM_RESP = 0x80000003
SUBMIT_SM = 0x00000004
SUBMIT_SM_RESP = 0x80000004
DELIVER_SM = 0x00000005
DELIVER_SM_RESP = 0x80000005
UNBIND = 0x00000006
UNBIND_RESP = 0x80000006
ENQUIRE_LINK = 0x00000015
ENQUIRE_LINK_RESP = 0x80000015
BIND_RESP = {0x80000001, 0x80000002, 0x80000009}

# command_status values the link acts on
ESME_ROK = 0x00
ESME_RALYBND = 0x05
ESME_RINVCMDID = 0x03
ESME_RBINDFAIL = 0x0D
ESME_RINVPASWD = 0x0E
ESME_RINVSYSID = 0x0F
AUTH_STATUSES = frozenset({ESME_RINVPASWD, ESME_RINVSYSID})
ESME_RUNKNOWNERR = 0xFF

BIND_MODES: dict[str, BindMode] = {
    "transceiver": BindMode.TRANSCEIVER,
    "receiver": BindMode.RECEIVER,
    "transmitter": BindMode.TRANSMITTER,
}
_BIND_CLASSES = {
    BindMode.TRANSCEIVER: BindTransceiver,
    BindMode.RECEIVER: BindReceiver,
    BindMode.TRANSMITTER: BindTransmitter,
}


@dataclass(frozen=True, slots=True)
class LinkConfig:
    """Everything needed to bind and keep a link."""

    username: str
    password: str = field(repr=False)
    host: str = ""
    port: int = 0
    ssl: bool = False
    verify_ssl: bool = True
    bind_mode: str = "transceiver"
    system_type: str = ""
    backup_host: str | None = None
    backup_port: int | None = None
    enquire_link_interval: float = 30.0
    response_timeout: float = 10.0
    connect_timeout: float = 10.0
    source: str | None = None
    connections: int = 1
    backoff_base: float = 1.0
    backoff_cap: float = 60.0
    failover_after: int = 3
    failback_interval: float = 300.0
    # 0x0D from a server that accepted this login before, this many times in a row: the
    # password most likely changed -> ask for it (while still retrying).
    auth_suspect_after: int = 3

    def endpoints(self) -> list[Endpoint]:
        """Primary first, then the backup server if there is one."""
        result = [Endpoint(self.host, self.port, primary=True)]
        if self.backup_host and (
            self.backup_host != self.host or (self.backup_port or self.port) != self.port
        ):
            result.append(Endpoint(self.backup_host, self.backup_port or self.port, False))
        return result


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One SMPP server."""

    host: str
    port: int
    primary: bool = True

    def __str__(self) -> str:
        """host:port."""
        return f"{self.host}:{self.port}"


def build_system_type(*, iso: bool = False, single: bool = False, connections: int = 1) -> str:
    """Return the provider's system_type flags, e.g. ``ISO,SINGLE`` or ``MCON3``."""
    flags = []
    if iso:
        flags.append("ISO")
    if single:
        flags.append("SINGLE")
    if connections > 1:
        flags.append(f"MCON{connections}")
    value = ",".join(flags)
    if len(value) > MAX_SYSTEM_TYPE:
        raise InvalidInput("system_type_too_long", value=value, max=MAX_SYSTEM_TYPE)
    return value


def address_type(address: str) -> tuple[int, int]:
    """TON/NPI of an address: international number, alphanumeric sender or e-mail."""
    if not address:
        return 0, 0
    if address.isdigit():
        return 1, 1
    if "@" in address:
        return 0, 0
    return 5, 0


class LinkState(enum.StrEnum):
    """What the link is doing."""

    STOPPED = "stopped"
    CONNECTING = "connecting"
    BOUND = "bound"
    AUTH_FAILED = "auth_failed"


@dataclass(slots=True)
class LinkStatus:
    """A snapshot for entities and diagnostics."""

    state: LinkState = LinkState.STOPPED
    server: str | None = None
    bind_mode: str = "transceiver"
    bound_sessions: int = 0
    last_error: str | None = None
    last_error_status: int | None = None
    reconnects: int = 0
    on_backup: bool = False
    since: float = field(default_factory=time.time)

    @property
    def bound(self) -> bool:
        """At least one session is bound."""
        return self.bound_sessions > 0


@dataclass(slots=True)
class QueryResult:
    """QUERY_SM_RESP."""

    message_id: str
    final_date: str
    message_state: int
    error_code: int


def _token_of(request: object) -> int | None:
    """The outbox token of a submit in the correlator (an int); None for other requests."""
    if type(request) is int:
        return request
    return None


def _submit_pdu(spec: MessageSpec, index: int, source: str, sequence_num: int) -> bytes:
    """The SUBMIT_SM PDU of one part (``source``: the account's sender when the message has
    none of its own)."""
    _, destination, _, priority, own_source, coding, esm_class, parts, registered, _ = spec
    if own_source is not None:
        source = own_source
    part = parts[index]
    src_ton, src_npi = address_type(source)
    dst_ton, dst_npi = address_type(destination)
    body = b"".join(
        (
            b"\x00",
            bytes((src_ton, src_npi)),
            source.encode("ascii", "replace"),
            b"\x00",
            bytes((dst_ton, dst_npi)),
            destination.encode("ascii", "replace"),
            b"\x00",
            bytes((esm_class, 0, 1 if priority == 0 else 0)),
            b"\x00\x00",
            bytes((registered, 0, coding, 0, len(part))),
            part,
        )
    )
    return _HEADER.pack(16 + len(body), SUBMIT_SM, 0, sequence_num) + body


class _Hook(AbstractHook):
    """Notes when we last sent anything (the provider counts only our PDUs)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    async def sending(self, smpp_message: SmppMessage, pdu: bytes, client_id: str) -> None:
        """A PDU is about to be written."""
        self._session.last_sent = time.monotonic()

    async def received(self, smpp_message: SmppMessage | None, pdu: bytes, client_id: str) -> None:
        """Unused: our receive loop handles every PDU."""

    async def send_error(self, smpp_message: SmppMessage, error: Exception, client_id: str) -> None:
        """Unused: submits are written by ``Session._dequeue_messages``, not aiosmpplib's."""


class Session(ESME):
    """One SMPP connection."""

    def __init__(self, link: Link, endpoint: Endpoint) -> None:
        """Build an ESME for this endpoint with the link's settings."""
        config = link.config
        self.link = link
        self.endpoint = endpoint
        self.last_sent = time.monotonic()
        self.last_received = time.monotonic()
        self.in_hand: PartRef | None = None
        self.bound_at: float | None = None
        self.end_reason = ""
        self._enquire_sent_at: float | None = None
        self._queries: dict[int, asyncio.Future[QueryResult]] = {}
        self._closing = False
        self._serve_done: asyncio.Event | None = None
        bind_mode = BIND_MODES.get(config.bind_mode, BindMode.TRANSCEIVER)
        super().__init__(
            smsc_host=endpoint.host,
            smsc_port=endpoint.port,
            system_id=config.username,
            password=config.password,
            system_type=config.system_type,
            bind_mode=bind_mode,
            enquire_link_interval=float(config.enquire_link_interval),
            log_metadata={},
            log_handler=logging.NullHandler(),
            hook=None,
            correlator=FastCorrelator(float(config.response_timeout)),
            socket_timeout=float(config.response_timeout),
        )
        self._logger = SafeStructuredLogger(
            "aiosmpplib." + self.client_id, (config.password,), str(endpoint)
        )
        self.hook = _Hook(self)
        self.correlator.hook = self.hook
        self.correlator.client_id = self.client_id
        self.fast_correlator: FastCorrelator = self.correlator  # type: ignore[assignment]

    def outbox_response(self, token: int, status: int, message_id: str | None) -> None:
        """Report a part's outcome to the outbox."""
        self.link.outbox.on_response(token, status, message_id)

    @property
    def is_bound(self) -> bool:
        """Bound and not closing."""
        return self._session_state == self.bind_mode.session_state and not self._closing

    # --- connect and bind ------------------------------------------------------------
    async def connect(self) -> None:
        """Open TCP (then TLS) and bind; raise a LinkError subclass on failure."""
        config = self.link.config
        host, port = self.endpoint.host, self.endpoint.port
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(host, port, limit=_MAX_PDU), config.connect_timeout
            )
        except (OSError, TimeoutError) as err:
            raise CannotConnect("cannot_connect", server=str(self.endpoint)) from err
        self._reader, self._writer = reader, writer
        if self.link.ssl_context is not None:
            try:
                await asyncio.wait_for(
                    writer.start_tls(self.link.ssl_context, server_hostname=host),
                    config.connect_timeout,
                )
            except (ssl.SSLError, OSError, TimeoutError) as err:
                writer.transport.abort()
                self._writer = None
                raise TlsError(
                    "tls_error", server=str(self.endpoint), error=type(err).__name__
                ) from err
        self._session_state = SmppSessionState.OPEN
        bind = _BIND_CLASSES[self.bind_mode](
            system_id=self.system_id,
            password=self.password,
            system_type=self.system_type,
            interface_version=self.interface_version,
        )
        try:
            writer.write(bind.pdu())
            await asyncio.wait_for(writer.drain(), config.response_timeout)
            header = await asyncio.wait_for(reader.readexactly(16), config.response_timeout)
            length, command, status, _seq = _HEADER.unpack(header)
            if 16 < length <= _MAX_PDU:
                await asyncio.wait_for(reader.readexactly(length - 16), config.response_timeout)
        except (OSError, TimeoutError, asyncio.IncompleteReadError) as err:
            self.abort()
            raise CannotConnect("no_bind_response", server=str(self.endpoint)) from err
        if command not in BIND_RESP and command != GENERIC_NACK:
            self.abort()
            raise BindRefused(status or ESME_RUNKNOWNERR)
        if status in AUTH_STATUSES:
            self.abort()
            raise AuthFailed("invalid_auth", status=f"0x{status:08X}")
        if status not in (ESME_ROK, ESME_RALYBND) or command == GENERIC_NACK:
            self.abort()
            raise BindRefused(status or ESME_RUNKNOWNERR)
        now = time.monotonic()
        self.last_sent = self.last_received = now
        self.bound_at = now
        self._session_state = self.bind_mode.session_state
        self._bound.set()

    # --- running ---------------------------------------------------------------------
    async def serve(self) -> str:
        """Run the bound session until it ends; return why it ended."""
        tasks: set[asyncio.Task[Any]] = {
            asyncio.create_task(self._receive_data(), name="smscentre receiver"),
            asyncio.create_task(self._connection_keeper(), name="smscentre keepalive"),
        }
        if self.bind_mode != BindMode.RECEIVER:
            tasks.add(asyncio.create_task(self._dequeue_messages(), name="smscentre sender"))
        self._serve_done = asyncio.Event()
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                if task.cancelled():
                    continue
                if (error := task.exception()) is not None:
                    if not self.end_reason:
                        self.end_reason = f"{type(error).__name__}: {error}"
                    if not isinstance(error, (OSError, asyncio.IncompleteReadError, TimeoutError)):
                        _LOGGER.debug("Session task failed", exc_info=error)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self._session_state = SmppSessionState.CLOSED
            self._bound.clear()
            self._serve_done.set()
        return self.end_reason or "closed"

    async def _receive_data(self) -> None:
        """Read PDUs until the link ends; never raise on content.

        Reads whatever has arrived (many PDUs at a time under load) and handles every whole
        PDU in it; the answers to the server's requests go out in one write per read.
        """
        reader = self._reader
        assert reader is not None
        unpack_from = _HEADER.unpack_from
        buffer = b""
        while True:
            data = await reader.read(_READ_SIZE)
            if not data:
                raise asyncio.IncompleteReadError(buffer, 16)
            buffer = buffer + data if buffer else data
            self.last_received = time.monotonic()
            size = len(buffer)
            pos = 0
            replies: list[bytes] = []
            try:
                while size - pos >= 16:
                    length, command, status, seq = unpack_from(buffer, pos)
                    if length < 16 or length > _MAX_PDU:
                        self.end_reason = self.end_reason or f"invalid PDU length {length}"
                        return
                    end = pos + length
                    if end > size:
                        break
                    body = buffer[pos + 16 : end]
                    pos = end
                    if self._handle_pdu(command, status, seq, body, replies):
                        return
            finally:
                if replies:
                    self._write(b"".join(replies))
            buffer = buffer[pos:]

    def _handle_pdu(
        self, command: int, status: int, seq: int, body: bytes, replies: list[bytes]
    ) -> bool:
        """Handle one PDU; return True when the session ends."""
        correlator = self.fast_correlator
        if command in (SUBMIT_SM_RESP, GENERIC_NACK):
            request = correlator.pop(seq)
            token = _token_of(request)
            if token is not None:
                message_id = None
                if status == ESME_ROK:
                    message_id = body.split(b"\x00", 1)[0].decode("ascii", "replace")
                self.outbox_response(token, status, message_id)
            elif request is not None and command == GENERIC_NACK:
                self._enquire_sent_at = None
        elif command == DELIVER_SM:
            result = ESME_ROK
            deliver = self.link.deliver_handler
            if deliver is not None:
                try:
                    result = deliver(body)
                except Exception:  # the handler must never cost us the link
                    _LOGGER.exception("Incoming PDU handler failed")
            replies.append(_HEADER.pack(17, DELIVER_SM_RESP, result, seq) + b"\x00")
        elif command == ENQUIRE_LINK_RESP:
            correlator.pop(seq)
            self._enquire_sent_at = None
        elif command == ENQUIRE_LINK:
            replies.append(_HEADER.pack(16, ENQUIRE_LINK_RESP, ESME_ROK, seq))
        elif command == QUERY_SM_RESP:
            correlator.pop(seq)
            future = self._queries.pop(seq, None)
            if future is not None and not future.done():
                future.set_result(_parse_query_resp(body, status))
        elif command == UNBIND:
            replies.append(_HEADER.pack(16, UNBIND_RESP, ESME_ROK, seq))
            self.end_reason = self.end_reason or "unbind from server"
            return True
        elif command == UNBIND_RESP:
            self.end_reason = self.end_reason or "unbound"
            return True
        elif not command & 0x80000000:
            replies.append(_HEADER.pack(16, GENERIC_NACK, ESME_RINVCMDID, seq))
        else:
            correlator.pop(seq)
        return False

    async def _dequeue_messages(self) -> dict[str, Any]:
        """Send what the outbox allows: every part the window and rate allow right now is
        built, put in the correlator (before the write, so no response can miss it) and
        written in one go; the writer is drained only above a high-water mark.

        aiosmpplib's own loop awaits ``drain()`` under a lock and a hook for every PDU and
        writes each PDU with its own system call.
        """
        outbox = self.link.outbox
        correlator = self.fast_correlator
        source = self.link.config.source
        next_sequence = self.sequence_generator.next_sequence
        while True:
            ref: PartRef | None = await outbox.next_part()
            writer = self._writer
            if writer is None or writer.is_closing():
                self.in_hand = ref  # released to the outbox when the session ends
                raise ConnectionResetError("connection closed")
            chunks: list[bytes] = []
            default_source = source or ""
            while ref is not None:
                self.in_hand = ref
                sequence = next_sequence()
                try:
                    data = _submit_pdu(ref.spec, ref.index, default_source, sequence)
                except ValueError:  # cannot be encoded: the message fails, others go on
                    _LOGGER.exception("SUBMIT_SM could not be built")
                    self.in_hand = None
                    self.outbox_response(ref.token, ESME_RUNKNOWNERR, None)
                else:
                    # its token waits for the response: an int, no object per part
                    correlator.put_item(sequence, ref.token)
                    self.in_hand = None
                    chunks.append(data)
                if len(chunks) >= _MAX_BATCH:
                    break
                ref = outbox.next_part_nowait()
            if chunks:
                self.last_sent = time.monotonic()
                writer.write(b"".join(chunks))
                if writer.transport.get_write_buffer_size() > _HIGH_WATER:
                    await writer.drain()

    def _write(self, data: bytes) -> None:
        """Write a PDU; responses do not count as our activity (the provider counts requests)."""
        writer = self._writer
        if writer is not None and not writer.is_closing():
            writer.write(data)

    async def _connection_keeper(self) -> None:
        """ENQUIRE_LINK after our own silence; end the session when the server is gone."""
        interval = self.enquire_link_interval
        timeout = self.socket_timeout
        tick = max(0.02, min(1.0, interval / 4, timeout / 4))
        correlator = self.fast_correlator
        while True:
            await asyncio.sleep(tick)
            now = time.monotonic()
            sent_at = self._enquire_sent_at
            if sent_at is not None and now - sent_at > timeout and self.last_received < sent_at:
                self.end_reason = self.end_reason or "no answer to ENQUIRE_LINK"
                return
            if correlator.oldest_age() > timeout and now - self.last_received > timeout:
                self.end_reason = self.end_reason or "no responses from the server"
                return
            for request in correlator.pop_expired():
                token = _token_of(request)
                if token is not None:
                    self.link.outbox.on_timeout(token)
            if sent_at is None and now - self.last_sent >= interval:
                self._enquire_sent_at = now
                await self._send_data(EnquireLink())

    async def query(self, message_id: str, source: str) -> QueryResult:
        """QUERY_SM for a message id."""
        seq = self.sequence_generator.next_sequence()
        ton, npi = address_type(source)
        body = message_id.encode("ascii") + b"\x00" + bytes((ton, npi)) + source.encode() + b"\x00"
        future: asyncio.Future[QueryResult] = asyncio.get_running_loop().create_future()
        self._queries[seq] = future
        self._write(_HEADER.pack(16 + len(body), QUERY_SM, 0, seq) + body)
        try:
            return await asyncio.wait_for(future, self.socket_timeout)
        finally:
            self._queries.pop(seq, None)

    def release(self) -> None:
        """Give every unanswered part back to the outbox (the session is over)."""
        outbox = self.link.outbox
        if self.in_hand is not None:
            outbox.on_timeout(self.in_hand.token)
            self.in_hand = None
        for request in self.fast_correlator.take_all():
            token = _token_of(request)
            if token is not None:
                outbox.on_timeout(token)
        for future in self._queries.values():
            if not future.done():
                future.set_exception(CannotConnect("link_down"))
        self._queries.clear()

    async def close(self, *, unbind: bool) -> None:
        """Unbind (when asked and bound), close the socket, release unanswered parts."""
        self._closing = True
        writer = self._writer
        if writer is not None:
            if unbind and self._session_state == self.bind_mode.session_state:
                seq = self.sequence_generator.next_sequence()
                self._write(_HEADER.pack(16, UNBIND, 0, seq))
                with contextlib.suppress(Exception):
                    if self._serve_done is not None:
                        # the receive loop returns on UNBIND_RESP
                        await asyncio.wait_for(self._serve_done.wait(), 2.0)
                    else:
                        await asyncio.wait_for(_read_until_unbind_resp(self._reader), 2.0)
            self.abort()
        self._session_state = SmppSessionState.CLOSED
        self._bound.clear()
        self.release()

    def request_unbind(self) -> None:
        """Ask the server to unbind; the receive loop ends on its UNBIND_RESP."""
        self._write(_HEADER.pack(16, UNBIND, 0, self.sequence_generator.next_sequence()))

    def abort(self) -> None:
        """Close the socket now (no await: safe in cleanup and cancellation)."""
        writer = self._writer
        self._writer = None
        if writer is not None:
            with contextlib.suppress(Exception):
                if writer.can_write_eof():
                    writer.write_eof()
            writer.transport.abort()
        self._session_state = SmppSessionState.CLOSED
        self._bound.clear()


async def _read_until_unbind_resp(reader: asyncio.StreamReader | None) -> None:
    if reader is None:
        return
    while True:
        header = await reader.readexactly(16)
        length, command, _status, _seq = _HEADER.unpack(header)
        if length > 16:
            await reader.readexactly(min(length, _MAX_PDU) - 16)
        if command == UNBIND_RESP:
            return


def _parse_query_resp(body: bytes, status: int) -> QueryResult:
    parts = body.split(b"\x00", 2)
    message_id = parts[0].decode("ascii", "replace") if parts else ""
    final_date = parts[1].decode("ascii", "replace") if len(parts) > 1 else ""
    rest = parts[2] if len(parts) > 2 else b""
    state = rest[0] if len(rest) > 0 else 0
    error = rest[1] if len(rest) > 1 else 0
    if status != ESME_ROK:
        state = 0
    return QueryResult(message_id, final_date, state, error)


class _NullOutbox:
    """What a probe bind pulls from: nothing."""

    async def next_part(self) -> PartRef:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    def next_part_nowait(self) -> PartRef | None:
        """Nothing to send."""
        return None

    def on_response(self, token: int, status: int, message_id: str | None) -> None:
        """Nothing is sent."""

    def on_timeout(self, token: int) -> None:
        """Nothing is sent."""


class Link:
    """Keeps ``connections`` sessions bound, with backoff, failover and failback."""

    def __init__(
        self,
        config: LinkConfig,
        *,
        outbox: Outbox | _NullOutbox,
        ssl_context: ssl.SSLContext | None = None,
        deliver_handler: Callable[[bytes], int] | None = None,
        on_status: Callable[[LinkStatus], None] | None = None,
        on_auth_failed: Callable[[LinkError], None] | None = None,
        on_bind_error: Callable[[LinkError | None], None] | None = None,
    ) -> None:
        """Prepare; nothing connects until ``connect_first``/``run``."""
        self.config = config
        self.outbox = outbox
        self.ssl_context = ssl_context
        self.deliver_handler = deliver_handler
        self._on_status = on_status
        self._on_auth_failed = on_auth_failed
        self._on_bind_error = on_bind_error
        self._endpoints = config.endpoints()
        self._active = 0
        self._sessions: dict[int, Session] = {}
        self._stopping = False
        self._stop_event = asyncio.Event()
        self._known_good: set[Endpoint] = set()
        self._first: Session | None = None
        self._connecting: set[Session] = set()
        self._was_bound = False
        self._reported_down = False
        self.status = LinkStatus(bind_mode=config.bind_mode)

    # --- public ------------------------------------------------------------------------
    @property
    def endpoint(self) -> Endpoint:
        """The server the link uses now."""
        return self._endpoints[self._active]

    def sessions(self) -> list[Session]:
        """Live sessions."""
        return list(self._sessions.values())

    async def connect_first(self) -> None:
        """Bind once (primary, then backup) so setup can tell not-ready from bad password.

        Raises the last LinkError when no server could be bound.
        """
        error: LinkError | None = None
        for index, endpoint in enumerate(self._endpoints):
            session = Session(self, endpoint)
            try:
                await session.connect()
            except AuthFailed:
                await session.close(unbind=False)
                raise
            except LinkError as err:
                await session.close(unbind=False)
                error = err
                continue
            self._active = index
            self._first = session
            self._known_good.add(endpoint)
            return
        assert error is not None
        raise error

    async def run(self) -> None:
        """Supervise every connection slot until ``stop``."""
        slots = [self._supervise(slot) for slot in range(max(1, self.config.connections))]
        try:
            await asyncio.gather(*slots)
        finally:
            await self._close_all(unbind=False)

    async def stop(self) -> None:
        """Unbind every session cleanly and end ``run``."""
        self._stopping = True
        self._stop_event.set()
        await self._close_all(unbind=True)
        self._set_status(state=LinkState.STOPPED)

    async def query(self, message_id: str) -> QueryResult:
        """QUERY_SM through a bound session."""
        for session in self._sessions.values():
            if session.is_bound:
                return await session.query(message_id, self.config.source or "")
        raise CannotConnect("link_down")

    # --- supervision -------------------------------------------------------------------
    async def _close_all(self, *, unbind: bool) -> None:
        sessions = list(self._sessions.values())
        if self._first is not None:
            sessions.append(self._first)
            self._first = None
        for session in list(self._connecting):
            session.abort()
            session.release()
        await asyncio.gather(*(s.close(unbind=unbind) for s in sessions), return_exceptions=True)

    def _stop_requested(self) -> bool:
        """``stop`` was called (a method: it changes while we await)."""
        return self._stopping

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop_event.wait(), seconds)

    def _backoff(self, failures: int) -> float:
        base = self.config.backoff_base * (2 ** max(0, failures - 1))
        ceiling = min(self.config.backoff_cap, base)
        return random.uniform(ceiling / 2, ceiling)

    async def _supervise(self, slot: int) -> None:
        failures = 0
        suspect = 0
        while not self._stopping:
            session: Session | None = None
            if slot == 0 and self._first is not None:
                session, self._first = self._first, None
            else:
                endpoint = self.endpoint
                if not self.status.bound:
                    self._set_status(state=LinkState.CONNECTING)
                session = Session(self, endpoint)
                self._connecting.add(session)
                try:
                    await session.connect()
                except AuthFailed as err:
                    self._auth_failed(err)
                    return
                except LinkError as err:
                    failures += 1
                    if isinstance(err, BindRefused):
                        if err.status == ESME_RBINDFAIL and endpoint in self._known_good:
                            suspect += 1
                            if suspect == self.config.auth_suspect_after and self._on_auth_failed:
                                self._on_auth_failed(err)
                        if self._on_bind_error:
                            self._on_bind_error(err)
                    self._failed(err, failures)
                    if failures >= self.config.failover_after and len(self._endpoints) > 1:
                        self._switch_endpoint()
                        failures = 0
                    await self._sleep(self._backoff(max(failures, 1)))
                    continue
                except Exception as err:
                    _LOGGER.exception("Unexpected error while binding to %s", endpoint)
                    failures += 1
                    self._failed(LinkError("unexpected", error=type(err).__name__), failures)
                    await self._sleep(self._backoff(failures))
                    continue
                finally:
                    self._connecting.discard(session)
                    if not session.is_bound:
                        session.abort()
                        session.release()
            if self._stop_requested():
                await session.close(unbind=True)
                return
            reason = await self._serve(slot, session)
            failures = 0
            suspect = 0
            if self._stop_requested():
                return
            if reason == "failback":
                self._active = 0
                continue
            await self._sleep(self._backoff(1))

    async def _serve(self, slot: int, session: Session) -> str:
        """Run a bound session to its end; keep status and failback in step."""
        self._known_good.add(session.endpoint)
        self._sessions[slot] = session
        if self._on_bind_error:
            self._on_bind_error(None)
        self._bound_changed()
        failback = None
        if not session.endpoint.primary:
            failback = asyncio.create_task(self._watch_primary(session), name="smscentre failback")
        try:
            reason = await session.serve()
        except Exception as err:
            _LOGGER.exception("SMPP session failed")
            reason = type(err).__name__
        finally:
            if failback is not None:
                failback.cancel()
                await asyncio.gather(failback, return_exceptions=True)
            self._sessions.pop(slot, None)
            session.abort()
            session.release()
            self._bound_changed(session.end_reason or "closed")
        return reason

    async def _watch_primary(self, session: Session) -> None:
        """While on the backup, return to the primary once it accepts connections again."""
        primary = self._endpoints[0]
        while True:
            await asyncio.sleep(self.config.failback_interval)
            try:
                _, writer = await asyncio.wait_for(
                    asyncio.open_connection(primary.host, primary.port),
                    self.config.connect_timeout,
                )
            except (OSError, TimeoutError):
                continue
            writer.transport.abort()
            _LOGGER.info("Primary SMPP server %s is back; returning to it", primary)
            session.end_reason = "failback"
            session.request_unbind()
            return

    def _switch_endpoint(self) -> None:
        self._active = (self._active + 1) % len(self._endpoints)
        _LOGGER.warning("Switching to SMPP server %s", self.endpoint)

    def _auth_failed(self, err: AuthFailed) -> None:
        _LOGGER.error("SMS Center refused the login or password (%s)", err.placeholders)
        self._set_status(
            state=LinkState.AUTH_FAILED,
            last_error="invalid_auth",
            last_error_status=_status_of(err),
        )
        if self._on_auth_failed:
            self._on_auth_failed(err)

    def _failed(self, err: LinkError, failures: int) -> None:
        message = redact_text(str(err), (self.config.password,))
        if not self._reported_down and not self.status.bound:
            self._reported_down = True
            _LOGGER.warning("SMPP link unavailable: %s; retrying with backoff", message)
        else:
            _LOGGER.debug("Bind attempt %s failed: %s", failures, message)
        self.status.last_error = err.key
        self.status.last_error_status = _status_of(err)
        self._notify()

    def _bound_changed(self, reason: str | None = None) -> None:
        bound = sum(1 for s in self._sessions.values() if s.is_bound)
        was = self.status.bound
        if reason is not None and not self._stopping and reason != "failback":
            self.status.reconnects += 1
        endpoint = self.endpoint
        self._set_status(
            state=LinkState.BOUND if bound else LinkState.CONNECTING,
            bound_sessions=bound,
            server=str(endpoint) if bound else self.status.server,
            on_backup=not endpoint.primary,
        )
        if bound and not was:
            if self._reported_down or self._was_bound:
                _LOGGER.info("SMPP link to %s is up", endpoint)
            self._reported_down = False
            self._was_bound = True
            self.status.last_error = None
            self.status.last_error_status = None
        elif not bound and was and not self._stopping:
            _LOGGER.warning("SMPP link to %s lost (%s); reconnecting", endpoint, reason)
            self._reported_down = True

    def _set_status(self, **changes: Any) -> None:
        new = replace(self.status, **changes)
        if new.bound != self.status.bound or new.state != self.status.state:
            new.since = time.time()
        self.status = new
        self._notify()

    def _notify(self) -> None:
        if self._on_status is not None:
            self._on_status(self.status)


def _status_of(err: LinkError) -> int | None:
    status = getattr(err, "status", None)
    if isinstance(status, int):
        return status
    value = err.placeholders.get("status")
    return int(value, 16) if value else None


async def probe_bind(
    config: LinkConfig, *, ssl_context: ssl.SSLContext | None, timeout: float = 10.0
) -> None:
    """Bind once, unbind and close (the config flow's check).

    Raises CannotConnect, TlsError, AuthFailed or BindRefused.
    """
    link = Link(
        replace(config, connect_timeout=timeout, response_timeout=timeout),
        outbox=_NullOutbox(),
        ssl_context=ssl_context,
    )
    session = Session(link, Endpoint(config.host, config.port))
    try:
        await asyncio.wait_for(session.connect(), timeout * 2)
    except TimeoutError as err:
        raise CannotConnect("cannot_connect", server=str(session.endpoint)) from err
    finally:
        await session.close(unbind=True)
