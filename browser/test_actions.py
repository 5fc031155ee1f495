"""smscentre.send_sms from Developer tools → Actions: its response is shown, in UI mode and
in YAML mode, and the message reaches SMS Center."""

from __future__ import annotations

import time

from playwright.sync_api import Page, expect

from browser.live import LiveDemo
from browser.screens import Screens

ACTIONS_PAGE = "/developer-tools/action"  # 2026 moved it under Settings, and redirects


def _tool_key(page: Page, key: str) -> str:
    """A string of the actions tool (under developer-tools before 2026.4, config.tools after)."""
    for prefix in ("panel.config.tools.tabs.actions", "panel.developer-tools.tabs.actions"):
        text = page.evaluate(
            "(key) => document.querySelector('home-assistant').hass.localize(key)",
            f"ui.{prefix}.{key}",
        )
        if text:
            return str(text)
    raise AssertionError(f"no string {key} in the actions tool")


def _open_actions(screens: Screens) -> Page:
    screens.goto(ACTIONS_PAGE)
    page = screens.page
    page.wait_for_function(
        """() => ["config.tools", "developer-tools"].some((p) => document
            .querySelector("home-assistant").hass.localize(`ui.panel.${p}.tabs.actions.call_service`))"""
    )
    return page


def _perform_and_read_response(page: Page, demo: LiveDemo, text: str) -> None:
    page.get_by_role("button", name=_tool_key(page, "call_service")).click()
    response = page.locator(".cm-content").filter(has_text="message_id").last
    expect(response).to_be_visible()
    shown = response.inner_text()
    for key in ("messages:", "recipient:", "message_id:", "parts:", "encoding:"):
        assert key in shown, shown
    assert "79990000005" in shown
    deadline = time.monotonic() + 10
    while not any(m.get("text") == text for m in demo.run(demo.control.messages())):
        assert time.monotonic() < deadline, "the message never reached the simulator"
        time.sleep(0.2)


def test_send_sms_shows_its_response_in_yaml_mode(screens: Screens, demo: LiveDemo) -> None:
    page = _open_actions(screens)
    page.get_by_role("button", name=_tool_key(page, "yaml_mode")).click()
    editor = page.locator(".cm-content").first
    editor.click()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.press("Delete")
    text = f"Hello from YAML mode {time.monotonic_ns()}"
    page.keyboard.insert_text(
        "action: smscentre.send_sms\n"
        "data:\n"
        '  recipients: "+7 999 000-00-05"\n'
        f'  message: "{text}"\n'
    )
    _perform_and_read_response(page, demo, text)
    screens.picture("developer_tools_response")


def test_send_sms_shows_its_response_in_ui_mode(screens: Screens, demo: LiveDemo) -> None:
    page = _open_actions(screens)
    page.locator("ha-service-picker").first.click()
    page.wait_for_function(  # typed into the picker's search, not as the quick bar's shortcut
        """() => { let el = document.activeElement;
            while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
            return el?.tagName === "INPUT"; }"""
    )
    page.keyboard.type("smscentre.send_sms")
    page.get_by_text("smscentre.send_sms", exact=True).first.click()
    fields = page.locator("ha-settings-row").filter(has_text="Recipients")
    fields.get_by_role("button").last.click()
    fields.locator("input").last.fill("+7 999 000-00-05")
    text = f"Hello from UI mode {time.monotonic_ns()}"
    page.locator("ha-settings-row").filter(has_text="Message").locator("textarea").fill(text)
    _perform_and_read_response(page, demo, text)
