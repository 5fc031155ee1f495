"""E-mail addresses SMPP cannot carry (over 20 characters) go over the HTTP API.

Real SMPP and HTTP against the simulator: with an HTTP API password such a message is queued
in the outbox like any other, sent over HTTP whatever SMPP does, each once, and its delivery
report comes back as any other's; without one it is refused with an error that says how to
send it. The HTTP sender's clock (how long a pause after a failure of the API lasts) is moved
by the test, never waited for.
"""

from __future__ import annotations

import copy
from typing import Any

from homeassistant.components.notify import DOMAIN as NOTIFY_DOMAIN
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import Event, HomeAssistant
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smscentre.const import (
    CONF_API_PASSWORD,
    CONF_API_URL,
    CONF_HTTP_FALLBACK,
    CONF_THROUGHPUT,
    DOMAIN,
    EVENT_DELIVERY_REPORT,
    EVENT_HTTP_FALLBACK,
)
from custom_components.smscentre.runtime import SmscRuntime
from custom_components.smscentre.smsc.channels import MAX_EMAIL_LENGTH, Channel
from custom_components.smscentre.smsc.http.sender import HttpSender
from smscsim import SmscSimulator

from .conftest import make_entry, setup_entry, unload_entry
from .http_helpers import busiest_second, stamp_sends, until as _until

PASSWORD = "Em-pw42x"  # the account's: SMPP and the HTTP API
LONG = "someone.long@example.com"  # 24 characters: more than destination_addr holds
LONG_2 = "another.reader@example.org"
SHORT = "me@example.com"
EMAIL = {"subject": "Report", "message": "All fine"}
TEXT = "__MAIL__: All fine\nsubj:Report"  # as the simulator records it, whichever way it came


@pytest.fixture
def sim_accounts() -> dict[str, str]:
    return {"myhome": PASSWORD}


def api_options(sim: SmscSimulator, entry_options: dict[str, Any], **changes: Any) -> Any:
    assert sim.http is not None
    return (
        copy.deepcopy(entry_options)
        | {CONF_API_PASSWORD: PASSWORD, CONF_API_URL: sim.http.url}
        | changes
    )


async def start(
    hass: HomeAssistant, sim: SmscSimulator, entry_options: dict[str, Any], **changes: Any
) -> MockConfigEntry:
    """An entry with the HTTP API set up, bound over SMPP."""
    entry = await setup_entry(
        hass, make_entry(sim, api_options(sim, entry_options, **changes), password=PASSWORD)
    )
    await sim.wait_for(lambda s: len(s.sessions) == 1)
    return entry


def runtime(entry: MockConfigEntry) -> SmscRuntime:
    return entry.runtime_data  # type: ignore[no-any-return]


def sender(entry: MockConfigEntry) -> HttpSender:
    found = runtime(entry).http_sender
    assert found is not None
    return found


def advance(entry: MockConfigEntry, seconds: float) -> None:
    """The HTTP sender's clock moves on (a pause after a failure ends sooner)."""
    part = sender(entry)
    clock = part.clock
    part.clock = lambda: clock() + seconds
    part.check()


async def send_email(hass: HomeAssistant, recipients: Any) -> dict[str, Any]:
    response = await hass.services.async_call(
        DOMAIN,
        "send_email",
        {"recipients": recipients} | EMAIL,
        blocking=True,
        return_response=True,
    )
    assert response is not None
    return response


async def queue_email(entry: MockConfigEntry, recipient: str) -> None:
    """Queue an e-mail without waiting for what becomes of it (the actions wait up to 30 s
    while a way out seems open)."""
    response = await runtime(entry).sending.async_send(Channel.EMAIL, [recipient], EMAIL, wait=0)
    assert response["messages"][0]["status"] == "queued"


