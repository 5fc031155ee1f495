"""The Last message sensor, and what the recorder keeps of an SMS."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from homeassistant.components.recorder import Recorder
from homeassistant.components.recorder.history import get_significant_states
from homeassistant.core import Event, HomeAssistant, State
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_mock_restore_state_shutdown_restart,
    mock_restore_cache_with_extra_data,
)
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.smscentre.const import DOMAIN, EVENT_INCOMING_SMS
from custom_components.smscentre.smsc.incoming import IncomingMessage
from smscsim import SmscSimulator

from .receiving_helpers import (
    USERNAME,
    deliver_sms,
    make_entry,
    post_incoming_sms,
    setup_entry,
    sim,  # noqa: F401
    webhook_options,
)

# 300 GSM characters: two parts over SMPP, more than a state may hold
LONG_TEXT = ("Leak under the kitchen sink at 03:12, water shut off, pump stopped. " * 5)[:300]


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, enable_custom_integrations: None
) -> None:
    """Every test here runs with the recorder, set up before Home Assistant starts."""


def sensor_id(hass: HomeAssistant) -> str:
    """The Last message sensor's entity id (independent of translations)."""
    found = er.async_get(hass).async_get_entity_id("sensor", DOMAIN, f"{USERNAME}_last_message")
    assert found is not None
    return found


@pytest.fixture
async def entry(hass: HomeAssistant, sim: SmscSimulator) -> MockConfigEntry:  # noqa: F811
    """A loaded entry bound to the simulator."""
    config_entry = make_entry(sim)
    await setup_entry(hass, config_entry)
    return config_entry


