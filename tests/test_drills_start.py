"""Fault drills at start: Home Assistant starts while the SMSC cannot be used.

The SMSC hangs (accepts TCP, never answers the bind), refuses every bind (0x0D) or is not
listening at all. The entry must load anyway, its actions answer "queued" (never "not
loaded"), the queue is stored, a repair issue says what is wrong once the outage has lasted
``REPAIR_AFTER``, and every message reaches the SMSC exactly once when it is back. A restart
in the middle loses nothing; a password refused once the server answers asks for a new one.

Timings are the drills' scaled figures (see ``drill_helpers``); the setup's wait for the first
bind is scaled with them, the repair bound is shortened to a few seconds.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
import contextlib
import time
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
import pytest

import custom_components.smscentre as integration
from custom_components.smscentre import health
from custom_components.smscentre.const import (
    DOMAIN,
    EVENT_DELIVERY_REPORT,
    EVENT_INCOMING_SMS,
    STORE_OUTBOX,
    store_key,
)
from smscsim import SmscSimulator
from tests.drill_helpers import (
    LOGIN,
    SCALE,
    Drill,
    Ledger,
    make_entry,
    make_sim,
    ps,
    report,
    scale_product,
)
from tests.health_helpers import IssueClock, findings, wait_findings

pytestmark = [pytest.mark.slow, pytest.mark.timeout(max(120, 60 * SCALE))]

type Record = Callable[[str, object], None]
type Mend = Callable[[], Awaitable[None]]

FIRST_BIND_WAIT = ps(5)  # the product's 5 s, scaled
REPAIR_AFTER = ps(20)  # the product's 300 s would make a drill of minutes
ISSUE_OF = {"hang": "link_no_answer", "refuse_0x0D": "bind_refused", "down": "link_cannot_connect"}


@pytest.fixture(autouse=True)
def _allow_sockets(socket_enabled: None) -> None:
    """The simulator listens on 127.0.0.1."""


@pytest.fixture
def ledger(monkeypatch: pytest.MonkeyPatch) -> Ledger:
    """Scaled product timings (setup's wait and the repair bound too) and a record of every
    finished message."""
    scale_product(monkeypatch)
    monkeypatch.setattr(integration, "FIRST_BIND_WAIT", FIRST_BIND_WAIT)
    monkeypatch.setattr(health, "REPAIR_AFTER", REPAIR_AFTER)
    book = Ledger()
    book.install(monkeypatch)
    return book


@pytest.fixture
async def sim() -> AsyncIterator[SmscSimulator]:
    """The SMSC."""
    server = make_sim()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def drill(hass: HomeAssistant, sim: SmscSimulator, ledger: Ledger) -> AsyncIterator[Drill]:
    """An entry of the simulator's account, not set up yet; unloaded (and checked for
    leftovers) afterwards, every simulator started in the drill stopped."""
    run = Drill(hass, sim, make_entry(sim), ledger)
    yield run
    await run.unload()
    run.assert_no_tasks_left()
    for server in run.retired:
        await server.stop()
    await run.sim.stop()


async def break_smsc(drill: Drill, fault: str) -> Mend:
    """Break the SMSC as ``fault`` says; return what mends it."""
    sim = drill.sim
    if fault == "hang":
        sim.hang(None)
    elif fault == "refuse_0x0D":
        sim.refuse_binds(0x0D)
    else:  # nothing listens on the port
        await sim.stop()

    async def mend() -> None:
        if fault != "down":
            sim.clear_faults()
            return
        server = make_sim(port=sim.port)
        await server.start()
        drill.retired.append(sim)
        drill.sim = server

    return mend


class Caller:
    """An automation calling ``smscentre.send_sms``, each call with its own text and number."""

    def __init__(self, hass: HomeAssistant) -> None:
        self.hass = hass
        self.texts: list[str] = []
        self.statuses: list[str] = []
        self.refusals: list[str] = []

    async def send(self, tag: str) -> None:
        """One call; its answer (or refusal) recorded."""
        index = len(self.texts)
        text = f"{tag} #{index:04d} {time.monotonic_ns() % 1_000_000}"
        self.texts.append(text)
        try:
            response = await self.hass.services.async_call(
                DOMAIN,
                "send_sms",
                {"recipients": [f"7999{index:07d}"], "message": text},
                blocking=True,
                return_response=True,
            )
        except HomeAssistantError as err:
            self.refusals.append(str(err.translation_key))
            return
        assert response is not None
        self.statuses.extend(m["status"] for m in response["messages"])

    async def keep_sending(self, tag: str, every: float) -> None:
        """Call every ``every`` seconds until cancelled."""
        while True:
            await self.send(tag)
            await asyncio.sleep(every)

    def assert_each_once_at(self, drill: Drill) -> None:
        """Every text reached the SMSC exactly once, and was accepted once; none failed."""
        sims = [drill.sim, *drill.retired]
        counts = {t: sum(s.count_text(t) for s in sims) for t in self.texts}
        assert {t: c for t, c in counts.items() if c != 1} == {}
        wanted = set(self.texts)
        accepted = [x for s in sims for x in s.accepted if x.text in wanted]
        assert len(accepted) == len(self.texts)
        assert drill.runtime.outbox.failed_total == 0

    async def wait_all_arrived(self, drill: Drill, timeout: float) -> None:
        """Until every text reached the SMSC (then a moment for any duplicate to show)."""
        async with asyncio.timeout(timeout):
            while any(drill.sim.count_text(t) == 0 for t in self.texts):
                await drill.sim.wait_for(lambda s: True, timeout=0.05)
                await asyncio.sleep(0.02)
        await asyncio.sleep(ps(2))


def link_state(hass: HomeAssistant, drill: Drill) -> str:
    """The Link binary sensor's state."""
    entities = er.async_entries_for_config_entry(er.async_get(hass), drill.entry.entry_id)
    (link,) = [e.entity_id for e in entities if e.domain == "binary_sensor"]
    state = hass.states.get(link)
    assert state is not None
    return state.state


