"""SMPP sessions: one asyncio protocol per client connection, and the set of them.

A `Session` reads whole PDUs, answers ENQUIRE_LINK and UNBIND itself and hands BIND,
SUBMIT_SM and QUERY_SM to its handler (``smscsim.commands``); it writes the answers to one read
in one write, closes a connection idle too long and sends the server's own ENQUIRE_LINKs.
`Sessions` is what every session shares: who is connected and bound as which login, the timing
settings, the sequence numbers of the server's requests, the DELIVER_SMs written and their
answers, and the CPU each PDU costs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import logging
import time
from typing import Any, Protocol

from .mailbox import Mailbox
from .pdu import (
    BIND_MODES,
    DELIVER_SM,
    ENQUIRE_LINK,
    ENQUIRE_LINK_RESP,
    ESME_RINVCMDID,
    ESME_RINVCMDLEN,
    ESME_RSYSERR,
    GENERIC_NACK,
    HEADER,
    HEADER_LEN,
    MAX_PDU_LEN,
    QUERY_SM,
    RESPONSE_BIT,
    SUBMIT_SM,
    UNBIND,
    UNBIND_RESP,
    pdu,
)

_LOGGER = logging.getLogger(__name__)

WRITE_HIGH_WATER = 256 * 1024
WRITE_LOW_WATER = 64 * 1024


def burn(seconds: float) -> None:
    """Keep this thread's CPU busy for ``seconds`` of its own CPU time (not wall time): what
    an SMSC that does real work per PDU costs, even when the process is descheduled."""
    if seconds <= 0:
        return
    clock = time.thread_time
    end = clock() + seconds
    while clock() < end:
        pass


class Handler(Protocol):
    """Answers the requests a session does not answer itself (``smscsim.commands``)."""

    def bind(self, session: Session, command_id: int, sequence: int, body: bytes) -> None: ...

    def submit(self, session: Session, sequence: int, body: bytes) -> None: ...

    def query(self, session: Session, sequence: int, body: bytes) -> None: ...


class Hangs(Protocol):
    """The fault a session asks about on every read (``smscsim.faults``)."""

    def hanging(self) -> bool: ...


class Sessions:
    """Every connection of the SMPP listeners and what their sessions share."""

    def __init__(
        self,
        notify: Callable[[], None],
        *,
        inactivity_timeout: float,
        enquire_link_interval: float | None,
        count_responses_as_activity: bool,
        pdu_cost: float,
    ) -> None:
        self.notify = notify  # wakes the simulator's wait_for
        self.inactivity_timeout = inactivity_timeout
        self.enquire_link_interval = enquire_link_interval
        self.count_responses_as_activity = count_responses_as_activity
        # seconds of CPU spent per PDU received (0: as fast as it goes), for an SMSC whose
        # speed is closer to a real one; ``pdus_charged`` counts the PDUs it was spent on
        self.pdu_cost = pdu_cost
        self.pdus_charged = 0
        self.connections: dict[Session, None] = {}
        self.bound: dict[Session, None] = {}  # in bind order
        self.by_login: dict[str, list[Session]] = {}
        self.closed: list[Session] = []
        # the DELIVER_SMs written (sequence numbers) and their answers (sequence -> status)
        self.delivers_sent: list[int] = []
        self.deliver_responses: dict[int, int] = {}
        self.unanswered = 0
        # store and forward of DELIVER_SMs (``smscsim.mailbox``), when the simulator keeps them
        self.mailbox: Mailbox[Session] | None = None
        self._sequence = 0

    def next_sequence(self) -> int:
        """The sequence number of the server's next request."""
        self._sequence = self._sequence % 0x7FFFFFFF + 1
        return self._sequence

    def charge(self, pdus: int) -> None:
        """Spend ``pdu_cost`` of CPU for each of ``pdus`` PDUs just handled."""
        self.pdus_charged += pdus
        burn(self.pdu_cost * pdus)

    # -- who is connected and bound
    def made(self, session: Session) -> None:
        self.connections[session] = None

    def lost(self, session: Session) -> None:
        self.connections.pop(session, None)
        self.unbound(session)
        self.closed.append(session)
        if self.mailbox is not None:
            self.mailbox.lost(session)
        self.notify()

    def unbound(self, session: Session) -> None:
        if session in self.bound:
            del self.bound[session]
            peers = self.by_login.get(session.system_id)
            if peers is not None and session in peers:
                peers.remove(session)

    def register(self, session: Session) -> None:
        """Count a session bound as its login, closing the oldest beyond its MCON limit."""
        system_id = session.system_id
        peers = self.by_login.setdefault(system_id, [])
        while len(peers) >= session.mcon:
            older = peers.pop(0)
            _LOGGER.info("%r: new bind for %s, closing the older session", older, system_id)
            older.close("taken over")
        session.bound = True
        peers.append(session)
        self.bound[session] = None
        if self.mailbox is not None and session.can_receive:
            self.mailbox.bound()

    def receiver(self, system_id: str | None) -> Session:
        """A session that can take a DELIVER_SM: of this login, or of any (LookupError else)."""
        candidates = self.by_login.get(system_id, []) if system_id else self.bound
        for session in candidates:
            if session.can_receive and not session.closed:
                return session
        raise LookupError(f"no bound receiver/transceiver session for {system_id or 'any login'}")

    def receiver_for(self, origin: Session | None, system_id: str) -> Session | None:
        """Where a receipt goes: the session the message came in on if it can receive, else
        the login's first receiver or transceiver, else nowhere."""
        if origin is not None and origin.can_receive and not origin.closed:
            return origin
        for session in self.by_login.get(system_id, ()):
            if session.can_receive and not session.closed:
                return session
        return None

    def receiver_or_none(self, system_id: str | None) -> Session | None:
        try:
            return self.receiver(system_id)
        except LookupError:
            return None

    def drop_all(self) -> None:
        """Abort every connection at once (no UNBIND)."""
        for session in list(self.connections):
            session.abort()
        self.notify()

    # -- DELIVER_SM
    def deliver(self, session: Session, body: bytes) -> int:
        """Write a DELIVER_SM and await its answer; its sequence number."""
        sequence = session.send_request(DELIVER_SM, body)
        self.unanswered += 1
        if self.mailbox is not None:
            self.mailbox.written(sequence, session, body)
        self.delivers_sent.append(sequence)
        self.notify()
        return sequence

    def delivered(self, sequence: int, status: int) -> None:
        """A DELIVER_SM_RESP came."""
        if sequence not in self.deliver_responses:
            self.unanswered -= 1
        self.deliver_responses[sequence] = status
        if self.mailbox is not None:
            self.mailbox.answered(sequence, status)

    def forget(self) -> None:
        """Forget the DELIVER_SMs written and answered (``reset_observations``)."""
        self.deliver_responses.clear()
        self.delivers_sent.clear()
        self.pdus_charged = 0


