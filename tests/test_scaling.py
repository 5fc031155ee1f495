"""The send path costs the same per message at any volume (operation counts, not timings).

The correlator and the outbox count the steps of their per-message paths (queue scans
included); the count per message must be the same at 1,000 and at 100,000 messages. The
speed itself is measured by ``scripts/bench``, never asserted here.
"""

from __future__ import annotations

import asyncio

import pytest

from custom_components.smscentre.smsc.message import OutboundMessage, Priority
from custom_components.smscentre.smsc.outbox import Outbox
from custom_components.smscentre.smsc.smpp.correlator import FastCorrelator


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """No Home Assistant needed."""
    return


class _Request:
    """What the link puts in the correlator: anything with a sequence number."""

    __slots__ = ("ref", "sequence_num")

    def __init__(self, ref: object, sequence_num: int) -> None:
        self.ref = ref
        self.sequence_num = sequence_num


def _message(index: int, parts: int) -> OutboundMessage:
    return OutboundMessage(
        local_id=f"m{index}",
        recipient=f"7{9_000_000_000 + index}",
        channel="sms",
        priority=Priority.URGENT if index % 10 == 0 else Priority.NORMAL,
        source=None,
        data_coding=0,
        esm_class=0x40 if parts > 1 else 0,
        parts=[b"part %d" % i for i in range(parts)],
        registered_delivery=0,
    )


async def _drive(
    total: int, *, window: int = 1000, batch: int = 1000, specs: bool = False
) -> tuple[int, int]:
    """Queue ``total`` messages (some of two parts, every 7th part refused once and retried
    later, every 10th urgent), as objects with futures or (``specs``) as the actions queue
    them, send them through the window and answer every part as the link does; return the
    operations of (outbox, correlator)."""
    clock = [0.0]
    done: list[str] = []
    outbox = Outbox(
        window=window,
        throughput=None,
        clock=lambda: clock[0],
        jitter=lambda: 0.0,
        on_done=lambda message: done.append(message.state),
    )
    correlator = FastCorrelator(10.0, clock=lambda: clock[0])
    futures = []
    for start in range(0, total, batch):
        messages = (
            _message(i, 2 if i % 5 == 0 else 1) for i in range(start, min(total, start + batch))
        )
        if specs:
            outbox.enqueue(message.to_spec() for message in messages)
        else:
            futures += outbox.add(messages)
    sequence = 0
    while outbox.queued:
        sent = []
        while (ref := outbox.next_part_nowait()) is not None:
            sequence += 1
            correlator.put_now(_Request(ref, sequence))
            sent.append(sequence)
        if not sent:  # only delayed retries left: let their time come
            clock[0] += 60.0
            continue
        for seq in sent:
            request = correlator.pop(seq)
            assert request is not None
            ref = request.ref
            first = ref.message is None or ref.message.part_attempts[ref.index] == 1
            status = 0x58 if seq % 7 == 0 and first else 0
            outbox.on_response(ref.token, status, None if status else str(seq))
        clock[0] += 0.01
    assert all(f.done() and f.result().state == "sent" for f in futures)
    assert done == ["sent"] * total
    assert outbox.sent_total == total
    return outbox.operations, correlator.operations


@pytest.mark.parametrize("specs", [False, True], ids=["objects", "specs"])
@pytest.mark.parametrize("window", [10, 1000])
def test_outbox_and_correlator_cost_per_message_is_flat(window: int, specs: bool) -> None:
    """Operations per message at 100,000 equal those at 1,000 (within 2%).

    Runs on a loop of its own: the test loop's debug mode makes every future costly. Made by
    a factory, so the thread's current loop stays (older test plugins' fixtures ask for it).
    """
    small = asyncio.run(
        _drive(1_000, window=window, specs=specs), loop_factory=asyncio.new_event_loop
    )
    large = asyncio.run(
        _drive(100_000, window=window, specs=specs), loop_factory=asyncio.new_event_loop
    )
    for name, few, many in zip(("outbox", "correlator"), small, large, strict=True):
        per_few, per_many = few / 1_000, many / 100_000
        assert per_many <= per_few * 1.02, (name, per_few, per_many)
        assert per_many < 10, (name, per_many)


async def test_correlator_expiry_is_proportional_to_what_expired() -> None:
    """Unanswered requests expire in O(expired); answered ones cost nothing later."""
    clock = [0.0]
    correlator = FastCorrelator(5.0, clock=lambda: clock[0])
    for seq in range(1, 100_001):
        correlator.put_now(_Request(None, seq))
        if seq % 2 == 0:
            correlator.pop(seq)
    before = correlator.operations
    clock[0] = 10.0
    expired = list(correlator.pop_expired())
    assert len(expired) == 50_000
    assert correlator.operations - before <= 100_000
    assert len(correlator) == 0