async def wait_stored(hass_storage: dict[str, Any], drill: Drill, count: int) -> None:
    """Until the outbox's stored snapshot holds ``count`` messages."""
    key = store_key(drill.entry.entry_id, STORE_OUTBOX)
    async with asyncio.timeout(10):
        while len((hass_storage.get(key) or {}).get("data", {}).get("messages", [])) != count:
            await asyncio.sleep(0.05)


@pytest.mark.parametrize("fault", ["hang", "refuse_0x0D", "down"])
async def test_outage_at_start_loads_and_queues(
    hass: HomeAssistant,
    drill: Drill,
    hass_storage: dict[str, Any],
    record_property: Record,
    fault: str,
) -> None:
    """The SMSC cannot be used when Home Assistant starts: the entry loads without waiting
    for the link's timeouts, every action in the outage answers "queued", the queue is
    stored, one repair issue appears after the bound, and once the SMSC is back every
    message arrives exactly once and the issue goes away."""
    clock = IssueClock()
    clock.listen(hass)
    mend = await break_smsc(drill, fault)
    started = time.monotonic()
    await drill.setup()  # asserts the entry is loaded
    setup_s = time.monotonic() - started
    assert setup_s < FIRST_BIND_WAIT + 2  # the platforms' own setup under load, unscaled
    assert link_state(hass, drill) == STATE_OFF
    assert findings(hass, drill.entry) == []

    caller = Caller(hass)
    task = asyncio.create_task(caller.keep_sending("boot", every=ps(1)))
    try:
        await wait_findings(hass, drill.entry, [ISSUE_OF[fault]], timeout=REPAIR_AFTER * 3)
        issue_after_s = clock.created[0] - started
        await asyncio.sleep(ps(2))
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert caller.refusals == []
    assert set(caller.statuses) == {"queued"}
    assert len(caller.texts) >= 10
    await wait_stored(hass_storage, drill, len(caller.texts))
    assert issue_after_s >= REPAIR_AFTER

    mended_at = time.monotonic()
    await mend()
    await caller.wait_all_arrived(drill, timeout=ps(300))
    drained_s = time.monotonic() - mended_at
    caller.assert_each_once_at(drill)
    await wait_findings(hass, drill.entry, [])
    assert link_state(hass, drill) == STATE_ON
    report(
        record_property,
        f"outage_at_start[{fault}]",
        setup_s=setup_s,
        queued=len(caller.texts),
        refused=len(caller.refusals),
        repair_after_s=issue_after_s,
        drained_after_mend_s=drained_s,
    )


