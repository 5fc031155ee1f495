"""The retry policy: which answers retry and how soon, 0x45 after an uncertain attempt, the
most attempts a part gets, status names (``smsc/outbox/retry.py``, through the outbox)."""

from __future__ import annotations

import itertools

import pytest

from custom_components.smscentre.smsc.message import OutboundMessage
from custom_components.smscentre.smsc.outbox.retry import SAFE_RETRY_CAP, RetryPolicy, status_name

from .test_outbox import INVDST, OK, QFULL, SUBMITFAIL, SYSERR, THROTTLED, FakeTime, make, msg


async def test_throttled_retried_with_backoff_never_lost() -> None:
    time = FakeTime(0.0)
    box = make(time, window=10)
    (future,) = box.add([msg()])
    times = []
    for _ in range(4):
        ref = await box.next_part()
        times.append(time.now)
        box.on_response(ref.token, THROTTLED, None)
    ref = await box.next_part()
    times.append(time.now)
    box.on_response(ref.token, OK, "42")
    message = await future
    assert message.state == "sent"
    assert message.message_ids == ["42"]
    assert message.attempts == 5
    assert [b - a for a, b in itertools.pairwise(times)] == [1.0, 2.0, 4.0, 8.0]
    assert box.stats()["retries_total"] == 4


async def test_backoff_jitter_and_cap() -> None:
    time = FakeTime(0.0)
    box = make(time, window=10, jitter=lambda: 0.0, retry_cap=3.0, max_attempts=20)
    box.add([msg()])
    times = []
    for _ in range(5):
        ref = await box.next_part()
        times.append(time.now)
        box.on_response(ref.token, QFULL, None)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert gaps == [0.5, 1.0, 1.5, 1.5]  # half of 1, 2, then of the 3 s cap


async def test_system_error_then_success() -> None:
    box = make()
    (future,) = box.add([msg()])
    box.on_response((await box.next_part()).token, SYSERR, None)
    box.on_response((await box.next_part()).token, OK, "9")
    message = await future
    assert (message.state, message.message_ids, message.attempts) == ("sent", ["9"], 2)
    assert message.error is None


async def test_invalid_destination_fails_at_once() -> None:
    done: list[OutboundMessage] = []
    box = make(on_done=done.append)
    (future,) = box.add([msg()])
    box.on_response((await box.next_part()).token, INVDST, None)
    message = await future  # resolved, not raised
    assert message.state == "failed"
    assert message.error == "invalid_destination_address"
    assert message.error_status == INVDST
    assert message.attempts == 1
    assert done == [message]
    assert (box.queued, box.failed_total, box.stats()["delayed"]) == (0, 1, 0)


async def test_submit_failed_on_a_first_attempt_is_a_failure() -> None:
    box = make()
    (future,) = box.add([msg()])
    box.on_response((await box.next_part()).token, SUBMITFAIL, None)
    message = await future
    assert (message.state, message.error, message.duplicate_suppressed) == (
        "failed",
        "submit_failed",
        False,
    )


async def test_uncertain_then_duplicate_refusal_counts_as_sent() -> None:
    box = make()
    (future,) = box.add([msg(2)])
    first = await box.next_part()
    second = await box.next_part()
    box.on_response(second.token, OK, "77")
    box.on_timeout(first.token)
    again = await box.next_part()
    box.on_response(again.token, SUBMITFAIL, None)  # the provider's duplicate rule
    message = await future
    assert message.state == "sent"
    assert message.duplicate_suppressed is True
    assert message.message_ids == [None, "77"]
    assert message.error is None


async def test_uncertain_then_other_error_handled_normally() -> None:
    box = make()
    (future,) = box.add([msg()])
    box.on_timeout((await box.next_part()).token)
    box.on_response((await box.next_part()).token, THROTTLED, None)
    box.on_response((await box.next_part()).token, INVDST, None)
    message = await future
    assert (message.state, message.error) == ("failed", "invalid_destination_address")


async def test_link_lost_resend_refused_as_duplicate_is_sent() -> None:
    box = make()
    (future,) = box.add([msg()])
    await box.next_part()
    box.on_link_lost()
    box.on_response((await box.next_part()).token, SUBMITFAIL, None)
    message = await future
    assert (message.state, message.duplicate_suppressed) == ("sent", True)


async def test_max_attempts() -> None:
    box = make(max_attempts=3)
    (future,) = box.add([msg()])
    for _ in range(3):
        box.on_response((await box.next_part()).token, THROTTLED, None)
    message = await future
    assert (message.state, message.error, message.error_status) == (
        "failed",
        "too_many_attempts",
        THROTTLED,
    )
    assert message.attempts == 3


async def test_max_attempts_counts_timeouts_and_link_losses() -> None:
    box = make(max_attempts=2)
    one, two = msg(), msg()
    futures = box.add([one, two])
    box.on_timeout((await box.next_part()).token)
    box.on_timeout((await box.next_part()).token)
    await box.next_part()
    await box.next_part()
    box.on_link_lost()
    results = [await f for f in futures]
    assert [m.error for m in results] == ["too_many_attempts"] * 2
    assert results[0].error_status is None


async def test_status_names() -> None:
    assert status_name(0x0B) == "invalid_destination_address"
    assert status_name(0x58) == "throttled"
    assert status_name(0x411) == "status_0x00000411"


def test_long_messages_and_uncertain_parts_wait_at_most_the_safe_cap() -> None:
    """A part of a long message (all parts within a minute) or an uncertain part (a resend
    within the provider's one-minute duplicate rule) waits at most ``SAFE_RETRY_CAP``."""
    policy = RetryPolicy(base=1.0, cap=60.0, jitter=lambda: 1.0)

    def tried(parts: int, *, uncertain: int = 0) -> OutboundMessage:
        message = msg(parts)
        message.part_attempts = bytearray([6] * parts)  # 32 s by the backoff alone
        message.uncertain = bytearray([uncertain] * parts)
        return message

    assert policy.delay(tried(1), 0) == 32.0
    assert policy.delay(tried(2), 1) == SAFE_RETRY_CAP
    assert policy.delay(tried(1, uncertain=1), 0) == SAFE_RETRY_CAP
    assert not policy.gives_up(tried(1), 0)
    assert RetryPolicy(max_attempts=6).gives_up(tried(1), 0)
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=256)
