"""Home Assistant's automation editor as a person uses it: a new automation from a blueprint,
its inputs filled in with the editor's own fields and pickers, saved and named."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, TimeoutError as PlaywrightTimeoutError

from browser.screens import Screens

SAVED_URL = re.compile(r"/config/automation/edit/(?!new\b)[^/?#]+$")


class AutomationEditor:
    """The editor on `screens`' page."""

    def __init__(self, screens: Screens) -> None:
        self.screens = screens
        self.page = screens.page

    def from_blueprint(self, blueprint: str) -> None:
        """Settings → Automations & scenes → Blueprints → the blueprint, by the name Home
        Assistant lists: the editor of a new automation using it."""
        self.screens.goto("/config/blueprint/dashboard")
        self.page.get_by_text(blueprint, exact=True).click()
        self.page.wait_for_url("**/config/automation/edit/new")
        self.page.get_by_text("Blueprint to use").wait_for()

    def field(self, name: str, within: Locator | None = None) -> Locator:
        """The row of the input named `name` (or of a field of an action `within` one)."""
        scope = within or self.page.locator("blueprint-automation-editor")
        return (
            scope.locator("ha-settings-row")
            .filter(has=self.page.get_by_text(name, exact=True))
            .first
        )

    def type(self, name: str, text: str, within: Locator | None = None) -> None:
        """Type into a text or number field (a number is taken when the field is left; a
        text with a template turns the field into a template editor)."""
        box = self.field(name, within).locator("input:not([type=range]), textarea").first
        number = box.get_attribute("type") == "number"
        box.fill(text)
        if number:
            box.blur()

    def add_item(self, name: str, text: str, within: Locator | None = None) -> None:
        """Add an entry to a field that takes several (phone numbers, recipients)."""
        row = self.field(name, within)
        row.get_by_role("button", name="Add", exact=True).click()
        row.locator("input").last.fill(text)

    def pick_entity(self, name: str, search: str, device: str) -> None:
        """Choose an entity in the picker: searched for, the one of `device` taken."""
        row = self.field(name)
        row.locator("ha-entity-picker").click()
        self._choose(row, search, device)

    @staticmethod
    def _choose(picker: Locator, search: str, *also: str) -> None:
        """In the open picker within `picker`: search, and take the first item that reads
        `search` (and each of `also`)."""
        picker.locator("ha-picker-combo-box input").fill(search)
        item = picker.locator("ha-combo-box-item").filter(has_text=search)
        for text in also:
            item = item.filter(has_text=text)
        item.first.click()
        # closed: the choice is in the form (a field typed into earlier would lose its value)
        picker.locator("ha-picker-combo-box").wait_for(state="hidden")

    def pick_option(self, name: str, option: str) -> None:
        """Choose an option of a select field by the label shown."""
        row = self.field(name)
        row.locator("ha-select").click()
        row.get_by_role("menuitem", name=option, exact=True).click()

    def add_action(self, name: str, search: str, action: str) -> Locator:
        """Add an action to an actions input through the "Add action" dialog; the new
        action's editor (for its fields)."""
        row = self.field(name)
        before = row.locator("ha-automation-action-row").count()
        row.get_by_role("button", name="Add action").click()
        dialog = self.page.locator("add-automation-element-dialog")
        dialog.get_by_placeholder("Search").fill(search)
        dialog.get_by_text(action, exact=True).click()
        added = row.locator("ha-automation-action-row").nth(before)
        added.wait_for()
        return added

    def add_target(self, action: Locator, entity: str) -> None:
        """Give an action its target: an entity, by name."""
        action.get_by_role("button", name="Add target").click()
        self._choose(action, entity)
        action.get_by_text("No target set").wait_for(state="hidden")

    def add_trigger(self, name: str, entity: str, trigger: str) -> None:
        """Add a trigger through the "Add trigger" dialog: the entity, then what it does."""
        self.field(name).get_by_role("button", name="Add trigger").click()
        dialog = self.page.locator("add-automation-element-dialog")
        dialog.get_by_placeholder("Search").fill(entity)
        dialog.get_by_text(entity, exact=True).click()
        dialog.get_by_role("listitem").filter(has_text=trigger).first.click()
        self.field(name).locator("ha-automation-trigger-row").first.wait_for()

    def save(self, alias: str) -> str:
        """Save, then give it `alias` (⋮ → Rename) and save again: the id Home Assistant
        gave it, once its automation runs under that name."""
        self.page.get_by_role("button", name="Save").click()
        self.page.wait_for_url(SAVED_URL)
        automation_id = self.page.url.rstrip("/").rsplit("/", 1)[-1]
        self.page.locator("ha-dropdown, ha-button-menu").first.click()
        self.page.get_by_role("menuitem", name="Rename").click()
        dialog = self.page.locator("ha-dialog-automation-save")
        dialog.locator("input").first.fill(alias)
        dialog.get_by_role("button", name="Rename").click()
        self.page.get_by_role("button", name="Save").click()
        try:
            self.page.wait_for_function(
                """([id, alias]) => Object.values(
                    document.querySelector('home-assistant').hass.states
                ).some((s) => s.entity_id.startsWith('automation.') && s.attributes.id === id
                    && s.attributes.friendly_name === alias)""",
                arg=[automation_id, alias],
            )
        except PlaywrightTimeoutError:
            raise AssertionError(
                f"saved as {automation_id}, but no automation {alias!r} runs: does"
                " configuration.yaml include automations.yaml?"
            ) from None
        return automation_id
