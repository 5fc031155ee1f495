"""A tiny raw-socket asyncio SMPP 3.4 client: the simulator's own tests and the benchmark.

Pipelined: `submit_many` keeps `window` SUBMIT_SMs in flight, driven from the protocol
callbacks (no task per PDU), with writes batched per read.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
import ssl as ssl_module
import time
from typing import Any

from . import text as textcodec
from .pdu import (
    DELIVER_SM,
    DELIVER_SM_RESP,
    ENQUIRE_LINK,
    ENQUIRE_LINK_RESP,
    HEADER,
    HEADER_LEN,
    MODE_COMMANDS,
    QUERY_SM,
    RESPONSE_BIT,
    SUBMIT_SM,
    SUBMIT_SM_RESP,
    UNBIND,
    UNBIND_RESP,
    PduError,
    SmBody,
    cstr,
    encode_sm,
    parse_sm,
    pdu,
    read_cstr,
)


@dataclass(slots=True)
class SubmitStats:
    """Outcome of submit_many."""

    sent: int = 0
    ok: int = 0
    failed: dict[int, int] = field(default_factory=dict)  # command_status -> count
    elapsed: float = 0.0
    missing: int = 0  # sent without a response when it returned

    @property
    def rate(self) -> float:
        """Responses per second."""
        answered = self.ok + sum(self.failed.values())
        return answered / self.elapsed if self.elapsed > 0 else 0.0


@dataclass(slots=True)
class _Bulk:
    total: int
    make: Callable[[int], bytes]  # index -> SUBMIT_SM body
    stats: SubmitStats
    done: asyncio.Future[None]
    next_index: int = 0
    answered: int = 0
    seqs: set[int] = field(default_factory=set)


class SmppError(Exception):
    """A request answered with a non-zero command_status."""

    def __init__(self, status: int, message: str = "") -> None:
        super().__init__(message or f"command_status 0x{status:02X}")
        self.status = status


class RawClient(asyncio.Protocol):
    """Minimal ESME. Every request helper returns the response's command_status."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 2775,
        system_id: str = "test",
        password: str = "secret",
        mode: str = "transceiver",
        system_type: str = "",
        ssl: ssl_module.SSLContext | None = None,
        *,
        interface_version: int = 0x34,
        deliver_status: int | None = 0,
        answer_enquire_link: bool = True,
        answer_unbind: bool = True,
        server_hostname: str | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.system_id = system_id
        self.password = password
        self.mode = mode
        self.system_type = system_type
        self.ssl = ssl
        self.server_hostname = server_hostname
        self.interface_version = interface_version
        self.deliver_status = deliver_status  # None: never answer DELIVER_SMs
        self.answer_enquire_link = answer_enquire_link
        self.answer_unbind = answer_unbind
        self.transport: asyncio.Transport | None = None
        self.bind_status: int | None = None
        self.delivers: list[SmBody] = []
        self.deliver_sequences: list[int] = []
        self.enquire_links_received = 0
        self.unbinds_received = 0
        self.generic_nacks: list[tuple[int, int]] = []  # (status, sequence)
        self._sequence = 0
        self._pending: dict[int, asyncio.Future[tuple[int, int, bytes]]] = {}
        self._bulk: _Bulk | None = None
        self._buffer = bytearray()
        self._out: list[bytes] = []
        self._batching = False
        self._closed: asyncio.Future[None] | None = None
        self._waiters: list[asyncio.Future[None]] = []

    # ------------------------------------------------------------------ connection
    async def connect(self, timeout: float = 5.0) -> None:
        loop = asyncio.get_running_loop()
        self._closed = loop.create_future()
        kwargs: dict[str, Any] = {}
        if self.ssl is not None:
            kwargs["ssl"] = self.ssl
            kwargs["server_hostname"] = self.server_hostname or self.host
        async with asyncio.timeout(timeout):
            await loop.create_connection(lambda: self, self.host, self.port, **kwargs)

    @property
    def connected(self) -> bool:
        return self.transport is not None and not self.transport.is_closing()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        for future in self._pending.values():
            if not future.done():
                future.set_exception(ConnectionError("connection lost"))
        self._pending.clear()
        if self._bulk is not None and not self._bulk.done.done():
            self._bulk.done.set_result(None)
        if self._closed is not None and not self._closed.done():
            self._closed.set_result(None)
        self._notify()

    async def wait_closed(self, timeout: float = 5.0) -> None:
        """Wait until the server closes the connection."""
        if self._closed is None:
            return
        async with asyncio.timeout(timeout):
            await asyncio.shield(self._closed)

    async def close(self) -> None:
        """Abort the connection (no UNBIND) and wait for it to be gone."""
        if self.transport is not None:
            self.transport.abort()
        if self._closed is not None:
            await asyncio.shield(self._closed)

    async def __aenter__(self) -> RawClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # ------------------------------------------------------------------ i/o
    def _next_sequence(self) -> int:
        self._sequence = self._sequence % 0x7FFFFFFF + 1
        return self._sequence

    def _write(self, data: bytes) -> None:
        if self._batching:
            self._out.append(data)
        elif self.transport is not None:
            self.transport.write(data)

    def send_raw(self, data: bytes) -> None:
        if self.transport is None:
            raise ConnectionError("not connected")
        self.transport.write(data)

    def send(self, command_id: int, body: bytes = b"", *, sequence: int | None = None) -> int:
        """Send a request without waiting; return its sequence."""
        if self.transport is None:
            raise ConnectionError("not connected")
        sequence = self._next_sequence() if sequence is None else sequence
        self._write(pdu(command_id, 0, sequence, body))
        return sequence

    async def request(
        self,
        command_id: int,
        body: bytes = b"",
        timeout: float = 5.0,
    ) -> tuple[int, int, bytes]:
        """Send a request; return (response command_id, command_status, body)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[tuple[int, int, bytes]] = loop.create_future()
        sequence = self.send(command_id, body)
        self._pending[sequence] = future
        try:
            async with asyncio.timeout(timeout):
                return await future
        finally:
            self._pending.pop(sequence, None)

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        size = len(buffer)
        offset = 0
        self._batching = True
        changed = False
        try:
            while size - offset >= HEADER_LEN:
                length, command_id, status, sequence = HEADER.unpack_from(buffer, offset)
                if length < HEADER_LEN:
                    if self.transport is not None:
                        self.transport.abort()
                    offset = size
                    break
                if size - offset < length:
                    break
                body = bytes(buffer[offset + HEADER_LEN : offset + length])
                offset += length
                if command_id & RESPONSE_BIT:
                    bulk = self._bulk
                    if bulk is not None and command_id == SUBMIT_SM_RESP and sequence in bulk.seqs:
                        self._bulk_response(bulk, sequence, status)
                        continue
                    future = self._pending.pop(sequence, None)
                    if future is not None and not future.done():
                        future.set_result((command_id, status, body))
                    elif command_id == RESPONSE_BIT:
                        self.generic_nacks.append((status, sequence))
                    changed = True
                else:
                    self._on_request(command_id, sequence, body)
                    changed = True
        finally:
            del buffer[:offset]
            self._batching = False
            if self._out:
                if self.transport is not None:
                    self.transport.write(b"".join(self._out))
                self._out.clear()
        if changed:
            self._notify()

    def _on_request(self, command_id: int, sequence: int, body: bytes) -> None:
        if command_id == DELIVER_SM:
            try:
                self.delivers.append(parse_sm(body))
            except PduError:
                self._write(pdu(DELIVER_SM_RESP, 0x08, sequence, b"\x00"))
                return
            self.deliver_sequences.append(sequence)
            if self.deliver_status is not None:
                self._write(pdu(DELIVER_SM_RESP, self.deliver_status, sequence, b"\x00"))
        elif command_id == ENQUIRE_LINK:
            self.enquire_links_received += 1
            if self.answer_enquire_link:
                self._write(pdu(ENQUIRE_LINK_RESP, 0, sequence))
        elif command_id == UNBIND:
            self.unbinds_received += 1
            if self.answer_unbind:
                self._write(pdu(UNBIND_RESP, 0, sequence))
        else:
            self._write(pdu(RESPONSE_BIT, 0x03, sequence))

    # ------------------------------------------------------------------ waiting
    def _notify(self) -> None:
        if self._waiters:
            waiters, self._waiters = self._waiters, []
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)

    async def wait_for(
        self,
        predicate: Callable[[RawClient], bool],
        timeout: float = 5.0,
    ) -> None:
        loop = asyncio.get_running_loop()
        async with asyncio.timeout(timeout):
            while not predicate(self):
                waiter: asyncio.Future[None] = loop.create_future()
                self._waiters.append(waiter)
                await waiter

    # ------------------------------------------------------------------ SMPP helpers
    async def bind(self, timeout: float = 5.0) -> int:
        """Connect if needed and bind; return the bind_resp command_status."""
        if self.transport is None:
            await self.connect(timeout)
        body = (
            cstr(self.system_id)
            + cstr(self.password)
            + cstr(self.system_type)
            + bytes((self.interface_version, 0, 0))
            + cstr("")
        )
        _, status, _ = await self.request(MODE_COMMANDS[self.mode], body, timeout)
        self.bind_status = status
        return status

    async def enquire_link(self, timeout: float = 5.0) -> int:
        _, status, _ = await self.request(ENQUIRE_LINK, b"", timeout)
        return status

    async def unbind(self, timeout: float = 2.0) -> int | None:
        """UNBIND; return the UNBIND_RESP status (None if the link is gone or silent)."""
        if self.transport is None:
            return None
        try:
            _, status, _ = await self.request(UNBIND, b"", timeout)
        except (TimeoutError, ConnectionError):
            return None
        return status

    @staticmethod
    def submit_body(
        destination: str,
        text: str | None = None,
        *,
        short_message: bytes | None = None,
        data_coding: int | None = None,
        source: str = "SMSC",
        esm_class: int = 0,
        registered_delivery: int = 0,
        tlvs: dict[int, bytes] | None = None,
        iso: bool = False,
        **extra: Any,
    ) -> bytes:
        if short_message is None:
            if text is None:
                raise ValueError("give text or short_message")
            if data_coding is None:
                data_coding, short_message = textcodec.choose(text, iso=iso)
            else:
                short_message = textcodec.encode(text, data_coding, iso=iso)
        return encode_sm(
            source=source,
            destination=destination,
            short_message=short_message,
            data_coding=data_coding or 0,
            esm_class=esm_class,
            registered_delivery=registered_delivery,
            tlvs=tlvs,
            **extra,
        )

    async def submit(
        self,
        destination: str,
        text: str | None = None,
        *,
        timeout: float = 5.0,
        **kwargs: Any,
    ) -> tuple[int, str | None]:
        """SUBMIT_SM; return (command_status, message_id or None)."""
        _, status, body = await self.request(
            SUBMIT_SM, self.submit_body(destination, text, **kwargs), timeout
        )
        message_id = None
        if body:
            try:
                message_id, _ = read_cstr(body, 0)
            except PduError:
                message_id = None
        return status, message_id

    async def query_sm(
        self,
        message_id: str,
        source: str = "SMSC",
        timeout: float = 5.0,
    ) -> tuple[int, str, int, int]:
        """QUERY_SM; return (command_status, final_date, message_state, error_code)."""
        body = cstr(message_id) + bytes((5, 0)) + cstr(source)
        _, status, resp = await self.request(QUERY_SM, body, timeout)
        if status or not resp:
            return status, "", 0, 0
        _, offset = read_cstr(resp, 0)
        final_date, offset = read_cstr(resp, offset)
        return status, final_date, resp[offset], resp[offset + 1]

    # ------------------------------------------------------------------ bulk
    async def submit_many(
        self,
        n: int,
        window: int = 300,
        dest: str = "79990000000",
        text: str = "bench {i}",
        *,
        registered_delivery: int = 0,
        source: str = "SMSC",
        timeout: float = 120.0,
    ) -> SubmitStats:
        """Send n SUBMIT_SMs keeping `window` in flight; "{i}" in text becomes the index."""
        if self.transport is None:
            raise ConnectionError("not connected")
        loop = asyncio.get_running_loop()
        # everything before registered_delivery; the tail is rebuilt per message
        head = encode_sm(source=source, destination=dest, short_message=b"")[:-5]
        templated = "{i}" in text
        fixed = None if templated else textcodec.choose(text)

        def make(index: int) -> bytes:
            data_coding, octets = fixed or textcodec.choose(text.replace("{i}", str(index)))
            return head + bytes((registered_delivery, 0, data_coding, 0, len(octets))) + octets

        stats = SubmitStats()
        bulk = _Bulk(n, make, stats, loop.create_future())
        self._bulk = bulk
        started = time.perf_counter()
        self._batching = True
        try:
            for _ in range(min(window, n)):
                self._bulk_send(bulk)
        finally:
            self._batching = False
            if self._out and self.transport is not None:
                self.transport.write(b"".join(self._out))
            self._out.clear()
        if n == 0:
            bulk.done.set_result(None)
        try:
            async with asyncio.timeout(timeout):
                await bulk.done
        except TimeoutError:
            pass
        finally:
            stats.elapsed = time.perf_counter() - started
            stats.missing = len(bulk.seqs)
            self._bulk = None
        return stats

    def _bulk_send(self, bulk: _Bulk) -> None:
        index = bulk.next_index
        bulk.next_index += 1
        sequence = self._next_sequence()
        bulk.seqs.add(sequence)
        bulk.stats.sent += 1
        self._write(pdu(SUBMIT_SM, 0, sequence, bulk.make(index)))

    def _bulk_response(self, bulk: _Bulk, sequence: int, status: int) -> None:
        bulk.seqs.discard(sequence)
        bulk.answered += 1
        if status == 0:
            bulk.stats.ok += 1
        else:
            bulk.stats.failed[status] = bulk.stats.failed.get(status, 0) + 1
        if bulk.next_index < bulk.total:
            self._bulk_send(bulk)
        elif not bulk.seqs and not bulk.done.done():
            bulk.done.set_result(None)


__all__ = ["RawClient", "SmppError", "SubmitStats"]
