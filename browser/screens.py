"""Ways about Home Assistant's frontend that every screen's test needs: go to a page and wait
for it, read what a person reads, find raw translation keys."""

from __future__ import annotations

from pathlib import Path
import re
from typing import Any

from playwright.sync_api import Page

from browser.live import LiveDemo

TIMEOUT_MS = 30_000
# What a string the frontend could not translate looks like on screen: a key path of ours,
# or a placeholder left in braces.
RAW_KEY = re.compile(
    r"component\.smscentre\.|ui\.panel\.|\bsmscentre\.(?:config|options|entity|issues|services)\b"
    r"|\{[a-z_]+\}"
)


class Screens:
    """A logged-in page of the demo's Home Assistant."""

    def __init__(self, page: Page, demo: LiveDemo, shots: Path | None = None) -> None:
        self.page = page
        self.demo = demo
        self.shots = shots
        page.set_default_timeout(TIMEOUT_MS)

    def picture(self, name: str) -> None:
        """Keep what the page shows now as `name`.png in the screenshots folder (the README's
        pictures are taken this way: ``scripts/browser --shots docs/images``)."""
        if self.shots is not None:
            # not while the launch screen still fades out over the page
            self.page.wait_for_function("() => !document.getElementById('ha-launch-screen')")
            self.page.screenshot(path=self.shots / f"{name}.png")

    def wait_connected(self) -> None:
        """Until the frontend holds a live connection to Home Assistant."""
        self.page.wait_for_function(
            "() => document.querySelector('home-assistant')?.hass?.connected === true",
            timeout=TIMEOUT_MS,
        )

    def goto(self, path: str) -> None:
        """Open `path` and wait for the frontend to be connected."""
        self.page.goto(f"{self.demo.base_url}{path}")
        self.wait_connected()

    def hass(self, expression: str) -> Any:
        """Evaluate a JavaScript expression over the frontend's ``hass`` object."""
        return self.page.evaluate(
            f"() => {{ const hass = document.querySelector('home-assistant').hass; "
            f"return {expression}; }}"
        )

    def text(self) -> str:
        """What a person reads on the page now, shadow DOM included (dialogs too)."""
        return page_text(self.page)

    def raw_keys(self) -> list[str]:
        """Untranslated keys or placeholders on the page now."""
        text = self.text()
        return sorted({text[max(0, m.start() - 30) : m.end() + 30] for m in RAW_KEY.finditer(text)})


def page_text(page: Page) -> str:
    """What a person reads on `page` now, shadow DOM included (dialogs too)."""
    return str(
        page.evaluate(
            """() => {
                const out = [];
                const walk = (node) => {
                    if (node.nodeType === Node.TEXT_NODE) {
                        out.push(node.textContent);
                        return;
                    }
                    if (node.nodeType === Node.DOCUMENT_FRAGMENT_NODE) {
                        node.childNodes.forEach(walk);
                        return;
                    }
                    if (node.nodeType !== Node.ELEMENT_NODE) return;
                    const style = getComputedStyle(node);
                    if (style.display === "none" || style.visibility === "hidden") return;
                    if (node.tagName === "SLOT") {
                        const assigned = node.assignedNodes({ flatten: true });
                        (assigned.length ? assigned : node.childNodes).forEach(walk);
                        return;
                    }
                    // A shadow host shows its shadow tree, its children only where a slot
                    // takes them.
                    (node.shadowRoot ? [node.shadowRoot] : node.childNodes).forEach(walk);
                };
                walk(document.body);
                return out.join(" ").replace(/\\s+/g, " ");
            }"""
        )
    )
