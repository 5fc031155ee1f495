"""The provider's speed limit: a burst at the default 30/s against a throttling SMSC."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smscentre.const import DOMAIN
from smscsim import SmscSimulator
from tests.conftest import EntryFactory

THROTTLED = 0x58


@pytest.fixture
def sim_accounts() -> dict[str, str]:
    """The account of the shared fixtures."""
    return {"myhome": "secret"}


async def test_burst_of_300_at_30_per_second(
    hass: HomeAssistant,
    simulator: SmscSimulator,
    entry_factory: EntryFactory,
    record_property: pytest.RecordProperty,
) -> None:
    """300 messages at throughput 30 against an SMSC enforcing 30/s.

    Every 0x58 the SMSC answers is retried, every message arrives exactly once, and the
    limiter keeps the pace: the accepted submits span at least the 9.x s that 30/s needs.
    (How close to the ideal 10 s it gets is a figure of ``scripts/bench``.)
    """
    simulator.set_throughput(30)
    entry: MockConfigEntry = await entry_factory(throughput=30, window=10)
    numbers = [f"7999200{i:04d}" for i in range(300)]
    response = await hass.services.async_call(
        DOMAIN,
        "send_sms",
        {"config_entry_id": entry.entry_id, "recipients": numbers, "message": "Storm warning"},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    await simulator.wait_for(lambda sim: len(sim.accepted) == 300, timeout=40)
    accepted = sorted(s.destination_addr for s in simulator.accepted)
    assert accepted == numbers
    throttled = [s for s in simulator.submits if s.status == THROTTLED]
    assert len(simulator.submits) == 300 + len(throttled)
    span = simulator.accepted[-1].received_at - simulator.accepted[0].received_at
    assert span >= 299 / 30 - 0.5
    record_property("span_s", round(span, 2))
    record_property("throttled", len(throttled))
    runtime = entry.runtime_data
    assert runtime.outbox.sent_total == 300
    assert runtime.outbox.failed_total == 0
