"""The integration's own page and its icon."""

from __future__ import annotations

import pytest

from browser.live import LiveDemo
from browser.screens import Screens

BRAND_FOLDER_RELEASE = (2026, 3)  # Home Assistant serves a custom integration's brand/ since


def test_the_icon_loads_on_the_integrations_page(screens: Screens, demo: LiveDemo) -> None:
    if demo.release() < BRAND_FOLDER_RELEASE:
        pytest.skip(f"Home Assistant {demo.version} takes icons from brands.home-assistant.io")
    screens.goto("/config/integrations/dashboard")
    icon = screens.page.locator('img[src*="smscentre"]').first
    icon.wait_for()
    assert icon.evaluate("img => img.complete && img.naturalWidth") == 256
