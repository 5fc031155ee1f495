"""Home Assistant's automation editor as a person uses it: a new automation from a blueprint,
its inputs filled in with the editor's own fields and pickers, saved and named."""

from __future__ import annotations

import re
import time

from playwright.sync_api import Locator, TimeoutError as PlaywrightTimeoutError, expect

from browser.flows import localize
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
        row = self.field(name, within)
        for _ in range(3):
            # the text box, or the template editor it became (typed into as text)
            box = row.locator("input:not([type=range]), textarea, ha-code-editor .cm-content")
            box = box.first
            box.fill(text)
            if box.get_attribute("type") == "number":
                box.blur()
            # A change made just before (a trigger or an action added) can reach the form
            # after this one and put back its older value: typed again, as a person would.
            self.page.wait_for_timeout(300)
            if self.shown(name, within) == text:
                return
        raise AssertionError(f"{name}: the editor does not keep {text!r}")

    def shown(self, name: str, within: Locator | None = None) -> str:
        """What the text or number field `name` shows: its box's value, or the text of the
        template editor it turns into once a template is typed (older releases at once)."""
        row = self.field(name, within)
        editor = row.locator("ha-code-editor .cm-content")
        if editor.count():
            return editor.first.inner_text()
        return row.locator("input:not([type=range]), textarea").first.input_value()

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
        # a menu's item, or a list's option before 2026
        row.get_by_role("menuitem", name=option, exact=True).or_(
            row.get_by_role("option", name=option, exact=True)
        ).first.click()

    def add_action(self, name: str, search: str, action: str, *older: str) -> Locator:
        """Add an action to an actions input through the "Add action" dialog, by the name it
        lists (or one of `older`: the same action as an earlier release names it); the new
        action's editor (for its fields)."""
        row = self.field(name)
        before = row.locator("ha-automation-action-row").count()
        row.get_by_role("button", name="Add action").click()
        dialog = self.page.locator("add-automation-element-dialog")
        dialog.locator("input").first.fill(search)  # the search box, atop the dialog
        item = dialog.get_by_text(action, exact=True)
        for text in older:
            item = item.or_(dialog.get_by_text(text, exact=True))
        item.first.click()
        added = row.locator("ha-automation-action-row").nth(before)
        added.wait_for()
        return added

    def add_target(self, action: Locator, entity: str) -> None:
        """Give an action its target: an entity, by name."""
        action.get_by_role("button", name="Add target").click()
        self._choose(action, entity)
        action.get_by_text("No target set").wait_for(state="hidden")

    def add_trigger(self, name: str, entity: str, trigger: str, state: str) -> None:
        """Add a trigger through the "Add trigger" dialog: the entity, then what it does
        (`trigger`). A dialog that finds no entities (2025.12's, unless its Labs feature is
        on) offers the State trigger instead: the entity, and the `state` it changes to."""
        self.field(name).get_by_role("button", name="Add trigger").click()
        dialog = self.page.locator("add-automation-element-dialog")
        search = dialog.locator("input").first  # the search box, atop the dialog
        search.fill(entity)
        found = dialog.get_by_text(entity, exact=True)
        found.or_(dialog.locator(".empty-search")).first.wait_for()  # "No triggers … found"
        if found.count():
            found.click()
            dialog.get_by_role("listitem").filter(has_text=trigger).first.click()
            self.field(name).locator("ha-automation-trigger-row").first.wait_for()
            return
        state_trigger = localize(
            self.page, "panel.config.automation.editor.triggers.type.state.label"
        )
        search.fill(state_trigger)
        dialog.get_by_text(state_trigger, exact=True).click()
        row = self.field(name).locator("ha-automation-trigger-row").first
        row.locator("ha-entity-picker").first.click()
        self._choose(row, entity)
        to = localize(self.page, "panel.config.automation.editor.triggers.type.state.to")
        # the field so labelled (a list of them: an empty one follows each choice)
        box = (
            row.locator("ha-selector-state")
            .filter(has=self.page.get_by_label(to, exact=True))
            .first.locator("input")
            .first
        )
        box.click()
        self.page.get_by_role("option", name=state, exact=True).click()
        expect(box).to_have_value(state)

    @staticmethod
    def _name(dialog: Locator, alias: str) -> None:
        """In the open name dialog: the name typed (again, should the dialog put its own
        back as it opens), then Rename."""
        box = dialog.locator("input").first
        for _ in range(3):
            box.fill(alias)
            dialog.page.wait_for_timeout(300)
            if box.input_value() == alias:
                break
        expect(box).to_have_value(alias)
        dialog.get_by_role("button", name="Rename").click()
        expect(box).to_be_hidden()

    def save(self, alias: str) -> str:
        """Save it named `alias` (given when Save asks for a name, or else with ⋮ → Rename
        and Save again): the id Home Assistant gave it, once its automation runs under that
        name."""
        dialog = self.page.locator("ha-dialog-automation-save")
        self.page.get_by_role("button", name="Save").click()
        # Saved at once; before 2026 a new automation's Save asks for its name first.
        name_box = dialog.locator("input").first  # (its host has no box of its own)
        deadline = time.monotonic() + 30
        while not SAVED_URL.search(self.page.url) and not name_box.is_visible():
            if time.monotonic() > deadline:
                raise AssertionError("Save neither saved nor asked for a name")
            self.page.wait_for_timeout(200)
        named = name_box.is_visible()
        if named:
            self._name(dialog, alias)
        self.page.wait_for_url(SAVED_URL)
        automation_id = self.page.url.rstrip("/").rsplit("/", 1)[-1]
        if not named:
            self.page.locator("ha-dropdown, ha-button-menu").first.click()
            self.page.get_by_role("menuitem", name="Rename").click()
            self._name(dialog, alias)
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
