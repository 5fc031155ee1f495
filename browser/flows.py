"""The integration's dialogs, reached as a person reaches them: the options from the
integration's page, a new account from *Add integration*."""

from __future__ import annotations

from typing import Any

from ha_demo.common import DOMAIN
from playwright.sync_api import Locator, Page, TimeoutError as PlaywrightTimeoutError

from browser.forms import Form
from browser.live import LiveDemo
from browser.screens import Screens

INTEGRATION_PAGE = f"/config/integrations/integration/{DOMAIN}"
NAME = "SMS Center"
ENTRY_TITLE = "SMS Center (dev)"


def localize(page: Page, key: str, *older: str) -> str:
    """The frontend's own string ``ui.<key>`` in the profile's language (once the page's
    translations have loaded); where this release's frontend has no such key, the first of
    `older` (the same words under an earlier release's key) that it has."""
    handle = page.wait_for_function(
        """(keys) => { const hass = document.querySelector('home-assistant')?.hass;
            return hass?.localize('ui.common.cancel')
                && (keys.map((key) => hass.localize(key)).find(Boolean) ?? null); }""",
        arg=[f"ui.{name}" for name in (key, *older)],
    )
    return str(handle.json_value())


def entry_row(screens: Screens) -> Locator:
    """The demo's entry on the integration's page."""
    screens.goto(INTEGRATION_PAGE)
    return screens.page.locator("ha-config-entry-row").filter(has_text=ENTRY_TITLE).first


def open_options(screens: Screens) -> Form:
    """The options dialog, opened with the entry's cog on the integration's page."""
    row = entry_row(screens)
    label = localize(screens.page, "panel.config.integrations.config_entry.configure")
    row.get_by_label(label, exact=True).first.click()
    form = Form(screens.page)
    form.item("sending").wait_for()
    return form


def entry_menu(screens: Screens, item_key: str) -> None:
    """Pick an item of the demo's entry's menu (⋮) by the key of its label."""
    row = entry_row(screens)
    page = screens.page
    row.get_by_label(localize(page, "common.menu"), exact=True).first.click()
    page.get_by_role("menuitem", name=localize(page, item_key)).click()


def add_account(screens: Screens) -> Form:
    """The first step of adding an account: *Add integration*, search, pick SMS Center."""
    screens.goto("/config/integrations/dashboard")
    page = screens.page
    add = localize(page, "panel.config.integrations.add_integration")
    page.get_by_role("button", name=add).click()
    dialog = page.locator("dialog-add-integration")
    dialog.locator("input").first.fill(NAME)
    form = Form(page)
    for _ in range(3):  # a click while the list still filters can miss
        # in the dialog's list (the integrations page behind it has a card of that name)
        dialog.get_by_text(NAME, exact=True).last.click()
        try:
            form.page.locator("step-flow-form").first.wait_for(timeout=5_000)
            break
        except PlaywrightTimeoutError:
            continue
    form.item("username").wait_for()
    return form


def finish(page: Page) -> None:
    """Close a flow's closing screen with its Finish button (and, from 2025.12, the area
    question of a new device, skipped)."""
    for key in (
        "panel.config.integrations.config_flow.finish_skip",
        "panel.config.integrations.config_flow.finish",
    ):
        button = page.get_by_role("button", name=localize(page, key), exact=True)
        if button.count():
            button.first.click()
            return


def remove_entries(demo: LiveDemo, title_part: str) -> None:
    """Delete the entries a test added (any whose title has `title_part`)."""
    for entry in demo.run(demo.client.entries(DOMAIN)):
        if title_part in entry["title"] and entry["entry_id"] != demo.entry_id:
            path = f"/api/config/config_entries/entry/{entry['entry_id']}"
            demo.run(demo.client.request("DELETE", path))


def save_options(demo: LiveDemo, changes: dict[str, Any]) -> None:
    """Save the options over the REST API the frontend uses: what the dialog shows, with
    `changes` (None: the field left empty)."""
    flows = "/api/config/config_entries/options/flow"
    form = demo.run(demo.client.request("POST", flows, {"handler": demo.entry_id}))

    def values(fields: list[dict[str, Any]]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for field in fields:
            name = field["name"]
            if field.get("type") == "expandable":
                found[name] = values(field["schema"])
                continue
            value = (field.get("description") or {}).get("suggested_value", field.get("default"))
            value = changes.get(name, value)
            if value is not None:
                found[name] = value
        return found

    result = demo.run(
        demo.client.request("POST", f"{flows}/{form['flow_id']}", values(form["data_schema"]))
    )
    assert result["type"] == "create_entry", result


def shown_options(demo: LiveDemo) -> dict[str, Any]:
    """What a freshly opened options dialog shows (the saved options, as the frontend gets
    them), read over the REST API the frontend uses; the flow is closed again."""
    flows = "/api/config/config_entries/options/flow"
    form = demo.run(demo.client.request("POST", flows, {"handler": demo.entry_id}))
    demo.run(demo.client.request("DELETE", f"{flows}/{form['flow_id']}"))

    def shown(fields: list[dict[str, Any]]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for field in fields:
            if field.get("type") == "expandable":
                values |= shown(field["schema"])
            elif (value := (field.get("description") or {}).get("suggested_value")) is not None:
                values[field["name"]] = value
        return values

    return shown(form["data_schema"])
