"""aiosmpplib 0.7.4 (the client the integration builds on) understands the simulator."""

from __future__ import annotations

import asyncio

from aiosmpplib import ESME, AbstractHook
from aiosmpplib.broker import SimpleBroker
from aiosmpplib.protocol import DeliverSm, SmppMessage, SubmitSm
from aiosmpplib.state import NPI, TON, PhoneNumber
import pytest

from smscsim import SmscSimulator


class RecordingHook(AbstractHook):
    """Keeps what the ESME received."""

    def __init__(self) -> None:
        self.received_messages: list[SmppMessage | None] = []
        self.errors: list[Exception] = []

    async def sending(self, smpp_message: SmppMessage, pdu: bytes, client_id: str) -> None:
        return

    async def received(self, smpp_message: SmppMessage | None, pdu: bytes, client_id: str) -> None:
        self.received_messages.append(smpp_message)

    async def send_error(self, smpp_message: SmppMessage, error: Exception, client_id: str) -> None:
        self.errors.append(error)


async def test_refused_bind_loses_the_status(sim: SmscSimulator) -> None:
    """DESIGN 3: a header-only error bind_resp makes connect() raise ValueError."""
    esme = ESME("127.0.0.1", sim.port, "test", "wrong", log_level="ERROR")
    with pytest.raises(ValueError, match="subsection not found"):
        await esme.connect()
    assert sim.binds[0].status == 0x0E
    assert esme._writer is not None
    esme._writer.close()
    await esme._writer.wait_closed()


async def test_submit_receipt_and_incoming(sim: SmscSimulator) -> None:
    hook = RecordingHook()
    broker = SimpleBroker()
    esme = ESME(
        "127.0.0.1",
        sim.port,
        "test",
        "secret",
        hook=hook,
        broker=broker,
        log_level="ERROR",
        enquire_link_interval=30.0,
    )
    tasks_before = asyncio.all_tasks()
    task = asyncio.create_task(esme.start())
    writer = None
    try:
        await sim.wait_for(lambda s: bool(s.sessions))
        writer = esme._writer
        await broker.enqueue(
            SubmitSm(
                short_message="Hello",
                source=PhoneNumber("SMSC", TON.ALPHANUMERIC),
                destination=PhoneNumber("79991234567", TON.INTERNATIONAL, NPI.ISDN),
                log_id="x1",
            )
        )
        await sim.wait_for(lambda s: bool(s.deliver_responses))  # the receipt was answered
        await sim.deliver_sm(source="79991234567", destination="1", text="Привет")
        await sim.wait_for(lambda s: len(s.deliver_responses) == 2)
        assert set(sim.deliver_responses.values()) == {0}
        assert sim.count_text("Hello") == 1
        delivers = [m for m in hook.received_messages if isinstance(m, DeliverSm)]
        assert delivers[0].is_receipt()
        assert delivers[1].short_message == "Привет"
        assert hook.errors == []
    finally:
        await esme.stop()
        await asyncio.wait_for(task, 5)
        # aiosmpplib's disconnect drops its StreamWriter without closing it (ResourceWarning)
        if writer is not None:
            writer.close()
            await writer.wait_closed()
        # its connection keeper leaks an asyncio.sleep(enquire_link_interval) task when cancelled
        leaked = asyncio.all_tasks() - tasks_before - {asyncio.current_task()}
        for leftover in leaked:
            leftover.cancel()
        await asyncio.gather(*leaked, return_exceptions=True)
