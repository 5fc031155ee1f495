"""The logbook's lines: incoming SMS, delivery reports (conversations: test_assist.py)."""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from homeassistant.components.logbook import const as logbook_const
from homeassistant.components.recorder import Recorder
from homeassistant.core import Event, HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.smscentre.const import (
    DOMAIN,
    EVENT_CONVERSATION,
    EVENT_DELIVERY_REPORT,
    EVENT_INCOMING_SMS,
)
from custom_components.smscentre.logbook import (
    LINE_TEXT_LENGTH,
    REPORT_STATUSES,
    async_describe_events,
    describe_incoming,
    describe_report,
)
from custom_components.smscentre.smsc.reports import EVENT_TYPES, DeliveryReport
from smscsim import SmscSimulator

from .receiving_helpers import deliver_sms, make_entry, setup_entry, sim  # noqa: F401

SENDER = "79990001122"
LONG_TEXT = "Leak under the kitchen sink at 03:12, water shut off, pump stopped. " * 4


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, enable_custom_integrations: None
) -> None:
    """Every test here runs with the recorder (the logbook reads from it)."""


@pytest.fixture
async def entry(hass: HomeAssistant, sim: SmscSimulator) -> MockConfigEntry:  # noqa: F811
    """A loaded entry bound to the simulator."""
    config_entry = make_entry(sim)
    await setup_entry(hass, config_entry)
    return config_entry


def describers(hass: HomeAssistant) -> dict[str, Callable[[Event], dict[str, str]]]:
    """The logbook platform's describe callbacks, by event type."""
    described: dict[str, Callable[[Event], dict[str, str]]] = {}

    def register(domain: str, event_type: str, describe: Callable[[Event], dict[str, str]]) -> None:
        assert domain == DOMAIN
        described[event_type] = describe

    async_describe_events(hass, register)
    return described


async def test_logbook_describes_incoming_sms(hass: HomeAssistant) -> None:
    """Sender and text in one line, the number as people write it."""
    described = describers(hass)
    assert set(described) == {EVENT_INCOMING_SMS, EVENT_DELIVERY_REPORT, EVENT_CONVERSATION}
    event = Event(EVENT_INCOMING_SMS, {"sender": SENDER, "text": "Gate opened", "parts": 1})
    assert described[EVENT_INCOMING_SMS](event) == {
        "name": "SMS Center",
        "message": "SMS from +7 999 000-11-22: “Gate opened”",
        "icon": "mdi:message-arrow-left",  # without one, an empty square in the activity view
    }
    for event_type, describe in described.items():
        assert describe(Event(event_type, {}))["icon"].startswith("mdi:"), event_type


def test_incoming_line_is_one_short_line() -> None:
    """Line breaks become spaces, a long text is cut, a partial message says so."""
    assert describe_incoming({"sender": "MyBank", "text": "Code:\n 1234\r\n"}) == (
        "SMS from MyBank: “Code: 1234”"
    )
    line = describe_incoming({"sender": SENDER, "text": LONG_TEXT})
    quoted = line.removeprefix("SMS from +7 999 000-11-22: “").removesuffix("”")
    assert quoted.endswith("…")
    assert len(quoted) <= LINE_TEXT_LENGTH
    assert describe_incoming({"sender": SENDER, "text": "Da", "incomplete": True}) == (
        "SMS from +7 999 000-11-22: “Da” (incomplete: not all parts arrived)"
    )
    assert describe_incoming({}) == "SMS from an unknown sender: “”"


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (
            {"recipient": "79991234567", "status": "delivered", "channel": "sms"},
            "SMS to +7 999 123-45-67 delivered",
        ),
        (
            {
                "recipient": "79991234567",
                "status": "undeliverable",
                "channel": "call",
                "error_code": 6,
                "error": "Subscriber is offline",
            },
            "Voice call to +7 999 123-45-67 not delivered (Subscriber is offline)",
        ),
        (
            {"recipient": "79991234567", "status": "expired", "error_code": 0, "error": "No error"},
            "Message to +7 999 123-45-67 not delivered in time",
        ),
        (
            {"recipient": "home@example.org", "status": "accepted", "channel": "email"},
            "E-mail to home@example.org accepted by the operator",
        ),
        ({"message_id": "100001", "status": "unknown"}, "Message 100001: status unknown"),
        ({"recipient": "79991234567", "status": "new"}, "Message to +7 999 123-45-67: new"),
    ],
)
def test_logbook_describes_reports(data: dict[str, Any], line: str) -> None:
    """Recipient and outcome in one line."""
    assert describe_report(data) == line


