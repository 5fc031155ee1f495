"""No raw translation key, field name or empty placeholder on any screen of the integration,
in English and in Russian (the profile's language, as a person sets it): the config flow's
steps and errors, the options with every section open and every error, reconfigure, a new
password, repairs and their fix flow, the entities, the action forms of Developer tools."""

from __future__ import annotations

from collections.abc import Iterator
import json
from pathlib import Path
import re
from typing import Any

from ha_demo.account import SMPP_PASSWORD, SPARE_LOGIN, SPARE_PASSWORD
from ha_demo.common import DOMAIN
from playwright.sync_api import expect
import pytest

from browser import home
from browser.flows import (
    add_account,
    entry_menu,
    localize,
    open_options,
    remove_entries,
    save_options,
)
from browser.forms import Form
from browser.live import LiveDemo
from browser.screens import Screens

COMPONENT = Path(__file__).parent.parent / "custom_components" / DOMAIN
SECTIONS = ("sending", "connection", "webhook", "http_api", "assist")


def _snake_keys() -> set[str]:
    """The integration's own keys a person must never read: field, section and error names
    (those with an underscore; the others are ordinary words)."""
    strings = json.loads((COMPONENT / "strings.json").read_text(encoding="utf-8"))
    keys: set[str] = set()

    def walk(tree: dict[str, Any]) -> None:
        for key, value in tree.items():
            if key in ("data", "data_description", "error", "abort", "fields", "sections"):
                keys.update(value)
            if isinstance(value, dict):
                walk(value)

    walk({k: v for k, v in strings.items() if k in ("config", "options", "issues", "services")})
    return {key for key in keys if "_" in key}


RAW_WORDS = re.compile(r"(?<![\w.])(" + "|".join(sorted(_snake_keys())) + r")(?![\w.])")


def _check(screens: Screens, where: str) -> None:
    """Nothing untranslated on the page now."""
    text = screens.text()
    raw = screens.raw_keys() + sorted(set(RAW_WORDS.findall(text)))
    assert not raw, f"{where}: {raw}"


@pytest.fixture(params=["en", "ru"])
def language(request: pytest.FixtureRequest, demo: LiveDemo) -> Iterator[str]:
    """The owner's profile language, as the frontend keeps it (its user data)."""
    websocket = demo.websocket()

    def user_data(value: dict[str, Any] | None) -> None:
        message = {"type": "frontend/set_user_data", "key": "language", "value": value}
        demo.run(websocket.command(message))

    before = demo.run(websocket.command({"type": "frontend/get_user_data", "key": "language"}))
    user_data({"language": request.param, "number_format": "language"})
    try:
        yield str(request.param)
    finally:
        user_data(before.get("value"))
        demo.run(websocket.close())


def _check_choices(form: Form, name: str) -> None:
    """The choices of a drop-down list are translated (read where they wait, unopened)."""
    labels = form.choice_labels(name)
    assert labels, name
    for label in labels:
        assert not RAW_WORDS.search(label), (name, label)
        assert label.lower() != label.replace(" ", "_"), (name, label)  # a bare key


def _fault(demo: LiveDemo, body: dict[str, Any]) -> None:
    async def post() -> None:
        async with demo.control.session.post(f"{demo.control.url}/fault", json=body) as resp:
            assert resp.status == 200, await resp.text()

    demo.run(post())


def _submit_and_wait(form: Form) -> None:
    form.submit()
    expect(form.alerts().first).to_be_visible()


@pytest.fixture
def spare_entry(demo: LiveDemo) -> Iterator[None]:
    """The spare account's entry, should a test add it after all, is removed again."""
    yield
    remove_entries(demo, f"({SPARE_LOGIN})")


@pytest.mark.usefixtures("spare_entry")
def test_adding_an_account(screens: Screens, demo: LiveDemo, language: str) -> None:
    """The form, its field errors, and each way SMS Center can refuse."""
    form = add_account(screens)
    expect(form.item("sender")).to_be_visible()
    _check(screens, "user step")
    _check_choices(form, "encryption")
    form.fill("username", "Вася")
    form.fill("password", "far too long")
    form.fill("host", "a b")
    form.fill("sender", "not a sender!")
    _submit_and_wait(form)
    expect(form.alerts()).to_have_count(4)
    _check(screens, "user step, field errors")

    form.fill("username", SPARE_LOGIN)
    form.fill("password", "wrong")
    form.fill("host", "127.0.0.1")
    form.fill("sender", "")
    form.choose("encryption", form.choice_labels("encryption")[2])  # none
    form.fill("port", str(demo.demo.ports.smpp))
    _submit_and_wait(form)
    _check(screens, "user step, invalid_auth")
    form.fill("port", "1")
    form.fill("password", "wrong")  # the form never shows a password again
    _submit_and_wait(form)
    _check(screens, "user step, cannot_connect")
    _fault(demo, {"kind": "refuse_binds", "status": 0x0D, "duration": 5})
    form.fill("port", str(demo.demo.ports.smpp))
    form.fill("password", SPARE_PASSWORD)  # right, but turned away
    _submit_and_wait(form)
    expect(form.alerts().filter(has_text="0x0000000D")).to_be_visible()
    _check(screens, "user step, bind_refused")
    _fault(demo, {"kind": "clear"})


def test_the_options(screens: Screens, demo: LiveDemo, language: str) -> None:
    """Every section open, then an error in each (two in two of them)."""
    form = open_options(screens)
    for section in SECTIONS:
        form.unfold(section)
    expect(form.item("assist_replies_per_hour")).to_be_visible()
    _check(screens, "options, every section open")
    for name in ("bind_mode", "webhook_hash"):
        _check_choices(form, name)
    form.fill("recipients", "call me")
    form.fill("backup_host", "a b")
    form.fill("webhook_secret", "short")
    form.fill("api_password", "")
    form.fill("api_url", "ftp://x")
    form.fill("assist_senders", "Mom")
    form.fill("assist_pin", "my pin!")
    _submit_and_wait(form)
    expect(form.alerts()).to_have_count(5)
    _check(screens, "options, an error in every section")


