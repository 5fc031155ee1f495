"""The integration's icon on every screen where Home Assistant shows one for an integration,
and the logbook's lines with an icon of their own."""

from __future__ import annotations

from collections.abc import Iterator
import time

from ha_demo.account import ASSIST_PHONE
from playwright.sync_api import Locator, expect
import pytest

from browser import home
from browser.flows import INTEGRATION_PAGE, NAME, localize, save_options
from browser.live import LiveDemo
from browser.screens import Screens

BRAND_FOLDER_RELEASE = (2026, 3)  # Home Assistant serves a custom integration's brand/ since


@pytest.fixture
def brand_folder(demo: LiveDemo) -> None:
    if demo.release() < BRAND_FOLDER_RELEASE:
        pytest.skip(
            f"Home Assistant {demo.version} takes icons from brands.home-assistant.io, which has"
            " none of custom integrations (the README says what it shows)"
        )


def _loaded(image: Locator, kind: str = "icon") -> None:
    """The integration's own image, loaded (not a broken or hidden one)."""
    expect(image).to_be_visible()
    assert f"/smscentre/{kind}" in (image.get_attribute("src") or "")
    width = image.evaluate("img => img.decode().then(() => img.naturalWidth)")
    assert width >= 256, width


def _icon(screens: Screens, kind: str = "icon") -> Locator:
    return screens.page.locator(f'img[src*="/smscentre/{kind}"]').first


@pytest.mark.usefixtures("brand_folder")
def test_the_icon_loads_on_the_integrations_page(screens: Screens) -> None:
    screens.goto("/config/integrations/dashboard")
    _loaded(_icon(screens))


@pytest.mark.usefixtures("brand_folder")
def test_the_icon_loads_on_the_integration_and_device_pages(
    screens: Screens, demo: LiveDemo
) -> None:
    screens.goto(INTEGRATION_PAGE)
    _loaded(_icon(screens))
    screens.goto(f"/config/devices/device/{home.device_id(demo)}")
    _loaded(_icon(screens, "logo"), "logo")
    screens.goto("/config/devices/dashboard")
    _loaded(_icon(screens))


@pytest.mark.usefixtures("brand_folder")
def test_the_icon_loads_in_the_add_integration_list(screens: Screens) -> None:
    screens.goto("/config/integrations/dashboard")
    page = screens.page
    page.get_by_role(
        "button", name=localize(page, "panel.config.integrations.add_integration")
    ).click()
    page.locator("dialog-add-integration").locator("input").first.fill(NAME)
    _loaded(_icon(screens))


@pytest.fixture
def low_balance(demo: LiveDemo) -> Iterator[None]:
    """The demo's balance (250) below a warning level: the repair issue Low balance."""
    save_options(demo, {"balance_warning": 1000})
    yield
    save_options(demo, {"balance_warning": None})


@pytest.mark.usefixtures("brand_folder", "low_balance")
def test_the_icon_loads_in_repairs(screens: Screens) -> None:
    screens.goto("/config/repairs")
    expect(screens.page.get_by_text("Low balance on SMS Center")).to_be_visible()
    _loaded(_icon(screens))


def test_the_logbook_lines_have_an_icon(screens: Screens, demo: LiveDemo) -> None:
    """An incoming SMS's line in the logbook has the incoming message's icon (it was an
    empty square: Home Assistant draws an integration's own image only beside an entity)."""
    text = f"icon check {time.monotonic_ns()}"
    demo.run(demo.control.deliver(ASSIST_PHONE[:-1] + "9", text))
    message = f"SMS from +7 999 111-22-39: “{text}”"
    deadline = time.monotonic() + 30
    while not any(  # written by the recorder, where the logbook page reads it
        entry.get("message") == message
        for entry in demo.run(demo.client.request("GET", "/api/logbook"))
    ):
        assert time.monotonic() < deadline, "the line never reached the logbook"
        time.sleep(0.5)
    screens.goto("/logbook")
    expect(screens.page.get_by_text(message)).to_be_visible()
    entry = screens.page.locator(".entry").filter(has_text=message).first
    icon = entry.locator("ha-state-icon, img").first
    assert icon.evaluate(
        "el => el.tagName === 'IMG' ? el.naturalWidth > 0 : el.icon === 'mdi:message-arrow-left'"
    )
