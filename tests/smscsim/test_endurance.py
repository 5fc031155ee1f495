"""What a long run against the simulator needs: store and forward of DELIVER_SMs, a backup
server sharing the store, a throttling storm for a time, and complete messages observed as
they come."""

from __future__ import annotations

from collections.abc import AsyncIterator
import time

import pytest

from smscsim import SmscSimulator
from smscsim.client import RawClient
from smscsim.model import Message
from smscsim.pdu import ESME_RTHROTTLED

from .conftest import Connect

PHONE = "79990000001"


@pytest.fixture
async def keeping() -> AsyncIterator[SmscSimulator]:
    """A simulator with store and forward and a backup listener."""
    simulator = SmscSimulator(accounts={"test": "secret"}, store_and_forward=True, backup_port=0)
    await simulator.start()
    yield simulator
    await simulator.stop()


async def test_receipt_with_no_receiver_waits_for_the_next_bind(
    keeping: SmscSimulator, connect: Connect
) -> None:
    sender = await connect("transmitter", target=keeping)
    status, message_id = await sender.submit(PHONE, "hello", registered_delivery=1)
    assert status == 0
    assert keeping.smpp.mailbox is not None
    assert len(keeping.smpp.mailbox) == 1
    receiver = await connect("receiver", target=keeping)
    await receiver.wait_for(lambda c: len(c.delivers) == 1)
    assert message_id is not None
    assert f"id:{message_id}".encode() in receiver.delivers[0].short_message
    await keeping.wait_for(lambda s: s.smpp.mailbox is not None and not s.smpp.mailbox)


async def test_incoming_sms_kept_while_nobody_is_bound(
    keeping: SmscSimulator, connect: Connect
) -> None:
    assert await keeping.deliver_sm(source=PHONE, destination="1234", text="one") == 0
    await keeping.deliver_long(
        source=PHONE, destination="1234", text="x" * 200, order=[2, 1, 3], per_part=67
    )
    client = await connect(target=keeping)
    await client.wait_for(lambda c: len(c.delivers) == 4)


async def test_unanswered_deliver_sm_is_written_again_after_a_drop(
    keeping: SmscSimulator, connect: Connect
) -> None:
    silent = await connect(target=keeping, deliver_status=None)
    await keeping.deliver_sm(source=PHONE, destination="1234", text="again")
    await silent.wait_for(lambda c: len(c.delivers) == 1)
    keeping.drop_all()
    await keeping.wait_for(lambda s: not s.sessions)
    client = await connect(target=keeping)
    await client.wait_for(lambda c: len(c.delivers) == 1)
    assert client.delivers[0].short_message == b"again"
    mailbox = keeping.smpp.mailbox
    assert mailbox is not None
    await keeping.wait_for(lambda s: not mailbox)
    assert mailbox.resent == 1


async def test_error_answer_is_retried(keeping: SmscSimulator, connect: Connect) -> None:
    refusing = await connect(target=keeping, deliver_status=0x08)
    await keeping.deliver_sm(source=PHONE, destination="1234", text="retry me")
    await refusing.wait_for(lambda c: len(c.delivers) >= 2, timeout=5)


async def test_without_store_and_forward_nothing_is_kept(sim: SmscSimulator) -> None:
    with pytest.raises(LookupError):
        await sim.deliver_sm(source=PHONE, destination="1234", text="lost")
    assert sim.smpp.mailbox is None


async def test_backup_server_shares_the_store_and_the_primary_goes_down_and_up(
    keeping: SmscSimulator,
) -> None:
    assert keeping.backup_port is not None
    assert keeping.backup_port != keeping.port
    primary = RawClient("127.0.0.1", keeping.port, "test", "secret")
    assert await primary.bind() == 0
    await keeping.server_down()
    assert not keeping.server_is_up()
    await primary.wait_for(lambda c: c.transport is None or c.transport.is_closing())
    with pytest.raises(ConnectionRefusedError):
        await RawClient("127.0.0.1", keeping.port, "test", "secret").connect()
    backup = RawClient("127.0.0.1", keeping.backup_port, "test", "secret")
    try:
        assert await backup.bind() == 0
        assert (await backup.submit(PHONE, "via backup"))[0] == 0
        assert keeping.count_text("via backup") == 1
        await keeping.server_up()
        assert keeping.server_is_up()
        again = RawClient("127.0.0.1", keeping.port, "test", "secret")
        assert await again.bind() == 0
        await again.close()
    finally:
        await backup.close()
        await primary.close()


async def test_throttling_storm_for_a_time(sim: SmscSimulator, connect: Connect) -> None:
    client = await connect()
    sim.fail_submits(ESME_RTHROTTLED, duration=0.3)
    assert (await client.submit(PHONE, "a"))[0] == ESME_RTHROTTLED
    assert (await client.submit(PHONE, "b"))[0] == ESME_RTHROTTLED
    deadline = time.monotonic() + 0.4
    while time.monotonic() < deadline:
        await client.enquire_link()
    assert (await client.submit(PHONE, "c"))[0] == 0
    assert not sim.faults.on_submit


async def test_listeners_see_each_complete_message_once(
    sim: SmscSimulator, connect: Connect
) -> None:
    sim.history = 0  # the observer needs none of the store's lists
    seen: list[str] = []

    def complete(message: Message) -> None:
        seen.append(message.text)

    sim.store.listeners.append(complete)
    client = await connect()
    await client.submit(PHONE, "short")
    long_text = "y" * 300
    for number, chunk in enumerate((long_text[:153], long_text[153:]), 1):
        udh = bytes((5, 0, 3, 7, 2, number))
        await client.submit(PHONE, short_message=udh + chunk.encode(), esm_class=0x40)
    assert seen == ["short", long_text]
    # a part accepted twice opens another message, which never completes
    for content in (b"a", b"b"):  # (the same octets twice would be a duplicate: 0x45)
        udh = bytes((5, 0, 3, 8, 2, 1))
        assert (await client.submit(PHONE, short_message=udh + content, esm_class=0x40))[0] == 0
    assert sim.store.repeated_parts == 1
    assert sim.store.open_messages == 1  # the second; the first is no longer open either
    assert sim.messages() == []


async def test_accepted_and_unanswered_submits_are_kept(
    sim: SmscSimulator, connect: Connect
) -> None:
    sim.history = 0
    client = await connect()
    sim.drop_responses(1)
    with pytest.raises(TimeoutError):
        await client.submit(PHONE, "no answer", timeout=0.3)
    assert (await client.submit(PHONE, "answered"))[0] == 0
    assert [s.text for s in sim.store.unanswered] == ["no answer"]
    assert sim.store.unanswered[0].message_id is not None