def test_every_report_status_has_words() -> None:
    assert set(REPORT_STATUSES) == set(EVENT_TYPES)


async def logbook_after_one_sms(
    hass: HomeAssistant,
    sim: SmscSimulator,  # noqa: F811
    entry: MockConfigEntry,
    hass_client: ClientSessionGenerator,
    config: dict[str, Any],
) -> list[dict[str, Any]]:
    """What Home Assistant's logbook lists after one SMS and one delivery report."""
    assert await async_setup_component(hass, "logbook", {"logbook": config})
    await hass.async_block_till_done()
    start = dt_util.utcnow()
    await deliver_sms(hass, sim, "Gate opened")
    entry.runtime_data.dispatcher.report(
        DeliveryReport(
            message_id="100001", status="delivered", recipient="79991234567", channel="sms"
        ),
        None,
    )
    await hass.async_block_till_done()
    await async_wait_recording_done(hass)
    client = await hass_client()
    resp = await client.get(f"/api/logbook/{start.isoformat()}")
    assert resp.status == HTTPStatus.OK
    return [row for row in await resp.json() if row.get("domain") == DOMAIN or "entity_id" in row]


async def test_logbook_shows_the_sms(
    hass: HomeAssistant,
    sim: SmscSimulator,  # noqa: F811
    entry: MockConfigEntry,
    hass_client: ClientSessionGenerator,
) -> None:
    """The readable lines come from the bus events; beside them Home Assistant lists the
    entities' state changes: the event type of each event entity, the sensor's new text."""
    rows = await logbook_after_one_sms(hass, sim, entry, hass_client, {})
    assert [row["message"] for row in rows if "message" in row] == [
        "SMS from +7 999 000-11-22: “Gate opened”",
        "SMS to +7 999 123-45-67 delivered",
    ]
    states = {row["entity_id"]: row for row in rows if "state" in row}
    assert len(rows) == 2 + len(states)
    assert states["sensor.sms_center_test_last_message"]["state"] == "Gate opened"
    events = {
        entity: row.get("attributes")
        for entity, row in states.items()
        if entity.startswith("event.")
    }
    if hasattr(logbook_const, "EXPOSED_STATE_ATTRIBUTES"):  # the event type beside the time
        assert events == {
            "event.sms_center_test_incoming_message": {"event_type": "sms"},
            "event.sms_center_test_delivery_report": {"event_type": "delivered"},
        }
    else:  # older releases list an event entity's state (the time it fired) alone
        assert events == dict.fromkeys(
            ["event.sms_center_test_incoming_message", "event.sms_center_test_delivery_report"]
        )


async def test_logbook_one_line_per_sms(
    hass: HomeAssistant,
    sim: SmscSimulator,  # noqa: F811
    entry: MockConfigEntry,
    hass_client: ClientSessionGenerator,
) -> None:
    """With the README's logbook exclusions, one line per SMS and per report is left."""
    entities = [
        "event.sms_center_test_incoming_message",
        "sensor.sms_center_test_last_message",
        "event.sms_center_test_delivery_report",
    ]
    rows = await logbook_after_one_sms(
        hass, sim, entry, hass_client, {"exclude": {"entities": entities}}
    )
    assert [row["message"] for row in rows] == [
        "SMS from +7 999 000-11-22: “Gate opened”",
        "SMS to +7 999 123-45-67 delivered",
    ]
