"""The integration's blueprints in the UI: listed under the names their files give, and an
automation made from each one as a person makes it (Settings → Automations & scenes →
Blueprints → the blueprint → its inputs → Save → a name), still there after a reload, and
doing its job against the simulator."""

from __future__ import annotations

from collections.abc import Iterator
import time

from ha_demo.account import BALANCE, DEMO_LIGHT
from ha_demo.common import ROOT
from homeassistant.util.yaml import load_yaml_dict
import pytest

from browser import home
from browser.automation_editor import AutomationEditor
from browser.live import LiveDemo
from browser.screens import Screens

FOLDER = ROOT / "blueprints" / "automation" / "smscentre"
ACCOUNT = "SMS Center dev"  # the account's device, as pickers show it
COMMANDER = "79995556677"  # may give the SMS command (not the demo's Assist phone)


def blueprint_name(file: str) -> str:
    """The name Home Assistant lists a blueprint by: its file's ``blueprint: name:``."""
    return str(load_yaml_dict(FOLDER / f"{file}.yaml")["blueprint"]["name"])


@pytest.fixture
def editor(screens: Screens) -> AutomationEditor:
    return AutomationEditor(screens)


@pytest.fixture
def automations(demo: LiveDemo) -> Iterator[list[str]]:
    """Ids of the automations a test made; deleted after it, so none acts in another test."""
    made: list[str] = []
    yield made
    for automation_id in made:
        demo.run(demo.client.request("DELETE", f"/api/config/automation/config/{automation_id}"))


def save(editor: AutomationEditor, automations: list[str], alias: str) -> None:
    """Save as `alias`; reloaded, the page still has it: in its editor and in the list."""
    automations.append(editor.save(alias))
    screens = editor.screens
    screens.page.reload()
    screens.wait_connected()
    screens.page.get_by_text("Blueprint to use").wait_for()
    screens.goto("/config/automation/dashboard")
    screens.page.locator("ha-data-table").get_by_text(alias, exact=True).wait_for()


def test_the_blueprints_are_installed_under_their_names(screens: Screens) -> None:
    screens.goto("/config/blueprint/dashboard")
    table = screens.page.locator("ha-data-table")
    for file in ("sms_command", "escalate_to_call", "link_down_alert", "low_balance_alert"):
        table.get_by_text(blueprint_name(file), exact=True).wait_for()
        table.get_by_text(f"smscentre/{file}.yaml", exact=True).wait_for()
    screens.picture("blueprints")


def test_sms_command_runs_the_action_and_answers_the_sender(
    screens: Screens, editor: AutomationEditor, demo: LiveDemo, automations: list[str]
) -> None:
    home.call(demo, "light", "turn_off", {"entity_id": DEMO_LIGHT})
    editor.from_blueprint(blueprint_name("sms_command"))
    editor.type("Keyword", "light on")
    editor.add_item("Allowed senders", "+7 999 555-66-77")
    light_on = editor.add_action("Actions", "light turn on", "Turn on light", "Light: Turn on")
    editor.add_target(light_on, "Demo light")
    # The light's power switch: set before the light's action returns. The template light
    # follows it a moment later, on 2025.12 after the answer is rendered.
    editor.type("Answer", "The demo light is {{ states('input_boolean.demo_light_power') }}.")
    screens.page.get_by_text("Blueprint to use").scroll_into_view_if_needed()
    screens.picture("blueprint_sms_command")
    save(editor, automations, "Demo light on by SMS")

    demo.run(demo.control.deliver(COMMANDER, "Light  ON"))
    home.message_to(demo, COMMANDER, lambda text: text == "The demo light is on.")
    home.state_of(demo, DEMO_LIGHT, "on")