async def queued_over_a_restart(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """An e-mail to the long address fails to go (the API fails), then Home Assistant
    restarts with it queued."""
    await queue_email(entry, LONG)
    await _until(hass, lambda: sender(entry).last_error is not None)
    await _until(hass, lambda: sender(entry).in_flight == 0)
    assert runtime(entry).outbox.queued == 1
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


def sends(sim: SmscSimulator) -> list[Any]:
    assert sim.http is not None
    return [r for r in sim.http.requests if r.path == "/sys/send.php"]


def status_lookups(sim: SmscSimulator) -> list[Any]:
    assert sim.http is not None
    return [r for r in sim.http.requests if r.path == "/sys/status.php"]


async def test_a_long_address_goes_over_http_while_smpp_is_bound(
    hass: HomeAssistant, simulator: SmscSimulator, entry_options: dict[str, Any]
) -> None:
    """SMPP bound: the long address leaves over HTTP (SMPP gets nothing for it), the answer
    has the provider's id and ``via: http``, and its delivery report comes as any other."""
    http = simulator.http
    assert http is not None
    http.receipts_over_smpp = True  # the provider's receipt for it comes over SMPP
    entry = await start(hass, simulator, entry_options)
    reports: list[dict[str, Any]] = []
    hass.bus.async_listen(EVENT_DELIVERY_REPORT, lambda e: reports.append(dict(e.data)))
    assert len(LONG) > MAX_EMAIL_LENGTH
    response = await send_email(hass, LONG)
    [message] = response["messages"]
    [sent] = simulator.messages()
    assert sent.via == "http"
    assert message == {
        "recipient": LONG,
        "message_id": sent.message_id,
        "parts": 1,
        "status": "sent",
        "via": "http",
    }
    assert simulator.submits == []  # nothing for it over SMPP
    [request] = sends(simulator)
    assert (request.params["phones"], request.params["mail"]) == (LONG, "1")
    assert (request.params["mes"], request.params["subj"]) == ("All fine", "Report")
    await _until(hass, lambda: bool(reports))
    [report] = reports
    assert (report["message_id"], report["recipient"], report["status"]) == (
        sent.message_id,
        LONG,
        "delivered",
    )
    runtime(entry).publisher.refresh()
    assert runtime(entry).counters.sent_http == 1
    await unload_entry(hass, entry)


async def test_short_and_long_addresses_in_one_call(
    hass: HomeAssistant, simulator: SmscSimulator, entry_options: dict[str, Any]
) -> None:
    """One call, mixed recipients: the short ones over SMPP as before, the long ones over
    HTTP; one answer with each message's way."""
    entry = await start(hass, simulator, entry_options)
    response = await send_email(hass, [SHORT, LONG, "a@b.ru", LONG_2])
    by_recipient = {m["recipient"]: m for m in response["messages"]}
    assert {r: m["via"] for r, m in by_recipient.items()} == {
        SHORT: "smpp",
        LONG: "http",
        "a@b.ru": "smpp",
        LONG_2: "http",
    }
    assert all(m["status"] == "sent" for m in response["messages"])
    assert sorted(s.destination_addr for s in simulator.accepted) == ["a@b.ru", SHORT]
    assert sorted(r.params["phones"] for r in sends(simulator)) == [LONG_2, LONG]
    ids = {m.destination: m.message_id for m in simulator.messages()}
    assert {r: m["message_id"] for r, m in by_recipient.items()} == ids
    assert runtime(entry).outbox.queued == 0
    await unload_entry(hass, entry)


async def test_without_the_http_api_a_long_address_is_refused(
    hass: HomeAssistant, simulator: SmscSimulator, entry_options: dict[str, Any]
) -> None:
    """No HTTP API: refused as before, and the error says how to send to such an address;
    nothing is sent, not even to the short address of the same call."""
    entry = await setup_entry(hass, make_entry(simulator, entry_options, password=PASSWORD))
    await simulator.wait_for(lambda s: len(s.sessions) == 1)
    with pytest.raises(ServiceValidationError) as err:
        await send_email(hass, [SHORT, LONG])
    assert err.value.translation_key == "email_too_long"
    assert err.value.translation_placeholders == {"email": LONG, "max": "20"}
    assert "HTTP API password" in str(err.value)
    await hass.async_block_till_done()
    assert simulator.submits == []
    assert runtime(entry).http_sender is None
    await unload_entry(hass, entry)


async def test_the_legacy_notify_service(
    hass: HomeAssistant, simulator: SmscSimulator, entry_options: dict[str, Any]
) -> None:
    """notify.smscentre_<login> with ``channel: email`` takes a long address too."""
    entry = await start(hass, simulator, entry_options)
    await hass.services.async_call(
        NOTIFY_DOMAIN,
        "smscentre_myhome",
        {"message": "All fine", "title": "Report", "target": [LONG], "data": {"channel": "email"}},
        blocking=True,
    )
    await _until(hass, lambda: runtime(entry).outbox.queued == 0)
    [sent] = simulator.messages()
    assert (sent.via, sent.destination, sent.text) == ("http", LONG, TEXT)
    assert simulator.submits == []
    await unload_entry(hass, entry)


async def test_the_price_of_a_long_address(
    hass: HomeAssistant, simulator: SmscSimulator, entry_options: dict[str, Any]
) -> None:
    """get_cost prices a long address over HTTP as it would be sent; nothing is sent."""
    entry = await start(hass, simulator, entry_options)
    response = await hass.services.async_call(
        DOMAIN,
        "get_cost",
        {"channel": "email", "recipients": [LONG]} | EMAIL,
        blocking=True,
        return_response=True,
    )
    assert response == {"cost": 2.5, "currency": "RUB", "parts": 1}
    assert simulator.messages() == []
    await unload_entry(hass, entry)


async def test_sent_while_smpp_cannot_bind(
    hass: HomeAssistant, simulator: SmscSimulator, entry_options: dict[str, Any]
) -> None:
    """SMPP refused and no HTTP fallback: the long address still goes at once (and the
    caller waits for it); a short one waits for SMPP."""
    entry = await start(hass, simulator, entry_options)
    simulator.refuse_binds(0x0D)
    simulator.drop_all()
    await _until(hass, lambda: not runtime(entry).link.status.bound)
    response = await send_email(hass, LONG)
    assert [(m["status"], m["via"]) for m in response["messages"]] == [("sent", "http")]
    response = await send_email(hass, [SHORT, LONG_2])
    # a short address has no way out now: the call answers at once, the long one queued too
    assert {m["recipient"]: m["status"] for m in response["messages"]} == {
        SHORT: "queued",
        LONG_2: "queued",
    }
    await _until(hass, lambda: runtime(entry).outbox.queued == 1)
    assert sorted(r.params["phones"] for r in sends(simulator)) == [LONG_2, LONG]
    simulator.refuse_binds(0, 0)
    await _until(hass, lambda: runtime(entry).outbox.queued == 0)
    assert [s.destination_addr for s in simulator.accepted] == [SHORT]
    await unload_entry(hass, entry)


async def test_the_fallback_leaves_it_to_the_http_only_route(
    hass: HomeAssistant, simulator: SmscSimulator, entry_options: dict[str, Any]
) -> None:
    """With the HTTP fallback on but not sending (SMPP bound), the long address goes all
    the same, and the fallback tells nothing on the bus: it is not the fallback's."""
    events: list[Event] = []
    hass.bus.async_listen(EVENT_HTTP_FALLBACK, events.append)
    entry = await start(hass, simulator, entry_options, **{CONF_HTTP_FALLBACK: True})
    response = await send_email(hass, [LONG, SHORT])
    assert {m["recipient"]: m["via"] for m in response["messages"]} == {
        LONG: "http",
        SHORT: "smpp",
    }
    fallback = runtime(entry).fallback
    assert fallback is not None
    assert (fallback.sent_total, fallback.active) == (0, False)
    assert sender(entry).sent_total == 1
    assert events == []
    await unload_entry(hass, entry)


async def test_the_api_down_then_back_sends_once(
    hass: HomeAssistant,
    simulator: SmscSimulator,
    entry_options: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The API cuts the request (did it go?): the message waits in the outbox, uncertain,
    while the sender pauses; once the API is back it is looked up first, then sent once."""
    http = simulator.http
    assert http is not None
    entry = await start(hass, simulator, entry_options)
    http.down("reset")
    await queue_email(entry, LONG)
    await _until(hass, lambda: sender(entry).last_error is not None)
    await _until(hass, lambda: sender(entry).in_flight == 0)
    assert sender(entry).paused_for > 0
    assert runtime(entry).outbox.queued == 1
    assert "messages only it can carry wait 10 s" in caplog.text
    # meanwhile SMPP sends what it can; it never gets the long address
    await send_email(hass, SHORT)
    assert [s.destination_addr for s in simulator.accepted] == [SHORT]

    http.up()
    advance(entry, 11)  # the pause is over
    await _until(hass, lambda: runtime(entry).outbox.queued == 0)
    assert simulator.count_text(TEXT) == 2  # the short one over SMPP, the long one over HTTP
    [sent] = [m for m in simulator.messages() if m.via == "http"]
    assert sent.destination == LONG
    assert len(status_lookups(simulator)) == 1  # uncertain: looked up before the resend
    assert [s.destination_addr for s in simulator.accepted] == [SHORT]
    await unload_entry(hass, entry)


async def test_a_restart_with_an_uncertain_one_queued(
    hass: HomeAssistant, simulator: SmscSimulator, entry_options: dict[str, Any]
) -> None:
    """The request went but its answer was lost; Home Assistant restarts: the message is
    still queued, and after the restart it is looked up (it went) and not sent again."""
    http = simulator.http
    assert http is not None
    entry = await start(hass, simulator, entry_options)
    http.lose_answers(1)
    await queued_over_a_restart(hass, entry)
    assert http.sent_count == 1
    await _until(hass, lambda: runtime(entry).outbox.queued == 0)
    assert http.sent_count == 1
    assert simulator.count_text(TEXT) == 1
    assert len(status_lookups(simulator)) == 1
    assert len(sends(simulator)) == 1
    assert simulator.submits == []
    await unload_entry(hass, entry)


async def test_a_restart_while_the_api_is_down(
    hass: HomeAssistant, simulator: SmscSimulator, entry_options: dict[str, Any]
) -> None:
    """The API answers 503 (a server error: the message may have gone) and stays down over
    a restart; once it is back the message is looked up, then sent once."""
    http = simulator.http
    assert http is not None
    entry = await start(hass, simulator, entry_options)
    http.down("unavailable")
    await queued_over_a_restart(hass, entry)
    http.up()
    await _until(hass, lambda: runtime(entry).outbox.queued == 0)
    assert simulator.count_text(TEXT) == 1
    assert len(status_lookups(simulator)) == 1
    assert simulator.submits == []
    await unload_entry(hass, entry)


async def test_http_and_smpp_share_the_throughput_option(
    hass: HomeAssistant, simulator: SmscSimulator, entry_options: dict[str, Any]
) -> None:
    """SMPP's SUBMIT_SMs and HTTP's requests count against one limit: together, never more
    than the throughput option in any second."""
    entry = await start(hass, simulator, entry_options, **{CONF_THROUGHPUT: 4})
    stamps = stamp_sends(runtime(entry).outbox)
    longs = [f"reader.number{i:02d}@example.com" for i in range(6)]
    shorts = [f"r{i}@example.com" for i in range(6)]
    response = await send_email(hass, [x for pair in zip(longs, shorts, strict=True) for x in pair])
    assert all(m["status"] == "sent" for m in response["messages"])
    assert len(sends(simulator)) == 6
    assert len(simulator.accepted) == 6
    assert len(stamps) == 12
    assert busiest_second(stamps) <= 4
    await unload_entry(hass, entry)


async def test_the_api_removed_with_one_queued_keeps_it(
    hass: HomeAssistant,
    simulator: SmscSimulator,
    entry_options: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The HTTP API password removed while such a message waits: it stays queued (SMPP never
    gets it) and the log says how to send it; with the password back it goes, once."""
    http = simulator.http
    assert http is not None
    entry = await start(hass, simulator, entry_options)
    http.down("unavailable")
    await queue_email(entry, LONG)
    await _until(hass, lambda: sender(entry).last_error is not None)
    await _until(hass, lambda: sender(entry).in_flight == 0)
    options = dict(entry.options)
    hass.config_entries.async_update_entry(entry, options=options | {CONF_API_PASSWORD: ""})
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert runtime(entry).http_sender is None
    assert runtime(entry).outbox.queued == 1
    assert "wait in the outbox; set the HTTP API password" in caplog.text
    http.up()
    hass.config_entries.async_update_entry(entry, options=options)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    await _until(hass, lambda: runtime(entry).outbox.queued == 0)
    assert simulator.count_text(TEXT) == 1
    assert simulator.submits == []
    await unload_entry(hass, entry)
