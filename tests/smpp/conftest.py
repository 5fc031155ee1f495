"""Core tests run without Home Assistant."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override the root fixture: these tests do not start Home Assistant."""
    return
