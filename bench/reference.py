"""Reference clients on the same simulator: the raw pipelined ceiling and a bare ESME."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from aiosmpplib import ESME, AbstractHook, SmppCommandStatus
from aiosmpplib.broker import SimpleBroker
from aiosmpplib.protocol import SubmitSm, SubmitSmResp
from aiosmpplib.state import BindMode, PhoneNumber

from custom_components.smscentre.smsc.smpp.correlator import FastCorrelator
from smscsim.client import RawClient

from .simproc import ACCOUNT


async def raw_ceiling(port: int, count: int, window: int = 300, *, prefix: str) -> float:
    """submit_sm/s of the raw pipelined client (no Home Assistant, no aiosmpplib)."""
    client = RawClient("127.0.0.1", port, ACCOUNT[0], ACCOUNT[1], "transmitter")
    if status := await client.bind():
        raise RuntimeError(f"raw bind failed: 0x{status:02X}")
    try:
        await client.submit_many(min(count, 2000), window, text=prefix + " warm {i}")
        stats = await client.submit_many(count, window, text=prefix + " raw {i}")
    finally:
        await client.unbind()
        await client.close()
    if stats.ok != count:
        raise RuntimeError(f"raw client: {stats.ok} of {count} accepted ({stats.failed})")
    return stats.rate


class _CountingHook(AbstractHook):
    def __init__(self, total: int) -> None:
        self.total = total
        self.ok = 0
        self.other = 0
        self.first_sent: float | None = None
        self.done = asyncio.get_running_loop().create_future()

    async def sending(self, smpp_message: Any, pdu: bytes, client_id: str) -> None:
        if self.first_sent is None and isinstance(smpp_message, SubmitSm):
            self.first_sent = time.perf_counter()

    async def received(self, smpp_message: Any, pdu: bytes, client_id: str) -> None:
        if isinstance(smpp_message, SubmitSmResp):
            if smpp_message.command_status == SmppCommandStatus.ESME_ROK:
                self.ok += 1
            else:
                self.other += 1
            if self.ok + self.other >= self.total and not self.done.done():
                self.done.set_result(time.perf_counter())

    async def send_error(self, smpp_message: Any, error: Exception, client_id: str) -> None:
        self.other += 1


async def bare_esme(
    port: int, count: int, *, fast: bool, prefix: str, timeout: float = 60.0
) -> dict[str, Any]:
    """Stock aiosmpplib ESME: every message enqueued, then timed from the first send to the
    last SUBMIT_SM_RESP. ``fast`` swaps its SimpleCorrelator for our O(1) one."""
    hook = _CountingHook(count)
    broker = SimpleBroker(maxsize=count + 10)
    esme = ESME(
        smsc_host="127.0.0.1",
        smsc_port=port,
        system_id=ACCOUNT[0],
        password=ACCOUNT[1],
        bind_mode=BindMode.TRANSMITTER,
        log_level=logging.CRITICAL,
        log_handler=logging.NullHandler(),
        hook=hook,
        broker=broker,
        correlator=FastCorrelator(3600.0) if fast else None,
        enquire_link_interval=300.0,
        socket_timeout=30.0,
    )
    for index in range(count):
        await broker.enqueue(
            SubmitSm(
                short_message=f"{prefix} esme {index}",
                source=PhoneNumber("SMSC"),
                destination=PhoneNumber(f"7{9_000_000_000 + index}"),
                registered_delivery=0,
            )
        )
    task = asyncio.create_task(esme.start())
    timed_out = False
    try:
        end = await asyncio.wait_for(asyncio.shield(hook.done), timeout)
    except TimeoutError:
        end = time.perf_counter()
        timed_out = True
    finally:
        await esme.stop()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    elapsed = end - (hook.first_sent or end)
    return {
        "per_s": hook.ok / elapsed if elapsed > 0 else 0.0,
        "accepted": hook.ok,
        "other": hook.other,
        "timed_out": timed_out,
    }
