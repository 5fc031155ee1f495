"""One SMPP connection: aiosmpplib's ESME, with what it gets wrong for us replaced.

aiosmpplib 0.7.4 supplies the session object (``ESME``), the PDU classes and ``_send_data``
for binds and keepalives, and the sequence numbers. Overridden here:

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
* logging through :mod:`..redact`, and an O(1) correlator.

A session is given what it needs (config, endpoint, the outbox it sends from, the TLS context,
the DELIVER_SM handler); ``Link`` supervises sessions.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
import logging
import ssl
import time
from typing import Any, Protocol

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

from ..errors import AuthFailed, BindRefused, CannotConnect, TlsError
from ..message import PartRef
from ..redact import SafeStructuredLogger
from .config import Endpoint, LinkConfig
from .correlator import FastCorrelator
from .pdu import (
    AUTH_STATUSES,
    BIND_RESP,
    DELIVER_SM,
    DELIVER_SM_RESP,
    ENQUIRE_LINK,
    ENQUIRE_LINK_RESP,
    ESME_RALYBND,
    ESME_RINVCMDID,
    ESME_ROK,
    ESME_RUNKNOWNERR,
    GENERIC_NACK,
    HEADER,
    MAX_PDU_LENGTH,
    QUERY_SM_RESP,
    SUBMIT_SM_RESP,
    UNBIND,
    UNBIND_RESP,
    QueryResult,
    query_result,
    query_sm,
    submit_sm,
    unbind as unbind_pdu,
)

_LOGGER = logging.getLogger(__name__)

_READ_SIZE = 2**18  # bytes read at a time by the receive loop
_MAX_BATCH = 256  # SUBMIT_SMs written together at most
_HIGH_WATER = 2**18  # unsent bytes above which the sender waits for the socket

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


class PartSource(Protocol):
    """Where a session takes the parts it sends, and reports their outcome (the outbox)."""

    async def next_part(self) -> PartRef:
        """Wait until a part may go."""

    def next_part_nowait(self) -> PartRef | None:
        """A part that may go now, or None."""

    def on_response(self, token: int, status: int, message_id: str | None) -> None:
        """The SUBMIT_SM_RESP of an attempt."""

    def on_timeout(self, token: int) -> None:
        """An attempt without a response."""


def _token_of(request: object) -> int | None:
    """The outbox token of a submit in the correlator (an int); None for other requests."""
    if type(request) is int:
        return request
    return None


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

    def __init__(
        self,
        config: LinkConfig,
        endpoint: Endpoint,
        *,
        outbox: PartSource,
        ssl_context: ssl.SSLContext | None = None,
        deliver_handler: Callable[[bytes], int] | None = None,
    ) -> None:
        """Build an ESME for this endpoint."""
        self.config = config
        self.endpoint = endpoint
        self.outbox = outbox
        self.ssl_context = ssl_context
        self.deliver_handler = deliver_handler
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
        self.outbox.on_response(token, status, message_id)

    @property
    def is_bound(self) -> bool:
        """Bound and not closing."""
        return self._session_state == self.bind_mode.session_state and not self._closing

    # --- connect and bind ------------------------------------------------------------
    async def connect(self) -> None:
        """Open TCP (then TLS) and bind; raise a LinkError subclass on failure."""
        config = self.config
        host, port = self.endpoint.host, self.endpoint.port
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(host, port, limit=MAX_PDU_LENGTH), config.connect_timeout
            )
        except (OSError, TimeoutError) as err:
            raise CannotConnect("cannot_connect", server=str(self.endpoint)) from err
        self._reader, self._writer = reader, writer
        if self.ssl_context is not None:
            try:
                await asyncio.wait_for(
                    writer.start_tls(self.ssl_context, server_hostname=host),
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
            length, command, status, _seq = HEADER.unpack(header)
            if 16 < length <= MAX_PDU_LENGTH:
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
        unpack_from = HEADER.unpack_from
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
                    if length < 16 or length > MAX_PDU_LENGTH:
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
            deliver = self.deliver_handler
            if deliver is not None:
                try:
                    result = deliver(body)
                except Exception:  # the handler must never cost us the link
                    _LOGGER.exception("Incoming PDU handler failed")
            replies.append(HEADER.pack(17, DELIVER_SM_RESP, result, seq) + b"\x00")
        elif command == ENQUIRE_LINK_RESP:
            correlator.pop(seq)
            self._enquire_sent_at = None
        elif command == ENQUIRE_LINK:
            replies.append(HEADER.pack(16, ENQUIRE_LINK_RESP, ESME_ROK, seq))
        elif command == QUERY_SM_RESP:
            correlator.pop(seq)
            future = self._queries.pop(seq, None)
            if future is not None and not future.done():
                future.set_result(query_result(body, status))
        elif command == UNBIND:
            replies.append(HEADER.pack(16, UNBIND_RESP, ESME_ROK, seq))
            self.end_reason = self.end_reason or "unbind from server"
            return True
        elif command == UNBIND_RESP:
            self.end_reason = self.end_reason or "unbound"
            return True
        elif not command & 0x80000000:
            replies.append(HEADER.pack(16, GENERIC_NACK, ESME_RINVCMDID, seq))
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
        outbox = self.outbox
        correlator = self.fast_correlator
        source = self.config.source
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
                    data = submit_sm(ref.spec, ref.index, default_source, sequence)
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
                    self.outbox.on_timeout(token)
            if sent_at is None and now - self.last_sent >= interval:
                self._enquire_sent_at = now
                await self._send_data(EnquireLink())

    async def query(self, message_id: str, source: str) -> QueryResult:
        """QUERY_SM for a message id."""
        seq = self.sequence_generator.next_sequence()
        future: asyncio.Future[QueryResult] = asyncio.get_running_loop().create_future()
        self._queries[seq] = future
        self._write(query_sm(seq, message_id, source))
        try:
            return await asyncio.wait_for(future, self.socket_timeout)
        finally:
            self._queries.pop(seq, None)

    def release(self) -> None:
        """Give every unanswered part back to the outbox (the session is over)."""
        outbox = self.outbox
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
                self._write(unbind_pdu(seq))
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
        self._write(unbind_pdu(self.sequence_generator.next_sequence()))

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
        length, command, _status, _seq = HEADER.unpack(header)
        if length > 16:
            await reader.readexactly(min(length, MAX_PDU_LENGTH) - 16)
        if command == UNBIND_RESP:
            return
