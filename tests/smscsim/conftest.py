"""Fixtures for the simulator's own tests (no Home Assistant)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from smscsim import SmscSimulator


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override the Home Assistant fixture: these tests do not start Home Assistant."""
    return


@pytest.fixture
async def sim() -> AsyncIterator[SmscSimulator]:
    """A running simulator on an ephemeral port, accounts test/secret and other/pw."""
    simulator = SmscSimulator(accounts={"test": "secret", "other": "pw"})
    await simulator.start()
    yield simulator
    await simulator.stop()
