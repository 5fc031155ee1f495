"""A flow's form in Home Assistant's frontend, as a person fills it in: fields found by the
name the integration gave them (not every release's input carries it), sections unfolded by
their title, the form submitted, its messages read."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

# A form item's host element, whose ``name`` property is the field's: tagged so that a
# locator (which pierces shadow roots) can find it; the same element is kept across renders.
_TAG_FIELD = """(name) => {
    const found = [];
    const walk = (root) => {
        for (const el of root.querySelectorAll("ha-selector, ha-form-expandable")) {
            if (el.name === name || el.schema?.name === name) found.push(el);
        }
        for (const el of root.querySelectorAll("*")) if (el.shadowRoot) walk(el.shadowRoot);
    };
    walk(document);
    for (const el of found) el.setAttribute("data-field", name);
    return found.length;
}"""


# The flow's form has its answer: no step is being submitted (its inputs are disabled then).
_SETTLED = """() => {
    const forms = [];
    const walk = (root) => {
        for (const el of root.querySelectorAll("step-flow-form")) forms.push(el);
        for (const el of root.querySelectorAll("*")) if (el.shadowRoot) walk(el.shadowRoot);
    };
    walk(document);
    return forms.every((form) => !form._loading);
}"""


class Form:
    """The flow form shown in the page's dialog."""

    def __init__(self, page: Page) -> None:
        self.page = page

    def item(self, name: str) -> Locator:
        """The form item (a field's selector, or a section) named `name`."""
        found = self.page.locator(f'[data-field="{name}"]')
        if not found.count():
            self.page.wait_for_function(f"({_TAG_FIELD})({name!r}) > 0")
        return found.first

    def input(self, name: str) -> Locator:
        """The text box of field `name` (its first one, for a list)."""
        return self.item(name).locator("input:not([type=checkbox])").first

    def fill(self, name: str, value: str) -> None:
        self.input(name).fill(value)

    def value(self, name: str) -> str:
        return self.input(name).input_value()

    def values(self, name: str) -> list[str]:
        """Every text box of a list field (phone numbers)."""
        boxes = self.item(name).locator("input:not([type=checkbox])")
        return [boxes.nth(index).input_value() for index in range(boxes.count())]

    def switch(self, name: str, on: bool) -> None:
        """Turn the switch of field `name` on or off (a click, as a person does)."""
        item = self.item(name)
        box = item.get_by_role("switch").or_(item.locator("input[type=checkbox]")).first
        if box.is_checked() != on:
            item.locator("ha-switch").first.click()  # the drawn switch, over its input
        expect(box).to_be_checked(checked=on)

    def open_list(self, name: str) -> None:
        """Open the drop-down list of field `name` with a click on its box (the one showing
        the choice; the field's middle can be its help text below, when that runs long)."""
        self.item(name).locator("ha-picker-field, .mdc-select__anchor").first.click()

    def options(self, name: str) -> list[str]:
        """Open the drop-down list of field `name`; the labels of its choices."""
        self.open_list(name)
        choices = self.choices()
        choices.first.wait_for()
        return [choices.nth(index).inner_text().strip() for index in range(choices.count())]

    def choice_labels(self, name: str) -> list[str]:
        """The labels of the choices of field `name`, read without opening its list (every
        release keeps them in the page)."""
        items = self.item(name).locator(
            "[role=option], [role=menuitem], mwc-list-item, ha-list-item, ha-dropdown-item"
        )
        return [text.strip() for text in items.all_text_contents() if text.strip()]

    def close(self) -> None:
        """Close the dialog with its X (the flow is ended, as a person's click ends it)."""
        names = self.page.evaluate(
            """() => ["common.close", "ui.common.close"].map((key) =>
                document.querySelector("home-assistant").hass.localize(`ui.${key}`))"""
        )
        label = next(name for name in names if name)
        self.page.get_by_label(label, exact=True).filter(visible=True).last.click()

    def choices(self, name: str | None = None) -> Locator:
        """The choices of the open drop-down list (`name`: the one so labelled)."""
        return self.page.get_by_role("option", name=name, exact=True).or_(
            self.page.get_by_role("menuitem", name=name, exact=True)
        )

    def choose(self, name: str, option: str) -> None:
        """Pick `option` (its label as shown) in the drop-down list of field `name`."""
        self.open_list(name)
        self.choices(option).first.click()

    def unfold(self, section: str) -> None:
        """Open a section by clicking its title, unless it is open; wait for its fields."""
        if not self.is_open(section):
            self.item(section).locator("[slot=header]").first.click()
        expect(self.item(section).locator("ha-form").first).to_be_visible()

    def is_open(self, section: str) -> bool:
        return bool(
            self.item(section).locator("ha-expansion-panel").first.evaluate("p => p.expanded")
        )

    def submit(self) -> None:
        """Press the dialog's Submit (or Next) button, in the profile's language."""
        names = self.page.evaluate(
            """() => ["submit", "next"].map((key) => document.querySelector("home-assistant")
                .hass.localize(`ui.panel.config.integrations.config_flow.${key}`))"""
        )
        label = re.compile("^(" + "|".join(re.escape(name) for name in names if name) + ")$")
        self.page.get_by_role("button", name=label).click()
        self.page.wait_for_function(_SETTLED)

    def alerts(self) -> Locator:
        """The error messages the form shows."""
        return self.page.locator("ha-alert[alert-type=error]")
