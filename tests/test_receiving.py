"""Receiving end to end: the simulator's DELIVER_SMs through the real link over TCP."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
import struct

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import Event, HomeAssistant
from hypothesis import HealthCheck, given, settings, strategies as st
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.smscentre.const import (
    EVENT_DELIVERY_REPORT,
    EVENT_HLR_RESULT,
    EVENT_INCOMING_SMS,
)
from custom_components.smscentre.smsc.channels import Channel
from smscsim import SmscSimulator
from smscsim.pdu import encode_sm

from .receiving_helpers import entity_id, make_entry, setup_entry, sim  # noqa: F401

DELIVER_SM = 0x00000005
# TLVs a receipt or an incoming message may carry (SMPP 3.4 and the provider's own)
TLV_TAGS = [0x001E, 0x0427, 0x0423, 0x0424, 0x020C, 0x020E, 0x020F, 0x2000, 0x2001, 0x2002]
# 135-201 characters: three UCS2 parts of 67
LONG_TEXT = (
    "Датчик протечки на кухне сработал в 03:12. Вода перекрыта, насос выключен. "
    "Проверьте сифон под мойкой и шланг посудомоечной машины, затем нажмите "
    "кнопку на контроллере."
)


@pytest.fixture
async def entry(hass: HomeAssistant, sim: SmscSimulator) -> MockConfigEntry:  # noqa: F811
    """A loaded entry bound to the simulator as a transceiver."""
    config_entry = make_entry(sim)
    await setup_entry(hass, config_entry)
    assert len(sim.sessions) == 1
    return config_entry


async def answered(hass: HomeAssistant, sim: SmscSimulator, *sequences: int) -> None:  # noqa: F811
    """Wait until the link answered these DELIVER_SMs and Home Assistant handled them."""
    await sim.wait_for(lambda s: all(seq in s.deliver_responses for seq in sequences))
    await hass.async_block_till_done()


async def test_incoming_sms(
    hass: HomeAssistant,
    sim: SmscSimulator,  # noqa: F811
    entry: MockConfigEntry,
) -> None:
    """One DELIVER_SM: one bus event, the entity's state, ESME_ROK."""
    events = async_capture_events(hass, EVENT_INCOMING_SMS)
    seq = await sim.deliver_sm(source="79990001122", destination="79037000000", text="Привет!")
    await answered(hass, sim, seq)
    assert sim.deliver_responses[seq] == 0
    assert len(events) == 1
    data = events[0].data
    assert data["config_entry_id"] == entry.entry_id
    assert (data["sender"], data["recipient"]) == ("79990001122", "79037000000")
    assert data["text"] == "Привет!"
    assert data["parts"] == 1
    state = hass.states.get(entity_id(hass, "incoming_message"))
    assert state is not None
    assert state.attributes["event_type"] == "sms"
    assert state.attributes["text"] == "Привет!"


async def test_incoming_long_sms_out_of_order(
    hass: HomeAssistant,
    sim: SmscSimulator,  # noqa: F811
    entry: MockConfigEntry,
) -> None:
    """A 3-part message, parts out of order: one event with the whole text."""
    events = async_capture_events(hass, EVENT_INCOMING_SMS)
    changes: list[Event] = []
    incoming_id = entity_id(hass, "incoming_message")
    hass.bus.async_listen(
        "state_changed",
        lambda event: changes.append(event) if event.data["entity_id"] == incoming_id else None,
    )
    sequences = await sim.deliver_long(
        source="79990001122", destination="79037000000", text=LONG_TEXT, order=[2, 3, 1]
    )
    assert len(sequences) == 3, len(LONG_TEXT)
    await answered(hass, sim, *sequences)
    assert len(events) == 1
    assert events[0].data["text"] == LONG_TEXT
    assert events[0].data["parts"] == 3
    assert events[0].data["incomplete"] is False
    assert len(changes) == 1


