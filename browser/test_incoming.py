"""An incoming SMS read where a person looks for it: the Activity page (the logbook), the
account's device page, the Last message sensor's dialog, the Incoming message event's dialog."""

from __future__ import annotations

from browser import home
from browser.flows import localize
from browser.live import LiveDemo
from browser.screens import Screens

SENDER = "79995550011"
SENDER_SHOWN = "+7 999 555-00-11"  # as people write it
TEXT = "Gate opened by the courier"


def test_an_incoming_sms_reads_in_the_logbook_and_on_the_device(
    screens: Screens, demo: LiveDemo
) -> None:
    last_message = home.entity(demo, "sensor", "_last_message")
    line = f"SMS from {SENDER_SHOWN}: “{TEXT}”"
    demo.run(demo.control.deliver(SENDER, TEXT))
    home.state_of(demo, last_message, TEXT)

    async def recorded() -> bool | None:
        """The line in the recorder (it commits every few seconds): Activity shows what is."""
        entries = await demo.client.request("GET", "/api/logbook")
        return True if any(entry.get("message") == line for entry in entries) else None

    home.until(demo, "the incoming SMS's logbook line", recorded)
    page = screens.page

    screens.goto("/logbook")  # Activity
    page.get_by_text(line).wait_for()
    screens.picture("logbook")

    screens.goto(f"/config/devices/device/{home.device_id(demo)}")
    entities = page.locator("ha-device-entities-card")
    entities.get_by_text(TEXT).wait_for()
    screens.picture("device")

    entities.get_by_text("Last message", exact=True).click()
    dialog = page.locator("ha-more-info-dialog")
    dialog.get_by_text(TEXT, exact=True).first.wait_for()
    inline = dialog.locator("ha-attributes ha-expansion-panel")
    if inline.count():  # before 2026: the attributes fold out at the dialog's foot
        header = localize(page, "components.attributes.expansion_header")
        inline.first.get_by_role("button", name=header, exact=True).click()
        sender = dialog.locator("ha-attributes .data-entry")
    else:  # since: ⋮ → Details
        dialog.locator("ha-dropdown, ha-button-menu").last.click()
        page.get_by_role("menuitem", name="Details").click()
        sender = dialog.locator("ha-list-item-value")
    sender = sender.filter(has=page.get_by_text("Sender", exact=True))
    sender.filter(has_text=SENDER_SHOWN).wait_for()
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")

    entities.get_by_text("Incoming message", exact=True).click()
    dialog.get_by_text("SMS received", exact=True).first.wait_for()
