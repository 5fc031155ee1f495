"""Drills of the HTTP fallback: SMPP binds refused, the HTTP API sends, each message once.

Real SMPP and HTTP against the simulator; the fallback's clock is moved by the test (how long
SMPP has been down, how long the fallback pauses), never waited for.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
import copy
from dataclasses import replace
from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.core import Event, HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smscentre.const import (
    CONF_API_PASSWORD,
    CONF_API_URL,
    CONF_HTTP_FALLBACK,
    CONF_HTTP_FALLBACK_AFTER,
    CONF_THROUGHPUT,
    DOMAIN,
    EVENT_HTTP_FALLBACK,
)
from custom_components.smscentre.fallback import HttpFallback
from custom_components.smscentre.runtime import SmscRuntime
from custom_components.smscentre.settings import EntryOptions
from custom_components.smscentre.smsc.http.sender import IN_FLIGHT, HttpSender
from smscsim import SmscSimulator

from .conftest import make_entry, setup_entry, unload_entry
from .http_helpers import busiest_second, stamp_sends, until as _until

PASSWORD = "Fb-pw7x"
AFTER = 60


@pytest.fixture
def sim_accounts() -> dict[str, str]:
    return {"myhome": PASSWORD}


@pytest.fixture(autouse=True)
def quick_reconnect(monkeypatch: pytest.MonkeyPatch) -> None:
    """The link retries binds every tenth of a second (its backoff is not under test)."""
    original = EntryOptions.from_entry.__func__  # type: ignore[attr-defined]

    def from_entry(cls: type[EntryOptions], entry: ConfigEntry) -> EntryOptions:
        options = original(cls, entry)
        options.link = replace(options.link, backoff_base=0.05, backoff_cap=0.1)
        return options

    monkeypatch.setattr(EntryOptions, "from_entry", classmethod(from_entry))


class Drill:
    """One entry with the fallback on, and what the bus heard."""

    def __init__(self, hass: HomeAssistant, sim: SmscSimulator, entry: MockConfigEntry) -> None:
        self.hass = hass
        self.sim = sim
        self.entry = entry
        self.events: list[dict[str, Any]] = []
        hass.bus.async_listen(EVENT_HTTP_FALLBACK, self._heard)

    def _heard(self, event: Event) -> None:
        self.events.append(dict(event.data))

    def states(self) -> list[str]:
        return [e["state"] for e in self.events]

    @property
    def runtime(self) -> SmscRuntime:
        return self.entry.runtime_data  # type: ignore[no-any-return]

    @property
    def fallback(self) -> HttpFallback:
        fallback = self.runtime.fallback
        assert fallback is not None
        return fallback

    @property
    def sender(self) -> HttpSender:
        sender = self.runtime.http_sender
        assert sender is not None
        return sender

    async def refuse_smpp(self) -> None:
        self.sim.refuse_binds(0x0D)
        self.sim.drop_all()
        await self.sim.wait_for(lambda s: not s.sessions)
        await _until(self.hass, lambda: not self.runtime.link.status.bound)

    async def allow_smpp(self) -> None:
        self.sim.refuse_binds(0, 0)
        await _until(self.hass, lambda: self.runtime.link.status.bound)

    def record_sends(self) -> list[str]:
        """The texts of the fallback's send requests, in the order it makes them (arrival at
        the simulator may differ: several requests are in flight at once)."""
        api, texts = self.sender._api, []
        send = api.send

        async def recorded(recipients: Any, channel: Any, text: str, **kwargs: Any) -> Any:
            texts.append(text)
            return await send(recipients, channel, text, **kwargs)

        api.send = recorded  # type: ignore[method-assign]
        return texts

    def advance(self, seconds: float) -> None:
        """The fallback's and the sender's clocks move on (SMPP has been down that much
        longer, a pause that much nearer its end)."""
        for part in (self.fallback, self.sender):
            clock = part.clock
            part.clock = lambda clock=clock: clock() + seconds  # type: ignore[misc]
        self.fallback.check()

    async def queue(
        self, count: int, prefix: str, *, service: str = "send_sms", **fields: Any
    ) -> list[str]:
        """Queue ``count`` messages to distinct numbers (SMPP down: answered "queued")."""
        texts = []
        for index in range(count):
            text = f"{prefix} {index}"
            data: dict[str, Any] = {"recipients": [f"7999{index:07d}"]} | fields
            if service != "send_telegram_code":
                data["message"] = text
            response = await self.hass.services.async_call(
                DOMAIN, service, data, blocking=True, return_response=True
            )
            assert response is not None
            assert response["messages"][0]["status"] == "queued"
            texts.append(text)
        return texts

    async def hold_requests(self, count: int, prefix: str) -> list[str]:
        """SMPP refused, ``count`` messages queued, the fallback started against an HTTP API
        that holds every request; returns once it holds IN_FLIGHT of them."""
        http = self.sim.http
        assert http is not None
        await self.refuse_smpp()
        texts = await self.queue(count, prefix)
        http.down("hang")
        self.advance(AFTER + 1)
        await self.sim.wait_for(lambda s: http.hanging == IN_FLIGHT)
        return texts

    def assert_each_once(self, texts: list[str]) -> None:
        counts = {text: self.sim.count_text(text) for text in texts}
        assert set(counts.values()) == {1}, {t: c for t, c in counts.items() if c != 1}


def fallback_options(sim: SmscSimulator, entry_options: dict[str, Any], **changes: Any) -> Any:
    assert sim.http is not None
    return (
        copy.deepcopy(entry_options)
        | {
            CONF_API_PASSWORD: PASSWORD,
            CONF_API_URL: sim.http.url,
            CONF_HTTP_FALLBACK: True,
            CONF_HTTP_FALLBACK_AFTER: AFTER,
            CONF_THROUGHPUT: 1000,
        }
        | changes
    )


async def start(
    hass: HomeAssistant, sim: SmscSimulator, entry_options: dict[str, Any], **changes: Any
) -> Drill:
    """An entry with the fallback on, bound; the HTTP account has money enough."""
    assert sim.http is not None
    sim.http.balance = 1_000_000.0
    options = fallback_options(sim, entry_options, **changes)
    entry = await setup_entry(hass, make_entry(sim, options, password=PASSWORD))
    await sim.wait_for(lambda s: len(s.sessions) == 1)
    return Drill(hass, sim, entry)


@pytest.fixture
async def drill(
    hass: HomeAssistant, simulator: SmscSimulator, entry_options: dict[str, Any]
) -> AsyncGenerator[Drill]:
    started = await start(hass, simulator, entry_options)
    yield started
    await unload_entry(hass, started.entry)


async def test_binds_refused_5_minutes(
    hass: HomeAssistant, simulator: SmscSimulator, entry_options: dict[str, Any]
) -> None:
    """50 messages queued while binds are refused leave over HTTP once, urgent first; what
    HTTP cannot carry waits for SMPP and is told; SMPP takes over when it binds again."""
    drill = await start(hass, simulator, entry_options, throughput=50)
    sim, http = drill.sim, drill.sim.http
    assert http is not None
    await drill.refuse_smpp()
    texts = await drill.queue(45, "refused")
    urgent = await drill.queue(5, "urgent", priority="urgent")
    sent_in_order = drill.record_sends()
    codes = await drill.queue(2, "code", service="send_telegram_code", code="1234")
    del codes  # their text is the code; counted below by the simulator's SMPP submits

    drill.advance(AFTER - 1)
    await drill.hass.async_block_till_done()
    assert http.sent_count == 0
    assert not drill.fallback.active

    drill.advance(5 * 60)
    await sim.wait_for(lambda s: http.sent_count == 50)
    await _until(drill.hass, lambda: drill.fallback.in_flight == 0)  # the answers read
    drill.assert_each_once(texts + urgent)
    assert sent_in_order[:5] == urgent
    assert not sim.accepted  # nothing over SMPP meanwhile
    assert drill.states().count("started") == 1
    await _until(drill.hass, lambda: drill.states().count("refused") == 2)
    refused = [e for e in drill.events if e["state"] == "refused"]
    assert [(e["channel"], e["error"]) for e in refused] == [
        ("telegram_code", "http_channel_unsupported")
    ] * 2
    assert drill.runtime.outbox.queued == 2
    drill.runtime.publisher.refresh()
    assert drill.runtime.counters.sent_http == 50

    await drill.allow_smpp()
    await sim.wait_for(lambda s: len(s.accepted) == 2)
    assert sorted(m.text for m in sim.messages() if m.via == "smpp") == ["__TGM__: 1234"] * 2
    await _until(drill.hass, lambda: "stopped" in drill.states())
    stopped = drill.events[drill.states().index("stopped")]
    assert (stopped["sent"], stopped["failed"]) == (50, 0)
    assert http.sent_count == 50  # nothing more over HTTP once SMPP is back
    await unload_entry(hass, drill.entry)


async def test_binds_allowed_again_mid_burst(
    hass: HomeAssistant, simulator: SmscSimulator, entry_options: dict[str, Any]
) -> None:
    """SMPP comes back while the fallback sends: SMPP takes the rest; no message twice."""
    drill = await start(hass, simulator, entry_options, throughput=20)
    entry = drill.entry
    http = simulator.http
    assert http is not None
    await drill.refuse_smpp()
    texts = await drill.queue(50, "midburst")
    drill.advance(AFTER + 1)
    await simulator.wait_for(lambda s: http.sent_count >= 10)
    await drill.allow_smpp()
    runtime: SmscRuntime = entry.runtime_data
    await _until(hass, lambda: runtime.outbox.queued == 0, timeout=20)
    drill.assert_each_once(texts)
    over_http = http.sent_count
    assert 10 <= over_http < 50
    assert len(simulator.accepted) == 50 - over_http
    assert simulator.status_counts[0x45] == 0  # no SMPP submit was a duplicate
    assert not any(r.error for r in http.requests)
    assert runtime.outbox.failed_total == 0
    await unload_entry(hass, entry)


async def test_http_down_too_then_http_back(drill: Drill) -> None:
    """Both ways down: everything waits (the fallback pauses and says so); HTTP back first:
    everything goes over HTTP once."""
    sim, http = drill.sim, drill.sim.http
    assert http is not None
    await drill.refuse_smpp()
    http.down()
    texts = await drill.queue(20, "bothdown")
    drill.advance(AFTER + 1)
    await _until(drill.hass, lambda: "paused" in drill.states())
    # the requests in flight with the first failure fail too, within this pause
    await _until(drill.hass, lambda: drill.fallback.in_flight == 0)
    paused = drill.events[drill.states().index("paused")]
    assert (paused["error"], paused["retry_in"]) == ("api_cannot_connect", 10.0)
    assert drill.states().count("paused") == 1
    assert drill.runtime.outbox.queued == 20
    assert sim.message_count == 0

    http.up()
    drill.advance(11)  # the pause is over
    await sim.wait_for(lambda s: http.sent_count == 20)
    drill.assert_each_once(texts)
    assert not sim.accepted


async def test_http_down_too_then_smpp_back(drill: Drill) -> None:
    """Both ways down; SMPP back first: everything goes over SMPP once (the message HTTP
    left uncertain too)."""
    sim, http = drill.sim, drill.sim.http
    assert http is not None
    await drill.refuse_smpp()
    http.down("reset")  # requests are cut: the first one's fate is unknown
    texts = await drill.queue(20, "smppback")
    drill.advance(AFTER + 1)
    await _until(drill.hass, lambda: "paused" in drill.states())
    await drill.allow_smpp()
    await sim.wait_for(lambda s: len(s.accepted) == 20)
    await drill.hass.async_block_till_done()
    drill.assert_each_once(texts)
    assert http.sent_count == 0
    assert drill.runtime.outbox.failed_total == 0


async def test_restart_in_the_middle(
    hass: HomeAssistant, simulator: SmscSimulator, entry_options: dict[str, Any]
) -> None:
    """An answer lost on the way, then Home Assistant restarts while SMPP is still refused:
    after the restart the fallback asks the provider for that message (it went) and sends
    the rest; nothing is lost or sent twice."""
    drill = await start(hass, simulator, entry_options)
    entry = drill.entry
    http = simulator.http
    assert http is not None
    await drill.refuse_smpp()
    texts = await drill.queue(30, "restart")
    http.lose_answers(1)  # the first message goes; its answer does not come back
    drill.advance(AFTER + 1)
    await _until(hass, lambda: "paused" in drill.states())
    # the others in flight with it are answered before the restart, so only the lost one is
    # uncertain (one cut by the restart would be uncertain too, and looked up as well)
    await _until(hass, lambda: drill.fallback.in_flight == 0)
    assert 1 <= http.sent_count <= IN_FLIGHT

    assert await hass.config_entries.async_reload(entry.entry_id)  # SMPP still refused
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert not entry.runtime_data.link.status.bound
    drill.advance(AFTER + 1)
    await _until(hass, lambda: entry.runtime_data.outbox.queued == 0)
    drill.assert_each_once(texts)
    assert http.sent_count == 30
    statuses = [r for r in http.requests if r.path == "/sys/status.php"]
    assert len(statuses) == 1  # the uncertain one was looked up, not sent again
    assert not [r for r in http.requests if r.error == 9]
    await unload_entry(hass, entry)


async def test_setup_with_smpp_refused_and_fallback_on(
    hass: HomeAssistant, simulator: SmscSimulator, entry_options: dict[str, Any]
) -> None:
    """SMPP refused from the start: the entry loads all the same, and a message sent over
    HTTP answers with the provider's id and ``via: http``."""
    simulator.refuse_binds(0x0D)
    options = fallback_options(simulator, entry_options)
    entry = await setup_entry(hass, make_entry(simulator, options, password=PASSWORD))
    drill = Drill(hass, simulator, entry)
    drill.advance(AFTER + 1)
    await _until(hass, lambda: drill.fallback.active)
    response = await hass.services.async_call(
        DOMAIN,
        "send_sms",
        {"recipients": ["+7 999 123-45-67"], "message": "over http"},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    [message] = response["messages"]
    [sent] = simulator.messages()
    assert message == {
        "recipient": "79991234567",
        "message_id": sent.message_id,
        "parts": 1,
        "status": "sent",
        "via": "http",
    }
    assert entry.runtime_data.tracker.get(sent.message_id) is not None
    await unload_entry(hass, entry)


async def test_a_message_the_api_refuses_fails(drill: Drill) -> None:
    """The API refuses a message itself (an invalid number): it fails, and says so; the
    others go."""
    http = drill.sim.http
    assert http is not None
    await drill.refuse_smpp()
    texts = await drill.queue(3, "refusedmsg")
    http.fail(7)
    drill.advance(AFTER + 1)
    await _until(drill.hass, lambda: drill.runtime.outbox.queued == 0)
    [failed] = [e for e in drill.events if e["state"] == "failed"]
    assert (failed["error"], failed["code"], failed["channel"]) == ("api_invalid_number", 7, "sms")
    # the refused one is whichever request came first (several are in flight at once)
    counts = {f"7999{i:07d}": drill.sim.count_text(text) for i, text in enumerate(texts)}
    assert sorted(counts.values()) == [0, 1, 1]
    assert counts[failed["recipient"]] == 0
    assert drill.runtime.outbox.failed_total == 1
    assert drill.fallback.failed_total == 1


async def test_too_many_requests_waits_and_sends_once(drill: Drill) -> None:
    """Error 9 for a message never sent before is "too many requests": it was not sent; the
    fallback pauses, then sends everything once."""
    http = drill.sim.http
    assert http is not None
    await drill.refuse_smpp()
    texts = await drill.queue(2, "toomany")
    http.fail(9)
    drill.advance(AFTER + 1)
    await _until(drill.hass, lambda: "paused" in drill.states())
    paused = drill.events[drill.states().index("paused")]
    assert paused["error"] == "api_duplicate"
    assert drill.runtime.outbox.queued >= 1  # the refused one waits (the other may have gone)
    drill.advance(11)
    await _until(drill.hass, lambda: drill.runtime.outbox.queued == 0)
    drill.assert_each_once(texts)


async def test_the_throughput_option_holds_over_http(
    hass: HomeAssistant, simulator: SmscSimulator, entry_options: dict[str, Any]
) -> None:
    """Over HTTP too, never more than the throughput option in any sliding second (the
    provider counts HTTP and SMPP sends alike)."""
    drill = await start(hass, simulator, entry_options, throughput=4)
    http = simulator.http
    assert http is not None
    await drill.refuse_smpp()
    texts = await drill.queue(12, "paced")
    # the instants the fallback sends at, as its limiter counts them (arrival at the simulator,
    # in this same event loop, adds the loop's scheduling delays: the limiter's 10 ms margin
    # covers a network's jitter, not a loaded test machine's)
    stamps = stamp_sends(drill.runtime.outbox)
    drill.advance(AFTER + 1)
    await simulator.wait_for(lambda s: http.sent_count == 12, timeout=20)
    drill.assert_each_once(texts)
    assert len(stamps) == 12
    assert busiest_second(stamps) <= 4
    assert drill.fallback.diagnostics()["rate"] == 4
    await unload_entry(hass, drill.entry)


async def test_requests_in_flight_are_capped_and_a_stop_cancels_them(
    hass: HomeAssistant, simulator: SmscSimulator, entry_options: dict[str, Any]
) -> None:
    """At most IN_FLIGHT requests at once, whatever the throughput option allows; a stop
    cancels those in flight, and after the restart each of them is looked up before it is
    sent: each message once."""
    drill = await start(hass, simulator, entry_options, throughput=1000)
    entry, http = drill.entry, simulator.http
    assert http is not None
    texts = await drill.hold_requests(10, "inflight")
    await asyncio.sleep(0.1)  # 100 more sends' worth of time at 1,000/s: none is made
    assert http.hanging == IN_FLIGHT
    assert entry.runtime_data.outbox.queued == 10

    assert await hass.config_entries.async_reload(entry.entry_id)  # SMPP still refused
    # dropped unanswered; the new runtime's first balance read may be held already
    await _until(hass, lambda: http.hanging <= 1)
    http.up()
    drill.advance(AFTER + 1)
    await _until(hass, lambda: entry.runtime_data.outbox.queued == 0)
    drill.assert_each_once(texts)
    statuses = [r for r in http.requests if r.path == "/sys/status.php"]
    assert len(statuses) == IN_FLIGHT  # the ones cut off were looked up first
    await unload_entry(hass, entry)


async def test_requests_failing_together_pause_once(
    hass: HomeAssistant, simulator: SmscSimulator, entry_options: dict[str, Any]
) -> None:
    """The requests in flight when the API fails all fail: one pause (10 s), not one
    doubled pause each."""
    drill = await start(hass, simulator, entry_options, throughput=1000)
    http = simulator.http
    assert http is not None
    texts = await drill.hold_requests(10, "together")
    http.down("unavailable")  # the held requests are answered now: 503 each
    await _until(hass, lambda: "paused" in drill.states())
    await hass.async_block_till_done()
    paused = [e for e in drill.events if e["state"] == "paused"]
    assert [(e["error"], e["retry_in"]) for e in paused] == [("api_cannot_connect", 10.0)]
    http.up()
    drill.advance(11)
    await _until(hass, lambda: drill.runtime.outbox.queued == 0)
    drill.assert_each_once(texts)
    await unload_entry(hass, drill.entry)


async def test_a_bug_in_one_send_is_logged_and_the_others_go(
    drill: Drill, caplog: pytest.LogCaptureFixture
) -> None:
    """An unexpected error in one send (a bug, not the API) is logged with its message's
    local id, and the fallback goes on with the rest."""
    await drill.refuse_smpp()
    texts = await drill.queue(3, "bug")
    sender = drill.sender
    send = sender._send
    failed: list[str] = []

    async def first_fails(source: Any, message: Any) -> None:
        if not failed:
            failed.append(message.local_id)
            raise RuntimeError("a bug")
        await send(source, message)

    sender._send = first_fails  # type: ignore[method-assign]
    drill.advance(AFTER + 1)
    http = drill.sim.http
    assert http is not None
    await drill.sim.wait_for(lambda s: http.sent_count == 2)
    assert f"Sending {failed[0]} over HTTP failed" in caplog.text
    assert sorted(drill.sim.count_text(t) for t in texts) == [0, 1, 1]