async def test_report_for_sent_message(
    hass: HomeAssistant,
    sim: SmscSimulator,  # noqa: F811
    entry: MockConfigEntry,
) -> None:
    """The simulator's automatic receipt correlates with the message sent."""
    events = async_capture_events(hass, EVENT_DELIVERY_REPORT)
    result = await entry.runtime_data.sending.async_send(
        Channel.SMS, ["+7 999 123-45-67"], {"message": "Washer done"}
    )
    message_id = result["messages"][0]["message_id"]
    await sim.wait_for(lambda s: len(s.delivers_sent) == 1)
    await answered(hass, sim, *sim.delivers_sent)
    assert len(events) == 1
    data = events[0].data
    assert data["message_id"] == message_id
    assert data["recipient"] == "79991234567"
    assert data["channel"] == "sms"
    assert data["local_id"]
    assert data["status"] == "delivered"
    assert data["stat"] == "DELIVRD"
    # the receipt's dates are the provider's (Moscow) clock: they read as now
    submitted = datetime.fromisoformat(data["submitted_at"])
    assert abs((submitted - datetime.now(UTC)).total_seconds()) < 120
    state = hass.states.get(entity_id(hass, "delivery_report"))
    assert state is not None
    assert state.attributes["event_type"] == "delivered"


async def test_report_after_reload_correlates(
    hass: HomeAssistant,
    sim: SmscSimulator,  # noqa: F811
    entry: MockConfigEntry,
) -> None:
    """A report arriving after a restart still finds its message (persisted tracker)."""
    sim.auto_receipts = False
    result = await entry.runtime_data.sending.async_send(
        Channel.VIBER, ["+7 999 123-45-67"], {"message": "Parcel arrived"}
    )
    message_id = result["messages"][0]["message_id"]
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    await sim.wait_for(lambda s: len(s.sessions) == 1)

    events = async_capture_events(hass, EVENT_DELIVERY_REPORT)
    seq = await sim.send_receipt(message_id, stat="UNDELIV", err=1, tlvs={0x2001: b"\x00\x00"})
    await answered(hass, sim, seq)
    assert len(events) == 1
    data = events[0].data
    assert data["message_id"] == message_id
    assert data["channel"] == "viber"  # from the stored record: the receipt said "sms"
    assert data["local_id"]
    assert data["recipient"] == "79991234567"
    assert data["status"] == "undeliverable"
    assert data["error_code"] == 1


async def test_hlr_lookup(
    hass: HomeAssistant,
    sim: SmscSimulator,  # noqa: F811
    entry: MockConfigEntry,
) -> None:
    """`__HLR__` out, the result text back: parsed fields returned and fired."""
    events = async_capture_events(hass, EVENT_HLR_RESULT)
    result = await entry.runtime_data.sending.async_hlr("+7 999 123-45-67", timeout=5)
    assert result["message_id"]
    assert result["phone"] == "79991234567"
    assert result["status"] == "delivered"
    assert result["imsi"] == "250011234567890"
    assert result["msc"] == "79160000000"
    assert (result["mcc"], result["mnc"]) == ("250", "01")
    assert (result["country"], result["network"]) == ("Russia", "MTS PJSC")
    assert result["roaming_country"] is None
    assert result["roaming_network"] is None
    await hass.async_block_till_done()
    assert len(events) == 1
    assert events[0].data["imsi"] == "250011234567890"
    assert events[0].data["config_entry_id"] == entry.entry_id


# --- fuzz --------------------------------------------------------------------------------
_tlvs = st.dictionaries(
    st.sampled_from(TLV_TAGS) | st.integers(0, 0xFFFF), st.binary(max_size=12), max_size=4
)
_valid_bodies = st.builds(
    lambda source, destination, message, coding, esm, tlvs: encode_sm(
        source=source,
        destination=destination,
        short_message=message,
        data_coding=coding,
        esm_class=esm,
        tlvs=tlvs,
    ),
    st.text("0123456789+", max_size=15),
    st.text("0123456789", max_size=15),
    st.binary(max_size=160)
    | st.just(b"id:1 sub:001 dlvrd:001 submit date:2501011200 done date:2501011201 stat:DELIVRD")
    | st.just(b"\x05\x00\x03\x07\x02\x01Hello")
    | st.just(b"\x06\x08\x04\x01\x00\x03\x09Hi"),
    st.sampled_from([0, 3, 4, 8, 0xF0, 0xFF]) | st.integers(0, 255),
    st.sampled_from([0, 0x04, 0x08, 0x40, 0x44]) | st.integers(0, 255),
    _tlvs,
)