@pytest.mark.parametrize("fault", ["hang", "refuse_0x0D", "down"])
async def test_restart_during_an_outage_at_start_loses_nothing(
    hass: HomeAssistant,
    drill: Drill,
    hass_storage: dict[str, Any],
    record_property: Record,
    fault: str,
) -> None:
    """Home Assistant restarts (unload, setup) while the SMSC still cannot be used: what was
    queued before comes back from the stored queue, the actions after the restart queue too,
    and each message arrives once when the SMSC is back."""
    mend = await break_smsc(drill, fault)
    await drill.setup()
    caller = Caller(hass)
    for _ in range(10):
        await caller.send("before")
    await drill.unload()
    await wait_stored(hass_storage, drill, 10)
    await drill.setup()
    assert drill.entry.state is ConfigEntryState.LOADED
    assert drill.runtime.outbox.queued == 10
    for _ in range(10):
        await caller.send("after")
    assert caller.refusals == []
    assert set(caller.statuses) == {"queued"}
    await mend()
    await caller.wait_all_arrived(drill, timeout=ps(300))
    caller.assert_each_once_at(drill)
    report(record_property, f"restart_in_outage[{fault}]", sent=len(caller.texts))


async def test_password_refused_once_the_server_answers(
    hass: HomeAssistant, drill: Drill, record_property: Record
) -> None:
    """The server hangs at start, so setup goes on; when it answers, it refuses the password:
    reauthentication is asked (and no repair issue), the queue waits, and once a person
    enters the new password everything queued goes, once."""
    mend = await break_smsc(drill, "hang")
    await drill.setup()
    caller = Caller(hass)
    for _ in range(5):
        await caller.send("reauth")
    drill.sim.accounts[LOGIN] = "NewPw#1"
    await mend()
    await wait_findings(hass, drill.entry, ["reauth"], timeout=ps(100))
    await asyncio.sleep(REPAIR_AFTER * 1.5)
    assert findings(hass, drill.entry) == ["reauth"]
    assert drill.runtime.outbox.queued == 5

    (flow,) = drill.entry.async_get_active_flows(hass, {"reauth"})
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"password": "NewPw#1"}
    )
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert drill.entry.state is ConfigEntryState.LOADED
    await caller.wait_all_arrived(drill, timeout=ps(300))
    caller.assert_each_once_at(drill)
    assert findings(hass, drill.entry) == []
    report(record_property, "password_refused_after_start", sent=len(caller.texts))


async def test_what_the_smsc_delivers_again_after_a_restart_fires_once(
    hass: HomeAssistant, drill: Drill, sim: SmscSimulator
) -> None:
    """An SMSC delivers again every DELIVER_SM whose answer it did not get, also to the next
    Home Assistant process. The soak (seed 1207) found an incoming SMS answered while the SMSC
    hung, then Home Assistant restarted: the SMS fired its event twice. What was handled before
    a restart is remembered (the ``received`` store) and not handled again."""
    sim.auto_receipts = False
    fired: dict[str, list[str]] = {"sms": [], "report": []}
    hass.bus.async_listen(EVENT_INCOMING_SMS, lambda e: fired["sms"].append(e.data["text"]))
    hass.bus.async_listen(
        EVENT_DELIVERY_REPORT, lambda e: fired["report"].append(e.data["message_id"])
    )
    await drill.setup()
    (text,) = await drill.send(1, "report")
    await drill.wait_sent([text], timeout=ps(30))
    message_id = sim.accepted[-1].message_id
    assert message_id is not None
    dates = {"submit_date": "2612071200", "done_date": "2612071201"}

    async def deliver_both() -> None:
        await sim.deliver_sm(source="79990001111", destination="1234", text="Door open")
        await sim.send_receipt(message_id, stat="DELIVRD", **dates)

    await deliver_both()
    await wait_until(lambda: len(fired["sms"]) == 1 and len(fired["report"]) == 1)
    await drill.unload()
    await drill.setup()
    await deliver_both()  # the same two PDUs again, as after a lost answer
    await sim.wait_for(lambda s: s.unanswered_delivers == 0, timeout=ps(10))
    await hass.async_block_till_done()
    assert fired == {"sms": ["Door open"], "report": [message_id]}
    assert drill.runtime.receiver.stats["duplicates"] == 2


async def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)