class Session(asyncio.Protocol):
    """One client connection (bound or not)."""

    def __init__(self, host: Sessions, handler: Handler, faults: Hangs, *, tls: bool) -> None:
        self.host = host
        self.handler = handler
        self.faults = faults
        self.tls = tls
        self.transport: asyncio.Transport | None = None
        self.peer: Any = None
        self.local_port = 0
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
        sockname = transport.get_extra_info("sockname")
        self.local_port = int(sockname[1]) if sockname else 0  # which listener it came to
        transport.set_write_buffer_limits(WRITE_HIGH_WATER, WRITE_LOW_WATER)
        self.host.made(self)
        self._arm_inactivity(self.host.inactivity_timeout)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.bound = False
        self._cancel_timers()
        if self._unbind_waiter is not None and not self._unbind_waiter.done():
            self._unbind_waiter.set_result(None)
        self.host.lost(self)
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
        host = self.host
        hanging = self.faults.hanging()
        handle = self._handle
        active = False
        handled = 0
        self._batching = True
        try:
            while size - offset >= HEADER_LEN:
                length, command_id, status, sequence = HEADER.unpack_from(buffer, offset)
                if length < HEADER_LEN or length > MAX_PDU_LEN:
                    _LOGGER.info("%r: impossible PDU length %d, closing", self, length)
                    self.send(pdu(GENERIC_NACK, ESME_RINVCMDLEN, sequence))
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
                if not command_id & RESPONSE_BIT or host.count_responses_as_activity:
                    active = True
                try:
                    handle(command_id, status, sequence, body)
                except Exception:
                    _LOGGER.exception("%r: error handling command 0x%08X", self, command_id)
                    if not command_id & RESPONSE_BIT:
                        self.send(pdu(GENERIC_NACK, ESME_RSYSERR, sequence))
                # a handler may have closed the session (mypy keeps the narrowing from the
                # check at the top, which no call undoes)
                if self.closed:
                    break  # type: ignore[unreachable]
        finally:
            del buffer[:offset]
            if handled and host.pdu_cost > 0:
                host.charge(handled)  # the work happens before the answers go out
            self._batching = False
            if self._out:
                self._flush()
        if active:
            self.last_client_pdu_at = time.monotonic()
        if not hanging:
            host.notify()

    def eof_received(self) -> bool | None:
        return None  # close the transport

    # -- output
    def send(self, data: bytes) -> None:
        """Write a PDU (with the others of this read when answering one)."""
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
        sequence = self.host.next_sequence()
        self._pending[sequence] = command_id
        self.send(pdu(command_id, 0, sequence, body))
        return sequence

    def write_raw(self, data: bytes) -> None:
        self.send(data)

    # -- closing
    def close(self, reason: str = "") -> None:
        """Close gracefully (pending output is flushed)."""
        if self.closed:
            return
        self.close_reason = reason
        self.closed = True
        self._cancel_timers()
        self.host.unbound(self)
        self.bound = False
        if self._batching and self._out:
            self._flush()
        if self.transport is not None:
            self.transport.close()

    def abort(self) -> None:
        """Drop the connection at once."""
        self.closed = True
        self._cancel_timers()
        self.host.unbound(self)
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
        timeout = self.host.inactivity_timeout
        if not timeout or timeout <= 0 or self.closed:
            return
        loop = asyncio.get_running_loop()
        self._inactivity = loop.call_later(max(delay, 0.001), self._check_inactivity)

    def _check_inactivity(self) -> None:
        self._inactivity = None
        if self.closed:
            return
        timeout = self.host.inactivity_timeout
        if self.faults.hanging():
            self._arm_inactivity(timeout)
            return
        idle = time.monotonic() - self.last_client_pdu_at
        if idle >= timeout:
            _LOGGER.info("%r: no PDU from the client for %.1f s, closing", self, idle)
            self.close("inactivity")
            self.host.notify()
        else:
            self._arm_inactivity(timeout - idle)

    def arm_enquire_link(self) -> None:
        """Send the server's ENQUIRE_LINK every ``enquire_link_interval`` (after a bind)."""
        interval = self.host.enquire_link_interval
        if not interval or self.closed:
            return
        loop = asyncio.get_running_loop()
        self._enquire = loop.call_later(interval, self._send_enquire_link)

    def _send_enquire_link(self) -> None:
        self._enquire = None
        if self.closed:
            return
        if not self.faults.hanging():
            self.send_request(ENQUIRE_LINK)
            self.enquire_links_sent += 1
            self.host.notify()
        self.arm_enquire_link()

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
        handler = self.handler
        if command_id == SUBMIT_SM:
            handler.submit(self, sequence, body)
        elif command_id & RESPONSE_BIT:
            self._on_response(command_id, status, sequence)
        elif command_id == ENQUIRE_LINK:
            self.enquire_links_received += 1
            self.send(pdu(ENQUIRE_LINK_RESP, 0, sequence))
        elif command_id in BIND_MODES:
            handler.bind(self, command_id, sequence, body)
        elif command_id == QUERY_SM:
            handler.query(self, sequence, body)
        elif command_id == UNBIND:
            self.send(pdu(UNBIND_RESP, 0, sequence))
            self.close("unbind")
        else:
            self.send(pdu(GENERIC_NACK, ESME_RINVCMDID, sequence))

    def _on_response(self, command_id: int, status: int, sequence: int) -> None:
        request = self._pending.pop(sequence, None)
        if request is None:
            return  # a response to nothing: ignore
        if request == DELIVER_SM:
            self.host.delivered(sequence, status)
        elif request == ENQUIRE_LINK:
            self.enquire_link_responses += 1
        elif (
            request == UNBIND
            and command_id in (UNBIND_RESP, GENERIC_NACK)
            and self._unbind_waiter is not None
            and not self._unbind_waiter.done()
        ):
            self._unbind_waiter.set_result(None)