async def test_empty_until_an_sms_comes(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """A new sensor has no message: unknown, no attributes, no unit or class."""
    state = hass.states.get(sensor_id(hass))
    assert state is not None
    assert state.state == "unknown"
    assert state.name == "SMS Center test Last message"
    for attribute in ("sender", "received_at", "parts", "unit_of_measurement", "state_class"):
        assert attribute not in state.attributes
    assert "device_class" not in state.attributes


async def test_sms_over_smpp(
    hass: HomeAssistant,
    sim: SmscSimulator,  # noqa: F811
    entry: MockConfigEntry,
) -> None:
    """An SMS over SMPP: its text as the state, the sender as people write numbers."""
    before = dt_util.utcnow()
    await deliver_sms(hass, sim, "Привет, дом!")
    state = hass.states.get(sensor_id(hass))
    assert state is not None
    assert state.state == "Привет, дом!"
    assert state.attributes["sender"] == "+7 999 000-11-22"
    assert state.attributes["parts"] == 1
    received_at = state.attributes["received_at"]
    assert isinstance(received_at, datetime)
    assert before <= received_at <= dt_util.utcnow()

    await deliver_sms(hass, sim, "Second")
    state = hass.states.get(sensor_id(hass))
    assert state is not None
    assert state.state == "Second"


async def test_long_sms_cut_to_a_state(
    hass: HomeAssistant,
    sim: SmscSimulator,  # noqa: F811
    entry: MockConfigEntry,
) -> None:
    """A text longer than a state may hold is cut with an ellipsis; the event keeps it all."""
    events: list[Event] = []
    hass.bus.async_listen(EVENT_INCOMING_SMS, events.append)
    await deliver_sms(hass, sim, LONG_TEXT)
    assert events[0].data["text"] == LONG_TEXT
    state = hass.states.get(sensor_id(hass))
    assert state is not None
    assert len(state.state) <= 255
    assert state.state.endswith("…")
    assert LONG_TEXT.startswith(state.state[:-1])
    assert len(state.state) > 240
    assert state.attributes["parts"] == 2


async def test_sms_through_the_webhook(
    hass: HomeAssistant,
    sim: SmscSimulator,  # noqa: F811
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """An SMS through the provider's HTTP handler shows the same way."""
    await setup_entry(hass, make_entry(sim, options=webhook_options()))
    client = await hass_client_no_auth()
    await post_incoming_sms(client, "+79990001122", "Gate opened")
    await hass.async_block_till_done()
    state = hass.states.get(sensor_id(hass))
    assert state is not None
    assert state.state == "Gate opened"
    assert state.attributes["sender"] == "+7 999 000-11-22"
    assert state.attributes["received_at"] == datetime(2025, 3, 5, 9, 30, 5, tzinfo=UTC)
    assert state.attributes["parts"] == 1


async def test_alphanumeric_sender_shown_as_it_came(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """A sender name is no number to format."""
    entry.runtime_data.dispatcher.incoming(
        IncomingMessage("MyBank", "79037000000", "Code 1234", 1, dt_util.utcnow())
    )
    await hass.async_block_till_done()
    state = hass.states.get(sensor_id(hass))
    assert state is not None
    assert (state.state, state.attributes["sender"]) == ("Code 1234", "MyBank")


async def test_restored_after_a_restart(
    hass: HomeAssistant,
    sim: SmscSimulator,  # noqa: F811
    entry: MockConfigEntry,
) -> None:
    """The last message is still there to read after Home Assistant restarts."""
    await deliver_sms(hass, sim, LONG_TEXT)
    before = hass.states.get(sensor_id(hass))
    assert before is not None
    await async_mock_restore_state_shutdown_restart(hass)
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    after = hass.states.get(sensor_id(hass))
    assert after is not None
    assert after.state == before.state
    assert after.attributes == before.attributes
    assert isinstance(after.attributes["received_at"], datetime)


@pytest.mark.parametrize(
    "extra_data",
    [
        None,
        {},
        {"text": "x", "sender": "1", "received_at": "yesterday", "parts": 1},
        {"text": "x", "sender": "1", "received_at": None, "parts": 1},
    ],
)
async def test_unreadable_restore_data_is_no_message(
    hass: HomeAssistant,
    sim: SmscSimulator,  # noqa: F811
    extra_data: dict[str, Any] | None,
) -> None:
    """What cannot be read back leaves the sensor empty, not broken."""
    config_entry = make_entry(sim)
    mock_restore_cache_with_extra_data(
        hass, [(State("sensor.sms_center_test_last_message", "old"), extra_data)]
    )
    await setup_entry(hass, config_entry)
    state = hass.states.get(sensor_id(hass))
    assert state is not None
    assert state.state == "unknown"


async def test_restored_from_stored_data(hass: HomeAssistant, sim: SmscSimulator) -> None:  # noqa: F811
    """The restore store's data, as a previous run left it, is shown (the text cut again)."""
    config_entry = make_entry(sim)
    mock_restore_cache_with_extra_data(
        hass,
        [
            (
                State("sensor.sms_center_test_last_message", "ignored"),
                {
                    "text": "a" * 300,
                    "sender": "79990001122",
                    "received_at": "2025-03-05T09:30:05+00:00",
                    "parts": 2,
                },
            )
        ],
    )
    await setup_entry(hass, config_entry)
    state = hass.states.get(sensor_id(hass))
    assert state is not None
    assert state.state == "a" * 254 + "…"
    assert state.attributes["sender"] == "+7 999 000-11-22"
    assert state.attributes["received_at"] == datetime(2025, 3, 5, 9, 30, 5, tzinfo=UTC)
    assert state.attributes["parts"] == 2


# --- the recorder ------------------------------------------------------------------------------


async def test_recorder_keeps_the_text_not_the_number(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    sim: SmscSimulator,  # noqa: F811
    entry: MockConfigEntry,
) -> None:
    """The sensor's state (the text) is recorded, its sender is not; the bus event keeps both."""
    start = dt_util.utcnow()
    await deliver_sms(hass, sim, "Gate opened")
    await async_wait_recording_done(hass)
    last_message = sensor_id(hass)
    assert hass.states.get(last_message).attributes["sender"] == "+7 999 000-11-22"
    history = await recorder_mock.async_add_executor_job(
        get_significant_states, hass, start, None, [last_message]
    )
    recorded = history[last_message][-1]
    assert recorded.state == "Gate opened"
    assert "sender" not in recorded.attributes
    assert recorded.attributes["parts"] == 1
    assert "received_at" in recorded.attributes
