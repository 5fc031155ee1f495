"""Kannel 1.4.5 on the same simulator, for comparison (optional: skipped when not installed).

bearerbox and smsbox run from a generated configuration in a temporary directory; bearerbox
binds to the simulator over SMPP like the integration does, and messages go in through
smsbox's ``sendsms`` HTTP interface, one recipient a request, as Home Assistant would send
them to Kannel. The fastest way found to feed it: 50 keep-alive connections, one request
in flight on each (``sendsms`` loses pipelined requests), from a raw asyncio client that
costs about 10 µs a request, so the client does not bound Kannel; and Kannel's own SMPP
window (``max-pending-submits``) left at its default of 10, which was faster than 1,000
(10 to 25 connections were slower, 100 much slower).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import contextlib
from dataclasses import dataclass
import os
import shutil
import socket
import tempfile
import time
from urllib.parse import urlencode

from .simproc import ACCOUNT, SimProcess

KANNEL_USER = ("bench", "bench")
CONNECTIONS = 50


def available() -> bool:
    """Whether bearerbox and smsbox are on PATH."""
    return bool(shutil.which("bearerbox") and shutil.which("smsbox"))


def _free_ports(count: int) -> list[int]:
    """Distinct free ports: each stays bound until all are chosen."""
    socks = [socket.socket() for _ in range(count)]
    try:
        for sock in socks:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in socks]
    finally:
        for sock in socks:
            sock.close()


@dataclass(slots=True)
class _Ports:
    admin: int
    smsbox: int
    sendsms: int


def _config(directory: str, smsc_port: int, ports: _Ports) -> str:
    """kannel.conf: one SMPP transceiver to the simulator, smsbox with sendsms."""
    return f"""\
group = core
admin-port = {ports.admin}
admin-password = bench
smsbox-port = {ports.smsbox}
box-allow-ip = 127.0.0.1
log-level = 4
log-file = "{directory}/bearerbox.log"
dlr-storage = internal

group = smsc
smsc = smpp
smsc-id = sim
host = 127.0.0.1
port = {smsc_port}
transceiver-mode = true
smsc-username = {ACCOUNT[0]}
smsc-password = {ACCOUNT[1]}
system-type = ""
enquire-link-interval = 30
log-level = 4

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = {ports.smsbox}
sendsms-port = {ports.sendsms}
log-level = 4
log-file = "{directory}/smsbox.log"

group = sendsms-user
username = {KANNEL_USER[0]}
password = {KANNEL_USER[1]}
"""


def _write(directory: str, config: str) -> str:
    """Write kannel.conf (the boxes log to files beside it); return its path."""
    path = os.path.join(directory, "kannel.conf")
    with open(path, "w", encoding="ascii") as file:
        file.write(config)
    return path


class _SendSms(asyncio.Protocol):
    """One keep-alive HTTP connection: one request in flight, the next on each answer."""

    def __init__(self, requests: list[bytes], done: asyncio.Future[int]) -> None:
        self.requests = requests
        self.done = done
        self.buffer = b""
        self.accepted = 0
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self._next()

    def _next(self) -> None:
        assert self.transport is not None
        if self.requests:
            self.transport.write(self.requests.pop())
        else:
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            head = self.buffer[:end].lower()
            at = head.find(b"content-length:")
            length = int(head[at + 15 : head.find(b"\r\n", at)]) if at >= 0 else 0
            if len(self.buffer) < end + 4 + length:
                return
            if head.startswith((b"http/1.1 202", b"http/1.0 202")):
                self.accepted += 1
            self.buffer = self.buffer[end + 4 + length :]
            self._next()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done.done():
            self.done.set_result(self.accepted)


class Kannel:
    """bearerbox + smsbox bound to the simulator; ``send`` feeds sendsms."""

    def __init__(self, sim: SimProcess) -> None:
        self.sim = sim
        self.ports = _Ports(*_free_ports(3))
        self._dir: tempfile.TemporaryDirectory[str] | None = None
        self._processes: list[asyncio.subprocess.Process] = []

    @contextlib.asynccontextmanager
    async def running(self, timeout: float = 20.0) -> AsyncIterator[Kannel]:
        """Start both boxes, wait for the SMPP bind and the sendsms port; stop them after."""
        with tempfile.TemporaryDirectory(prefix="smscentre-kannel-") as directory:
            path = _write(directory, _config(directory, self.sim.port, self.ports))
            try:
                for box in ("bearerbox", "smsbox"):
                    self._processes.append(
                        await asyncio.create_subprocess_exec(
                            box,
                            path,
                            stdout=asyncio.subprocess.DEVNULL,
                            stderr=asyncio.subprocess.DEVNULL,
                        )
                    )
                    if box == "bearerbox":
                        await self._wait_bound(timeout)
                await self._wait_port(self.ports.sendsms, timeout)
                yield self
            finally:
                await self._stop()

    async def _wait_bound(self, timeout: float) -> None:
        end = time.monotonic() + timeout
        while not (await self.sim.call("stats"))["sessions"]:
            if time.monotonic() > end:
                raise RuntimeError("Kannel did not bind to the simulator")
            await asyncio.sleep(0.05)

    @staticmethod
    async def _wait_port(port: int, timeout: float) -> None:
        end = time.monotonic() + timeout
        while True:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                if time.monotonic() > end:
                    raise RuntimeError(f"Kannel's port {port} did not open") from None
                await asyncio.sleep(0.05)
                continue
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
            return

    async def _stop(self) -> None:
        for process in reversed(self._processes):  # smsbox first, then bearerbox
            if process.returncode is None:
                process.terminate()
                try:
                    await asyncio.wait_for(process.wait(), 10)
                except TimeoutError:
                    process.kill()
                    await process.wait()
        self._processes.clear()

    async def send(self, recipients: list[str], texts: list[str]) -> tuple[int, float]:
        """One sendsms request per recipient; (accepted, seconds until the last answer)."""
        user, password = KANNEL_USER
        requests = [
            (
                "GET /cgi-bin/sendsms?"
                + urlencode(
                    {"username": user, "password": password, "from": "Bench", "to": to, "text": t}
                )
                + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
            ).encode("ascii")
            for to, t in zip(recipients, texts, strict=True)
        ]
        requests.reverse()  # popped from the end: first in, first out
        loop = asyncio.get_running_loop()
        start = time.perf_counter()
        done: list[asyncio.Future[int]] = []
        for _ in range(min(CONNECTIONS, len(requests))):
            future: asyncio.Future[int] = loop.create_future()
            done.append(future)
            await loop.create_connection(
                lambda f=future: _SendSms(requests, f),  # type: ignore[misc]
                "127.0.0.1",
                self.ports.sendsms,
            )
        accepted = sum(await asyncio.gather(*done))
        return accepted, time.perf_counter() - start
