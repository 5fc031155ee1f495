"""Fixtures of the Home Assistant-free core tests."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override the top-level fixture: core tests never start Home Assistant."""
    return