def test_reconfigure_and_a_new_password(screens: Screens, demo: LiveDemo, language: str) -> None:
    entry_menu(screens, "panel.config.integrations.config_entry.reconfigure")
    form = Form(screens.page)
    expect(form.item("sender")).to_be_visible()
    _check(screens, "reconfigure")
    form.fill("port", "1")
    _submit_and_wait(form)
    _check(screens, "reconfigure, cannot_connect")
    form.close()  # a reconfigure flow left open would keep Home Assistant from asking below

    demo.expected_errors.append("SMS Center refused the login or password")
    try:
        _fault(demo, {"kind": "refuse_binds", "status": 0x0E})
        _fault(demo, {"kind": "drop_all"})
        home.reauth_started(demo)
        screens.goto("/config/integrations/dashboard")
        page = screens.page
        page.get_by_role(
            "button", name=localize(page, "panel.config.integrations.reconfigure")
        ).first.click()
        form = Form(page)
        expect(form.item("password")).to_be_visible()
        _check(screens, "reauth_confirm")
        form.fill("password", "far too long")
        _submit_and_wait(form)
        _check(screens, "reauth_confirm, password_too_long")
        _fault(demo, {"kind": "clear"})
        form.fill("password", SMPP_PASSWORD)
        form.submit()
        expect(form.alerts()).to_have_count(0)
        _check(screens, "reauth_successful")
    finally:
        _fault(demo, {"kind": "clear"})


def _reload(demo: LiveDemo) -> None:
    path = f"/api/config/config_entries/entry/{demo.entry_id}/reload"
    demo.run(demo.client.request("POST", path))


def _strings(language: str) -> dict[str, Any]:
    name = "strings.json" if language == "en" else f"translations/{language}.json"
    return dict(json.loads((COMPONENT / name).read_text(encoding="utf-8")))


def test_repairs(screens: Screens, demo: LiveDemo, language: str) -> None:
    """A low balance (an issue to read), then a refused HTTP API password (one to fix)."""
    issues = _strings(language)["issues"]
    page = screens.page
    save_options(demo, {"balance_warning": 1000})
    try:
        screens.goto("/config/repairs")
        page.get_by_text(issues["low_balance"]["title"]).click()
        expect(page.get_by_text("250")).to_be_visible()
        _check(screens, "repair issue low_balance")
    finally:
        save_options(demo, {"balance_warning": None})

    demo.expected_errors.append("HTTP API")
    _fault(demo, {"kind": "http_fail", "code": 2, "count": 1000})
    try:
        _reload(demo)
        screens.goto("/config/repairs")
        page.get_by_text(issues["api_auth_failed"]["title"]).click()
        form = Form(page)
        expect(form.item("api_password")).to_be_visible()
        _check(screens, "repair api_auth_failed")
        form.fill("api_password", "still wrong")
        _submit_and_wait(form)
        _check(screens, "repair api_auth_failed, invalid_api_auth")
        _fault(demo, {"kind": "clear"})
        form.fill("api_password", SMPP_PASSWORD)
        form.submit()
        expect(form.alerts()).to_have_count(0)
        _check(screens, "repair api_auth_failed, fixed")
    finally:
        _fault(demo, {"kind": "clear"})


def test_the_entities(screens: Screens, demo: LiveDemo, language: str) -> None:
    """The device page (names, states) and each entity's dialog (its attributes too)."""
    screens.goto(f"/config/devices/device/{home.device_id(demo)}")
    page = screens.page
    rows = page.locator("ha-device-entities-card hui-generic-entity-row")
    expect(rows.first).to_be_visible()
    _check(screens, "device page")
    form = Form(page)
    # every key is in each translation (unit-tested): in another language a sample shows them
    for index in range(rows.count() if language == "en" else 3):
        name = rows.nth(index).locator(".info, .name").first.inner_text().strip()
        rows.nth(index).locator(".info, .name").first.click()
        dialog = page.locator("ha-more-info-dialog")
        expect(dialog.get_by_text(name).filter(visible=True).first).to_be_visible()
        attributes = page.get_by_text(  # inline before 2026, under ⋮ since
            localize(
                page,
                "dialogs.more_info_control.attributes",
                "components.attributes.expansion_header",
            )
        )
        if attributes.filter(visible=True).count():
            attributes.filter(visible=True).first.click()
        page.wait_for_timeout(500)
        _check(screens, f"the dialog of {name}")
        form.close()


def test_the_action_forms(screens: Screens, demo: LiveDemo, language: str) -> None:
    """Developer tools → Actions, UI mode: each action's fields and choices."""
    services = demo.run(demo.client.request("GET", "/api/services"))
    names = sorted(next(s for s in services if s["domain"] == DOMAIN)["services"])
    if language != "en":  # every key is in each translation (unit-tested): a sample shows them
        names = ["call", "get_cost", "send_sms"]
    page = screens.page
    for name in names:
        screens.goto("/developer-tools/action")
        page.locator("ha-service-picker").first.click()
        page.wait_for_function(
            """() => { let el = document.activeElement;
                while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
                return el?.tagName === "INPUT"; }"""
        )
        page.keyboard.type(f"{DOMAIN}.{name}")
        page.get_by_text(f"{DOMAIN}.{name}", exact=True).first.click()
        expect(page.locator("ha-settings-row").first).to_be_visible()
        page.wait_for_timeout(300)
        _check(screens, f"action {name}")
