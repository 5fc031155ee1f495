"""The options dialog: an error in any section is shown where a person sees it, nothing is
saved until it is fixed, then the fix is saved; stored numbers read as people write them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ha_demo.account import ASSIST_PHONE, DEFAULT_RECIPIENT, SMPP_PASSWORD
from playwright.sync_api import expect
import pytest

from browser.flows import open_options, save_options, shown_options
from browser.forms import Form
from browser.live import LiveDemo
from browser.screens import Screens

SECRET = "Fresh_secret-0123456789"  # 23 characters: long enough


@dataclass(frozen=True)
class Case:
    """A bad value typed in a section, the message it must bring, the fix that saves, and
    what puts the demo's options back afterwards."""

    section: str | None  # None: the field at the top of the form
    bad: dict[str, str | bool]
    messages: tuple[str, ...]
    fix: dict[str, str | bool] | None = None  # None: another case of the section saves
    restore: dict[str, Any] = field(default_factory=dict)
    opened: tuple[str, ...] = ()  # sections opened with the error besides `section`


CASES = {
    "recipients": Case(
        None,
        {"recipients": "call me"},
        ("call me is not a phone number in international format.",),
        fix={"recipients": "+7 999 000-00-02"},
        restore={"recipients": [DEFAULT_RECIPIENT]},
    ),
    "system type": Case(
        "connection",
        {"iso": True, "single_status": True, "connections": "2"},
        ("Latin-1 encoding, one delivery report per long message and several connections",),
        fix={"connections": "1"},
        restore={"iso": False, "single_status": False},
        opened=("sending",),
    ),
    "backup server": Case(
        "connection",
        {"backup_host": "backup server"},
        ("Backup server: enter a server name or IP address",),
        fix={"backup_host": "smpp2.example.com"},
        restore={"backup_host": ""},
    ),
    "short webhook secret": Case(
        "webhook",
        {"webhook_secret": "short"},
        ("Webhook secret: use at least 16 characters",),
        fix={"webhook_secret": SECRET},
        restore={"webhook_secret": ""},
    ),
    "webhook secret with spaces": Case(
        "webhook",
        {"webhook_secret": "my secret is long enough"},
        ("Webhook secret: use only Latin letters, digits, '-' and '_'.",),
    ),
    "API address": Case(
        "http_api",
        {"api_url": "ftp://smscentre.com"},
        ("HTTP API address: enter an http or https address",),
    ),
    "API password with the fallback on": Case(
        "http_api",
        {"api_password": ""},
        ("HTTP API password: the HTTP fallback needs it.",),
        fix={"http_fallback": False},
        restore={"api_password": SMPP_PASSWORD, "http_fallback": True},
    ),
    "API password and address": Case(
        "http_api",
        {"api_password": "", "api_url": "https://user:pw@smscentre.com"},
        (
            "HTTP API password: the HTTP fallback needs it.",
            "HTTP API address: enter an http or https address",
        ),
    ),
    "API password refused": Case(
        "http_api",
        {"api_password": "wrong"},
        ("HTTP API password: SMS Center refused the login or password",),
    ),
    "allowed number": Case(
        "assist",
        {"assist_senders": "Mom"},
        ("Allowed numbers: Mom is not a phone number in international format",),
    ),
    "PIN": Case(
        "assist",
        {"assist_pin": "my pin!"},
        ("PIN: use only Latin letters and digits, at most 16.",),
        fix={"assist_pin": "4711"},
        restore={"assist_pin": ""},
    ),
    "allowed number and PIN": Case(
        "assist",
        {"assist_senders": "Mom", "assist_pin": "my pin!"},
        ("Allowed numbers: Mom is not a phone number", "PIN: use only Latin letters"),
    ),
}


