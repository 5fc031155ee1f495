"""Event entities: Incoming message and Delivery report."""

from __future__ import annotations

from datetime import UTC, datetime

from homeassistant.components.recorder import Recorder
from homeassistant.components.recorder.history import get_significant_states
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.smscentre.event import PRIVATE_ATTRIBUTES, REPORT_EVENT_TYPES
from custom_components.smscentre.smsc.incoming import IncomingMessage
from custom_components.smscentre.smsc.reports import EVENT_TYPES, DeliveryReport
from custom_components.smscentre.smsc.tracker import SentRecord
from smscsim import SmscSimulator

from .receiving_helpers import entity_id, make_entry, setup_entry, sim  # noqa: F401

RECEIVED = datetime(2025, 3, 5, 9, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, enable_custom_integrations: None
) -> None:
    """Every test here runs with the recorder, set up before Home Assistant starts."""


def incoming(text: str = "Gate opened") -> IncomingMessage:
    """An incoming SMS as the receiver makes it."""
    return IncomingMessage(
        sender="79990001122",
        recipient="79037000000",
        text=text,
        parts=1,
        received_at=RECEIVED,
        message_id="42",
    )


@pytest.fixture
async def entry(hass: HomeAssistant, sim: SmscSimulator) -> MockConfigEntry:  # noqa: F811
    """A loaded entry (webhook off)."""
    config_entry = make_entry(sim)
    await setup_entry(hass, config_entry)
    return config_entry


def test_event_types_match_the_core() -> None:
    """The entity declares exactly the statuses the parsers produce (INTERFACE.md)."""
    assert list(EVENT_TYPES) == REPORT_EVENT_TYPES


async def test_entities_on_the_device(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Both entities exist, empty until something happens, with their event types."""
    incoming_state = hass.states.get(entity_id(hass, "incoming_message"))
    report_state = hass.states.get(entity_id(hass, "delivery_report"))
    assert incoming_state is not None
    assert report_state is not None
    assert incoming_state.state == "unknown"
    assert incoming_state.attributes["event_types"] == ["sms"]
    assert report_state.attributes["event_types"] == REPORT_EVENT_TYPES


async def test_incoming_message(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """An incoming SMS triggers `sms` with the event's data as attributes."""
    entry.runtime_data.dispatcher.incoming(incoming("Привет"))
    await hass.async_block_till_done()
    state = hass.states.get(entity_id(hass, "incoming_message"))
    assert state is not None
    assert dt_util.parse_datetime(state.state) is not None
    attributes = dict(state.attributes)
    assert attributes.pop("friendly_name")
    assert attributes == {
        "event_types": ["sms"],
        "event_type": "sms",
        "sender": "79990001122",
        "recipient": "79037000000",
        "text": "Привет",
        "received_at": "2025-03-05T09:30:00+00:00",
        "parts": 1,
        "incomplete": False,
        "message_id": "42",
    }


@pytest.mark.parametrize("status", [*EVENT_TYPES, "something-new"])
async def test_delivery_report_types(
    hass: HomeAssistant, entry: MockConfigEntry, status: str
) -> None:
    """Each status is its event type; anything else is `unknown`."""
    record = SentRecord(
        local_id="L1",
        recipient="79991234567",
        channel="sms",
        submitted_at=0.0,
        parts=2,
        message_ids=["100001"],
    )
    report = DeliveryReport(message_id="100001", stat="X", status=status, error_code=0)
    entry.runtime_data.dispatcher.report(report, record)
    await hass.async_block_till_done()
    state = hass.states.get(entity_id(hass, "delivery_report"))
    assert state is not None
    expected = status if status in EVENT_TYPES else "unknown"
    assert state.attributes["event_type"] == expected
    assert state.attributes["recipient"] == "79991234567"
    assert state.attributes["channel"] == "sms"
    assert state.attributes["local_id"] == "L1"
    assert state.attributes["parts"] == 2
    assert "config_entry_id" not in state.attributes


async def test_each_event_is_a_state_change(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Two identical messages in a row are two state changes (automations fire twice)."""
    changes = []
    incoming_id = entity_id(hass, "incoming_message")
    hass.bus.async_listen(
        "state_changed",
        lambda event: changes.append(event) if event.data["entity_id"] == incoming_id else None,
    )
    entry.runtime_data.dispatcher.incoming(incoming())
    entry.runtime_data.dispatcher.incoming(incoming())
    await hass.async_block_till_done()
    assert len(changes) == 2


async def test_private_attributes_not_recorded(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    sim: SmscSimulator,  # noqa: F811
) -> None:
    """Text and phone numbers reach automations but never the database."""
    start = dt_util.utcnow()
    config_entry = make_entry(sim)
    await setup_entry(hass, config_entry)
    config_entry.runtime_data.dispatcher.incoming(incoming("Secret code 1234"))
    config_entry.runtime_data.dispatcher.report(
        DeliveryReport(message_id="100001", status="delivered", recipient="79991234567"), None
    )
    await hass.async_block_till_done()
    await async_wait_recording_done(hass)
    incoming_id = entity_id(hass, "incoming_message")
    report_id = entity_id(hass, "delivery_report")
    assert hass.states.get(incoming_id).attributes["text"] == "Secret code 1234"

    history = await recorder_mock.async_add_executor_job(
        get_significant_states, hass, start, None, [incoming_id, report_id]
    )
    recorded = [state for states in history.values() for state in states]
    assert {state.entity_id for state in recorded} == {incoming_id, report_id}
    for state in recorded:
        assert not PRIVATE_ATTRIBUTES & set(state.attributes), state.attributes
        assert "event_type" in state.attributes
    assert any(state.attributes.get("message_id") == "42" for state in recorded)
