"""The outbox's lane of messages SMPP cannot carry: never to SMPP, only to HTTP's
``take(http_only=True)``, kept there across a hand-back and a restart; one throughput for the
sends of both ways."""

from __future__ import annotations

from custom_components.smscentre.smsc.message import MessageSpec, Priority, new_local_id
from custom_components.smscentre.smsc.outbox import HttpHandover, Outbox, http_attempts

from .test_outbox import FakeTime, make
from .test_outbox_http import every, roundtrip

LONG = "someone.long@example.com"
SHORT = "me@example.com"


def email(recipient: str, *, priority: Priority = Priority.NORMAL) -> MessageSpec:
    local_id = new_local_id()
    text = f"__MAIL__: {local_id}\nsubj:s".encode()
    return (local_id, recipient, "email", int(priority), None, 0, 0, (text,), 1, 0.0)


async def test_smpp_never_gets_what_it_cannot_carry() -> None:
    box = make()
    http = HttpHandover(box)
    long, short = email(LONG), email(SHORT)
    box.enqueue([long, short])
    assert box.http_waiting
    ref = box.next_part_nowait()
    assert ref is not None
    assert ref.local_id == short[0]
    assert box.next_part_nowait() is None  # the long one is not SMPP's
    assert http.take(every) is None  # nor the HTTP fallback's
    taken = http.take(every, http_only=True)
    assert taken is not None
    assert taken.local_id == long[0]
    assert not box.http_waiting
    assert http.take(every, http_only=True) is None
    http.sent(taken, "555")
    assert (taken.state, taken.via, taken.message_ids) == ("sent", "http", ["555"])


async def test_only_the_lane_is_taken_from_urgent_first() -> None:
    box = make()
    http = HttpHandover(box)
    short, normal, urgent = email(SHORT), email(LONG), email(LONG, priority=Priority.URGENT)
    box.enqueue([short, normal, urgent])
    order = [http.take(every, http_only=True) for _ in range(3)]
    assert [m.local_id if m else None for m in order] == [urgent[0], normal[0], None]


async def test_handed_back_it_stays_off_smpp() -> None:
    """Given back after a failed request, uncertain or not, it waits in its lane again."""
    box = make()
    http = HttpHandover(box)
    long = email(LONG)
    box.enqueue([long])
    taken = http.take(every, http_only=True)
    assert taken is not None
    http.give_back(taken, maybe_sent=True)
    assert box.next_part_nowait() is None
    again = http.take(every, http_only=True)
    assert again is taken
    assert list(again.uncertain) == [1]  # uncertain: the sender asks before it sends again
    http.give_back(again, maybe_sent=False)
    assert box.next_part_nowait() is None
    assert http.take(every, http_only=True) is again


async def test_a_restart_keeps_it_in_its_lane() -> None:
    """Queued or uncertain, a restored message finds its lane from its address."""
    box = make()
    http = HttpHandover(box)
    fresh, uncertain = email(LONG), email(LONG)
    box.enqueue([uncertain, fresh])
    taken = http.take(every, http_only=True)
    assert taken is not None
    box.close()  # a graceful stop: the snapshot is clean
    restored = Outbox.restore(roundtrip(box.snapshot()), throughput=None)
    assert restored.queued == 2
    assert restored.next_part_nowait() is None
    http = HttpHandover(restored)
    first = http.take(every, http_only=True)
    second = http.take(every, http_only=True)
    assert first is not None
    assert second is not None
    # the uncertain one's second attempt: the sender looks it up before it sends again
    assert (first.local_id, http_attempts(first)) == (uncertain[0], 2)
    assert (second.local_id, http_attempts(second)) == (fresh[0], 1)


async def test_after_a_crash_it_is_looked_up_first() -> None:
    """A snapshot taken before a crash may miss an attempt made after it: every message of
    the lane comes back uncertain, and still goes over HTTP (nothing else can carry it),
    looked up first."""
    box = make()
    fresh = email(LONG)
    box.enqueue([fresh])
    crashed = roundtrip(box.snapshot())  # not closed: sends may have followed it
    restored = Outbox.restore(crashed, throughput=None)
    assert restored.next_part_nowait() is None
    http = HttpHandover(restored)
    taken = http.take(every, http_only=True)
    assert taken is not None
    assert (taken.local_id, http_attempts(taken)) == (fresh[0], 2)
    http.give_back(taken, maybe_sent=False)  # the lookup failed: it stays uncertain
    again = http.take(every, http_only=True)
    assert again is not None
    assert http_attempts(again) == 2


async def test_http_sends_count_against_the_throughput() -> None:
    """One limit for both ways: a send counted for HTTP holds SMPP's next part back."""
    time = FakeTime()
    box = make(time, throughput=2)
    box.enqueue([email(SHORT), email("a@b.ru")])
    assert box.send_delay() == 0
    box.count_send()
    box.count_send()  # two HTTP requests within this second
    assert box.send_delay() > 0
    assert box.next_part_nowait() is None  # SMPP waits for the same second to pass
    time.now += 1.1
    assert box.send_delay() == 0
    assert box.next_part_nowait() is not None