def _saved(demo: LiveDemo, fields: dict[str, str]) -> dict[str, str]:
    """What the options dialog opened afresh shows in `fields`, as typed text (the first
    number of a list)."""
    shown = shown_options(demo)
    return {
        name: str(value[0] if isinstance(value := shown.get(name, ""), list) else value)
        for name in fields
    }


def _type(form: Form, values: dict[str, str | bool]) -> None:
    for name, value in values.items():
        if isinstance(value, bool):
            form.switch(name, value)
        else:
            form.fill(name, value)


@pytest.fixture
def restore(demo: LiveDemo) -> Iterator[dict[str, Any]]:
    """Options a test changed, put back at its end."""
    changes: dict[str, Any] = {}
    yield changes
    if changes:
        save_options(demo, changes)


@pytest.mark.parametrize("name", list(CASES))
def test_an_error_in_a_section_is_shown_and_nothing_is_saved(
    screens: Screens, demo: LiveDemo, restore: dict[str, Any], name: str
) -> None:
    case = CASES[name]
    sections = [section for section in (case.section, *case.opened) if section]
    form = open_options(screens)
    for section in sections:
        form.unfold(section)
    before = {name: form.value(name) for name, value in case.bad.items() if isinstance(value, str)}
    _type(form, case.bad)
    form.submit()

    alert = form.alerts().filter(has_text=case.messages[0])
    expect(alert).to_be_visible()
    if screens.page.locator("ha-dialog-footer").count():
        # Submit stays in view below the form (2026), so does the place the person typed in;
        # older frontends put it at the form's end, and the message is a scroll up
        expect(alert).to_be_in_viewport()
    for message in case.messages:  # two errors in one section: neither is hidden
        expect(alert).to_contain_text(message)
    for section in sections:
        assert form.is_open(section), f"{section} folded again"
    if name == "short webhook secret":
        screens.picture("options_error")

    assert _saved(demo, before) == before  # nothing was saved

    if case.fix is None:  # another case of this section saves its fix
        return
    restore.update(case.restore)
    _type(form, case.fix)
    form.submit()
    expect(form.alerts()).to_have_count(0)
    expect(screens.page.get_by_text("Options successfully saved")).to_be_visible()

    typed = {name: value for name, value in case.fix.items() if isinstance(value, str)}
    assert _saved(demo, typed) == typed  # the fix was


def test_stored_numbers_read_as_people_write_them(screens: Screens) -> None:
    """The numbers the demo stored as digits show as they were typed, in both lists."""
    form = open_options(screens)
    assert form.values("recipients") == [DEFAULT_RECIPIENT]
    form.unfold("assist")
    assert form.values("assist_senders") == ["+7 999 111-22-33"]
    assert ASSIST_PHONE == "79991112233"  # what the demo stored


def test_the_options_read_plainly(screens: Screens) -> None:
    """The webhook's address only in its section, no "address above"; plain words before the
    protocol's; list buttons that read as a person says it."""
    form = open_options(screens)
    page = screens.page
    expect(page.get_by_role("button", name="Add Recipient")).to_be_visible()
    folded = screens.text()
    assert "Saving reconnects to SMS Center." in folded
    assert "no address yet" not in folded  # the webhook's address heads the dialog no more
    assert "Add Default recipients" not in folded

    form.unfold("webhook")
    expect(page.get_by_text("The webhook address:")).to_be_visible()
    for section in ("sending", "connection", "http_api", "assist"):
        form.unfold(section)
    expect(page.get_by_role("button", name="Add Allowed number")).to_be_visible()
    text = screens.text()
    assert "no address yet" in text  # the demo has no external address: how to get one
    for jargon in ("address above", "sets MCON", "Transceiver sends", "SMPP binds", "unbound"):
        assert jargon not in text, jargon
    for plain in (
        "Keep 1 unless SMS Center allowed your account more",
        "What the connection is for: usually sending and receiving.",
        "A message sent in several parts gets one delivery report instead of one per part.",
        "While the SMPP connection is down",
    ):
        assert plain in text, plain