@st.composite
def _mutated(draw: st.DrawFn) -> bytes:
    body = bytearray(draw(_valid_bodies))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "cut", "insert", "delete"]))
        if op == "cut":
            del body[draw(st.integers(0, len(body))) :]
        elif not body or op == "insert":
            body[draw(st.integers(0, len(body))) : 0] = draw(st.binary(min_size=1, max_size=8))
        elif op == "flip":
            body[draw(st.integers(0, len(body) - 1))] ^= draw(st.integers(1, 255))
        else:
            del body[draw(st.integers(0, len(body) - 1))]
    return bytes(body)


_bodies = st.binary(max_size=300) | _valid_bodies | _mutated()


@given(body=_bodies, status=st.sampled_from([0, 0x08, 0x400, 0xFFFFFFFF]))
@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
async def test_fuzz_deliver_sm_keeps_link_bound(
    hass: HomeAssistant,
    sim: SmscSimulator,  # noqa: F811
    entry: MockConfigEntry,
    body: bytes,
    status: int,
) -> None:
    """Random and mutated DELIVER_SMs: each one answered, the same session stays bound."""
    session = sim.sessions[0]
    sequence = sim._next_sequence()
    session._pending[sequence] = DELIVER_SM  # track the answer to this raw PDU
    header = struct.pack(">IIII", 16 + len(body), DELIVER_SM, status, sequence)
    await sim.send_raw(header + body)
    await answered(hass, sim, sequence)
    assert sim.deliver_responses[sequence] == 0
    assert sim.sessions == [session]
    assert entry.runtime_data.link.status.bound_sessions == 1


async def test_still_receives_after_garbage(
    hass: HomeAssistant,
    sim: SmscSimulator,  # noqa: F811
    entry: MockConfigEntry,
) -> None:
    """After a malformed DELIVER_SM a good one still gets through."""
    events = async_capture_events(hass, EVENT_INCOMING_SMS)
    session = sim.sessions[0]
    bad = session.send_request(DELIVER_SM, b"\x00\x01\x01")
    good = await sim.deliver_sm(source="79990001122", destination="79037000000", text="ok")
    await answered(hass, sim, bad, good)
    assert [e.data["text"] for e in events] == ["ok"]
    assert sim.sessions == [session]


async def test_undeliverable_report_counts_as_failed(
    hass: HomeAssistant,
    sim: SmscSimulator,  # noqa: F811
    entry: MockConfigEntry,
) -> None:
    """A report saying undeliverable moves the message to Failed, and the state follows."""
    sim.auto_receipt_stat = "UNDELIV"
    sim.auto_receipt_err = 1
    runtime = entry.runtime_data
    result = await runtime.sending.async_send(Channel.SMS, ["79991234567"], {"message": "Gone?"})
    message_id = result["messages"][0]["message_id"]
    await sim.wait_for(lambda s: len(s.delivers_sent) == 1)
    await answered(hass, sim, *sim.delivers_sent)
    assert runtime.tracker.get(message_id).status == "undeliverable"
    assert runtime.tracker.failed_reports == 1
    async with asyncio.timeout(5):  # the counters are published at most once a second
        while hass.states.get("sensor.sms_center_test_failed_messages").state != "1":
            await asyncio.sleep(0.05)
    assert hass.states.get("sensor.sms_center_test_sent_messages").state == "1"
    status = await runtime.sending.async_query(message_id)
    assert status["report_status"] == "undeliverable"
    assert status["recipient"] == "79991234567"

    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.runtime_data.counters.failed == 1
