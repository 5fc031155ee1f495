"""The outbox's hand-over to the HTTP API: what may go, once, and what a snapshot keeps."""

from __future__ import annotations

import json
from typing import Any

from custom_components.smscentre.smsc.message import (
    MessageSpec,
    OutboundMessage,
    Priority,
    is_provider_id,
    new_local_id,
)
from custom_components.smscentre.smsc.outbox import HttpHandover, Outbox, http_attempts

from .test_outbox import OK, SUBMITFAIL, FakeTime, make, msg


def spec(
    channel: str = "sms", *, priority: Priority = Priority.NORMAL, parts: int = 1
) -> MessageSpec:
    local_id = new_local_id()
    return (
        local_id,
        "79990000001",
        channel,
        int(priority),
        None,
        0,
        0x40 if parts > 1 else 0,
        tuple(f"{local_id}:{i}".encode() for i in range(parts)),
        1,
        0.0,
    )


def every(channel: str) -> bool:
    return True


def take(http: HttpHandover, **kwargs: Any) -> OutboundMessage:
    message = http.take(every, **kwargs)
    assert message is not None
    return message


def roundtrip(snapshot: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(json.dumps(snapshot))
    return result


async def test_urgent_first_and_never_twice() -> None:
    done: list[OutboundMessage] = []
    box = make(on_done=done.append)
    http = HttpHandover(box)
    normal, urgent = spec(), spec(priority=Priority.URGENT)
    box.enqueue([normal, urgent])
    first = take(http)
    assert first.local_id == urgent[0]
    assert (http_attempts(first), first.state, list(first.uncertain)) == (1, "sending", [1])
    assert not is_provider_id(first.message_ids[0])
    second = take(http)
    assert second.local_id == normal[0]
    assert http.take(every) is None
    assert box.next_part_nowait() is None  # taken: SMPP cannot send them meanwhile
    http.sent(first, "4242")
    http.sent(first, "again")  # a second answer changes nothing
    assert [(m.local_id, m.state, m.via, m.message_ids) for m in done] == [
        (urgent[0], "sent", "http", ["4242"])
    ]
    assert (box.queued, box.sent_total) == (1, 1)
    http.failed(second, "invalid_number", 7)
    assert (second.state, second.error, second.error_status, second.via) == (
        "failed",
        "invalid_number",
        7,
        "http",
    )
    assert (box.queued, box.failed_total) == (0, 1)


async def test_a_long_message_goes_whole() -> None:
    box = make()
    http = HttpHandover(box)
    long = spec(parts=3)
    box.enqueue([long])
    message = take(http)
    assert message.message_ids == ["http:1"] * 3
    http.sent(message, "77")
    assert (message.message_ids, message.remaining, list(message.acked)) == (
        ["77"] * 3,
        0,
        [1, 1, 1],
    )


async def test_what_went_over_smpp_stays_with_smpp() -> None:
    """A part tried over SMPP (answered, uncertain or half sent) keeps its message off HTTP."""
    box = make(window=10)
    http = HttpHandover(box)
    timed_out, long, fresh = spec(), spec(parts=2), spec()
    box.enqueue([timed_out, long])
    ref = box.next_part_nowait()
    assert ref is not None
    box.on_timeout(ref.token)  # uncertain: may have been accepted
    half = box.next_part_nowait()  # the first part of the long message is in flight
    assert half is not None
    assert half.local_id == long[0]
    box.enqueue([fresh])
    assert take(http).local_id == fresh[0]
    assert http.take(every) is None


async def test_channels_http_cannot_carry_stay_queued() -> None:
    box = make()
    http = HttpHandover(box)
    code, sms = spec("telegram_code"), spec()
    box.enqueue([code, sms])
    skipped: list[tuple[str, str, str]] = []
    message = http.take(lambda ch: ch != "telegram_code", on_skip=_collect(skipped))
    assert message is not None
    assert message.local_id == sms[0]
    assert skipped == [(code[0], "telegram_code", "79990000001")]
    assert http.take(lambda ch: ch != "telegram_code") is None
    assert box.queued == 2
    ref = box.next_part_nowait()
    assert ref is not None
    assert ref.local_id == code[0]


def _collect(into: list[tuple[str, str, str]]) -> Any:
    return lambda *args: into.append(args)


async def test_return_not_sent_undoes_the_attempt() -> None:
    box = make()
    http = HttpHandover(box)
    first, second = spec(), spec()
    box.enqueue([first, second])
    message = take(http)
    http.give_back(message, maybe_sent=False)
    assert (message.state, message.attempts, message.message_ids, list(message.uncertain)) == (
        "queued",
        0,
        [None],
        [0],
    )
    again = take(http)  # back at the head: it goes first
    assert again is message
    assert http_attempts(again) == 1


async def test_return_maybe_sent_smpp_duplicate_counts_as_sent() -> None:
    """No answer from HTTP: uncertain. SMPP may take it; 0x45 then means it went."""
    done: list[OutboundMessage] = []
    box = make(on_done=done.append)
    http = HttpHandover(box)
    box.enqueue([spec()])
    message = take(http)
    http.give_back(message, maybe_sent=True)
    assert (http_attempts(message), list(message.uncertain)) == (1, [1])
    again = take(http)  # HTTP may try again (with the same id), as attempt 2
    assert http_attempts(again) == 2
    http.give_back(again, maybe_sent=True)
    ref = box.next_part_nowait()
    assert ref is not None
    assert ref.message is message
    box.on_response(ref.token, SUBMITFAIL, None)
    assert (message.state, message.duplicate_suppressed, message.via) == ("sent", True, "smpp")
    assert done == [message]


async def test_after_an_smpp_attempt_http_does_not_take_it_back() -> None:
    box = make()
    http = HttpHandover(box)
    box.enqueue([spec()])
    message = take(http)
    http.give_back(message, maybe_sent=True)
    ref = box.next_part_nowait()
    assert ref is not None
    box.on_timeout(ref.token)
    assert http.take(every) is None
    ref = await box.next_part()
    box.on_response(ref.token, OK, "555")
    assert (message.state, message.message_ids) == ("sent", ["555"])


async def test_snapshot_keeps_an_http_attempt() -> None:
    """Taken and not answered when the snapshot is taken: restored as an HTTP attempt, to
    be checked by its id before it goes again; never-tried messages of a crash snapshot
    stay with SMPP."""
    time = FakeTime()
    box = make(time)
    http = HttpHandover(box)
    taken, waiting = spec(), spec()
    box.enqueue([taken, waiting])
    take(http)
    crashed = roundtrip(box.snapshot())
    restored = HttpHandover(Outbox.restore(crashed, clock=time, wall_clock=time, throughput=None))
    message = restored.take(every)
    assert message is not None
    assert message.local_id == taken[0]
    assert http_attempts(message) == 2
    assert restored.take(every) is None  # may have gone over SMPP after the snapshot

    box.close()
    clean = roundtrip(box.snapshot())
    restored = HttpHandover(Outbox.restore(clean, clock=time, wall_clock=time, throughput=None))
    ids = [m.local_id for m in (restored.take(every), restored.take(every))]
    assert ids == [taken[0], waiting[0]]


async def test_closed_and_scan_limit() -> None:
    box = make(window=100)
    http = HttpHandover(box)
    specs = [spec("bot") for _ in range(5)] + [spec()]
    box.enqueue(specs)
    assert http.take(lambda ch: ch == "sms", scan=5) is None
    assert http.take(lambda ch: ch == "sms", scan=6) is not None
    box.close()
    assert http.take(every) is None


async def test_a_finished_or_forgotten_message_is_not_returned() -> None:
    box = make()
    http = HttpHandover(box)
    box.enqueue([spec()])
    message = take(http)
    http.sent(message, "1")
    http.give_back(message, maybe_sent=True)
    http.failed(message, "x", None)
    assert (box.queued, box.sent_total, box.failed_total) == (0, 1, 0)
    assert box.next_part_nowait() is None


async def test_objects_added_and_built_by_get() -> None:
    box = make()
    http = HttpHandover(box)
    added = msg(2)
    box.add([added])
    queued = spec()
    box.enqueue([queued])
    built = box.get(queued[0])  # an object now stands for the queued spec
    assert take(http) is added
    assert take(http) is built