def test_escalate_to_call_calls_when_the_sms_is_undeliverable(
    editor: AutomationEditor, demo: LiveDemo, automations: list[str]
) -> None:
    home.call(demo, "light", "turn_off", {"entity_id": DEMO_LIGHT})
    editor.from_blueprint(blueprint_name("escalate_to_call"))
    editor.add_trigger("When", "Demo light", "Light turned on", "On")
    editor.type("Phone number", "+7 999 000-00-02")
    editor.type("SMS text", "The demo light went on. Was it you?")
    editor.type("Text read in the call", "The demo light went on, and the SMS did not reach you.")
    editor.pick_option("Voice", "Female 2")
    save(editor, automations, "Demo light on: SMS, then a call")

    home.call(demo, "light", "turn_on", {"entity_id": DEMO_LIGHT})
    sms = home.message_to(demo, "79990000002", lambda text: text.startswith("The demo light"))
    assert sms["text"] == "The demo light went on. Was it you?"
    # The operator cannot deliver it: the report says so (before the simulator's own report).
    demo.run(demo.control.receipt(sms["message_id"], "UNDELIV", 1))
    call = home.message_to(demo, "79990000002", lambda text: text.startswith("__CALL__:"))
    assert call["text"] == (
        "__CALL__: The demo light went on, and the SMS did not reach you.\nvoice:w2"
    )


def test_low_balance_alert_sends_when_the_balance_falls_below(
    editor: AutomationEditor, demo: LiveDemo, automations: list[str]
) -> None:
    balance = home.entity(demo, "sensor", "_balance")
    editor.from_blueprint(blueprint_name("low_balance_alert"))
    editor.pick_entity("Balance", "Balance", ACCOUNT)
    editor.type("Below", "100")
    sms = editor.add_action("Actions", "send sms", "SMS Center: Send SMS")
    editor.add_item("Recipients", "+7 999 000-00-03", within=sms)
    editor.type("Message", "SMS Center balance: {{ balance }} {{ currency }}", within=sms)
    save(editor, automations, "SMS Center balance low: tell who pays")

    try:
        demo.run(demo.control.account(balance=42.5))
        home.call(demo, "homeassistant", "update_entity", {"entity_id": balance})
        home.message_to(demo, "79990000003", lambda text: text == "SMS Center balance: 42.5 RUB")
    finally:
        demo.run(demo.control.account(balance=BALANCE))
        home.call(demo, "homeassistant", "update_entity", {"entity_id": balance})


def test_link_down_alert_tells_another_way_and_again_when_it_is_back(
    screens: Screens, editor: AutomationEditor, demo: LiveDemo, automations: list[str]
) -> None:
    link = home.entity(demo, "binary_sensor", "_link")
    editor.from_blueprint(blueprint_name("link_down_alert"))
    editor.pick_entity("Link", "Link", ACCOUNT)
    editor.type("Down for", "1")  # minutes: the least it allows
    # the action's name, and an earlier release's
    create = "Persistent Notification: Create persistent notification"
    created = "Persistent Notification: Create"
    down = editor.add_action("When it is down", "persistent notification", create, created)
    editor.type("Message", "No SMS: the link is down for {{ minutes }} min.", within=down)
    back = editor.add_action("When it is back", "persistent notification", create, created)
    editor.type("Message", "SMS Center is back.", within=back)
    # the minute still shown once the actions are in (the wait below counts on it)
    assert editor.shown("Down for") == "1"
    save(editor, automations, "SMS Center link down: tell me here")

    notifications = screens.page.locator("notification-drawer")
    try:
        demo.run(demo.control.fault("refuse_binds"))
        demo.run(demo.control.fault("drop_all"))
        home.state_of(demo, link, "off")
        down_since = time.monotonic()
        screens.page.get_by_text("Notifications", exact=True).click()
        notifications.get_by_text("No SMS: the link is down for 1 min.").wait_for(timeout=120_000)
        assert time.monotonic() - down_since >= 55  # the trigger's minute, less polling
    finally:
        demo.run(demo.control.fault("clear"))
        # The link's retries back off up to a minute; a reload binds at once.
        home.call(demo, "homeassistant", "reload_config_entry", {"entry_id": demo.entry_id})
    home.state_of(demo, link, "on")
    notifications.get_by_text("SMS Center is back.").wait_for()
    home.call(demo, "persistent_notification", "dismiss_all", {})
