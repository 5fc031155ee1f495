"""The soak's plan and verdicts (``scripts/lib/soak``): the same seed gives the same run, and
the checks call a loss a loss, a duplicate a duplicate, and the one documented at-least-once
case by its cause. The whole soak runs in CI as ``scripts/soak --minutes 2``."""

from __future__ import annotations

import pytest

from scripts.lib.soak import checks
from scripts.lib.soak.ledger import Arrival, Call, Ledger, report_key
from scripts.lib.soak.plan import KINDS, make_plan
from smscsim import SmscSimulator
from smscsim.client import RawClient


def test_the_seed_gives_the_plan() -> None:
    assert make_plan(7, 30, 50) == make_plan(7, 30, 50)
    assert make_plan(7, 30, 50) != make_plan(8, 30, 50)


def test_a_long_run_has_every_fault_kind_and_restarts_early() -> None:
    plan = make_plan(1207, 30, 50)
    assert {f.kind for f in plan.faults} == set(KINDS)
    restarts = [f.start for f in plan.faults if f.kind.startswith("restart")]
    assert max(restarts) < 0.45 * plan.seconds
    assert all(f.start + f.duration < plan.seconds for f in plan.faults)


def test_a_two_minute_run_still_has_a_restart_and_several_faults() -> None:
    for seed in range(20):
        plan = make_plan(seed, 2, 50)
        kinds = [f.kind for f in plan.faults]
        assert len(kinds) >= 3
        assert any(kind.startswith("restart") for kind in kinds)


def _ledger(*arrivals: tuple[str, list[Arrival]], outcome: str = "accepted") -> Ledger:
    ledger = Ledger()
    for tag, got in arrivals:
        ledger.calls[tag] = Call(tag, "gsm", ("79990000001",), 0.0, outcome, statuses=("sent",))
        if got:
            ledger.arrivals[(tag, "79990000001")] = got
    return ledger


def test_a_missing_message_is_lost_and_a_second_copy_a_duplicate() -> None:
    ledger = _ledger(
        ("O1", [Arrival(1.0, "smpp", "1", 1)]),
        ("O2", []),
        ("O3", [Arrival(1.0, "smpp", "3", 1), Arrival(2.0, "smpp", "4", 1)]),
    )
    results, figures = checks.outgoing(ledger, set())
    assert [c.passed for c in results] == [False, False, True, True]
    assert figures["lost"] == ["O2->79990000001"]
    assert figures["duplicates"] == ["O3->79990000001"]


def test_the_documented_at_least_once_case_is_counted_apart() -> None:
    """Accepted, never answered, and sent again after the one-minute window: the provider
    cannot refuse the copy (docs/ARCHITECTURE.md)."""
    late = _ledger(("O1", [Arrival(0.0, "smpp", "1", 1), Arrival(75.0, "smpp", "2", 1)]))
    results, figures = checks.outgoing(late, {"1"})
    assert results[1].passed
    assert len(figures["documented_at_least_once"]) == 1
    # the same within the window, or with the first copy answered, is a defect
    soon = _ledger(("O1", [Arrival(0.0, "smpp", "1", 1), Arrival(30.0, "smpp", "2", 1)]))
    assert not checks.outgoing(soon, {"1"})[0][1].passed
    assert not checks.outgoing(late, set())[0][1].passed


def test_a_refused_call_must_send_nothing() -> None:
    ledger = _ledger(("O1", [Arrival(1.0, "smpp", "1", 1)]), outcome="refused")
    results, _ = checks.outgoing(ledger, set())
    assert results[2].passed is False


def test_every_incoming_sms_and_report_fires_exactly_one_event() -> None:
    ledger = Ledger()
    ledger.incoming = {"I1": 0.0, "I2": 0.0}
    ledger.receipts_expected = {"100/7999": ("O1", "7999"), "101/7999": ("O2", "7999")}
    events = [
        [0.0, 1, "sms", "I1", 1],
        [0.0, 1, "sms", "I2", 2],
        [0.0, 2, "sms", "I2", 2],  # again, from another process after a restart
        [0.0, 1, "report", "100", "l1", "delivered", "+7999"],
    ]
    results, figures = checks.incoming(ledger, events)
    assert [c.passed for c in results] == [False, False, True]
    assert figures["incoming"]["twice"] == ["I2"]
    assert figures["reports"]["missing"] == ["101/7999"]


def test_two_messages_with_one_id_each_fire_their_own_report() -> None:
    """The id an HTTP message gets (a digest of its local id) can equal the SMSC's id of
    another message sent over SMPP (seed 1207 had one): each report counts once."""
    ledger = Ledger()
    ledger.receipts_expected = {
        report_key("107873", "79990000001"): ("O1", "79990000001"),
        report_key("107873", "79990000002"): ("O2", "79990000002"),
    }
    events = [
        [0.0, 1, "report", "107873", "l1", "delivered", "79990000001"],
        [9.0, 2, "report", "107873", "l2", "delivered", "+79990000002"],
    ]
    results, figures = checks.incoming(ledger, events)
    assert results[1].passed is True
    assert figures["reports"]["twice"] == []
    events.append([9.5, 2, "report", "107873", "l2", "delivered", "79990000002"])
    assert checks.incoming(ledger, events)[0][1].passed is False


def _sample(pid: int, t: float, rss_mb: float, objects: int) -> dict[str, object]:
    return {"pid": pid, "t": t, "uptime": t, "rss": rss_mb * 2**20, "objects": objects}


def test_memory_is_judged_after_the_warm_up_within_the_bound() -> None:
    flat = [_sample(1, t, 300 + (100 if t < 300 else 0), 400_000) for t in range(0, 1300, 60)]
    results, _ = checks.memory(flat, 300, 0.0)
    assert results[0].passed is True
    growing = [_sample(1, t, 300 + t / 10, 400_000) for t in range(0, 1300, 60)]
    assert checks.memory(growing, 300, 0.0)[0][0].passed is False
    short = [_sample(1, t, 300 + t, 400_000) for t in range(0, 400, 60)]
    assert checks.memory(short, 300, 0.0)[0][0].passed is None  # not judged


@pytest.mark.usefixtures("socket_enabled")
async def test_the_ledger_keys_what_the_simulator_accepts() -> None:
    ledger = Ledger()
    async with SmscSimulator(history=0) as sim:
        ledger.attach(sim)
        client = RawClient("127.0.0.1", sim.port)
        assert await client.bind() == 0
        await client.submit("79990000001", "Soak #O7 door")
        await client.submit("79981230001", "__HLR__")
        await client.submit("79990000002", "no tag")
        await client.close()
    assert [a.via for a in ledger.arrivals[("O7", "79990000001")]] == ["smpp"]
    assert ("hlr", "79981230001") in ledger.arrivals
    assert ledger.untagged == 1
    assert ledger.receipts_expected == {
        report_key(ledger.arrivals[("O7", "79990000001")][0].message_id, "79990000001"): (
            "O7",
            "79990000001",
        )
    }
