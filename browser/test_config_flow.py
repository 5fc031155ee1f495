"""Adding an account, changing its connection, and a new password when SMS Center refuses the
stored one: the forms as a person meets them."""

from __future__ import annotations

from collections.abc import Iterator
import re
from typing import Any

from ha_demo.account import SMPP_PASSWORD, SPARE_LOGIN, SPARE_PASSWORD
from ha_demo.common import DOMAIN
from playwright.sync_api import Page, expect
import pytest

from browser import home
from browser.flows import add_account, entry_menu, finish, localize, remove_entries
from browser.forms import Form
from browser.live import LiveDemo
from browser.screens import Screens

NO_TLS = "None: the password and texts go unencrypted"


def _fill_account(form: Form, demo: LiveDemo, password: str) -> None:
    """The spare account on the simulator's plain port."""
    form.fill("username", SPARE_LOGIN)
    form.fill("password", password)
    form.fill("host", "127.0.0.1")
    form.choose("encryption", NO_TLS)
    form.fill("port", str(demo.demo.ports.smpp))


@pytest.fixture
def spare_entry(demo: LiveDemo) -> Iterator[None]:
    """The spare account's entry, if a test adds it, is removed again."""
    yield
    remove_entries(demo, f"({SPARE_LOGIN})")


@pytest.mark.usefixtures("spare_entry")
def test_a_form_left_open_does_not_block_the_login(screens: Screens, demo: LiveDemo) -> None:
    """A refused password, then the page reloaded without closing the dialog: the same login
    is added at the next attempt (it was refused as "already being set up" before)."""
    form = add_account(screens)
    screens.picture("config_flow")
    _fill_account(form, demo, "wrong")
    form.submit()
    refused = form.alerts().filter(has_text="SMS Center refused the login or password")
    expect(refused).to_be_visible()

    screens.page.reload()
    form = add_account(screens)
    _fill_account(form, demo, SPARE_PASSWORD)
    form.submit()
    page = screens.page
    expect(page.get_by_text("already being set up")).to_have_count(0)
    finish_button = page.get_by_role(
        "button", name=localize(page, "panel.config.integrations.config_flow.finish")
    )
    expect(finish_button.or_(_skip_button(page)).first).to_be_visible()
    titles = [entry["title"] for entry in demo.run(demo.client.entries(DOMAIN))]
    assert f"SMS Center ({SPARE_LOGIN})" in titles
    finish(page)


def _skip_button(page: Page) -> Any:
    return page.get_by_role(
        "button", name=localize(page, "panel.config.integrations.config_flow.finish_skip")
    )


def test_the_encryption_is_one_choice(screens: Screens) -> None:
    """TLS and the certificate check are one drop-down list; no certificate switch shows (or
    stays on) with TLS off; the port follows the choice."""
    form = add_account(screens)
    page = screens.page
    expect(page.get_by_text("SMS Center's port is 3443 with TLS and 3700 without")).to_be_visible()
    text = screens.text()
    assert "Verify the TLS certificate" not in text
    assert "Left at 3700" not in text
    assert form.value("port") == "3443"
    assert form.options("encryption") == [
        "TLS (recommended)",
        "TLS without checking the certificate (test servers only)",
        NO_TLS,
    ]
    form.choices(NO_TLS).first.click()
    assert form.value("port") == "3443"  # corrected when saved (the helper says so)


def test_reconfigure_shows_the_connection(screens: Screens, demo: LiveDemo) -> None:
    """Reconfigure from the entry's menu: the demo's plain connection is shown as the one
    choice it is, and saving binds again."""
    entry_menu(screens, "panel.config.integrations.config_entry.reconfigure")
    page = screens.page
    form = Form(page)
    assert form.value("host") == "127.0.0.1"
    expect(form.item("encryption")).to_contain_text(NO_TLS)
    expect(page.get_by_text("Change the server, encryption, sender or password")).to_be_visible()
    assert "Verify the TLS certificate" not in screens.text()
    form.submit()
    # the integration's words, or (2026) the frontend's own for a successful reconfigure
    expect(
        page.get_by_text(re.compile("The connection was updated|Reconfiguration was successful"))
    ).to_be_visible()


def _refuse_password(demo: LiveDemo, refuse: bool) -> None:
    """The simulator refuses every bind as a wrong password (SMPP 0x0E), and drops the link
    so that the entry binds again; or takes binds again."""

    async def fault(body: dict[str, Any]) -> None:
        async with demo.control.session.post(f"{demo.control.url}/fault", json=body) as resp:
            assert resp.status == 200, await resp.text()

    if refuse:
        demo.run(fault({"kind": "refuse_binds", "status": 0x0E}))
        demo.run(fault({"kind": "drop_all"}))
    else:
        demo.run(fault({"kind": "clear"}))


def test_a_refused_password_is_asked_again(screens: Screens, demo: LiveDemo) -> None:
    """SMS Center refuses the stored password: the integrations page asks for a new one,
    whose form reads right, and the right password ends it."""
    demo.expected_errors.append("SMS Center refused the login or password")
    try:
        _refuse_password(demo, True)
        home.reauth_started(demo)
        screens.goto("/config/integrations/dashboard")
        page = screens.page
        page.get_by_role(
            "button", name=localize(page, "panel.config.integrations.reconfigure")
        ).first.click()
        form = Form(page)
        expect(
            page.get_by_text("SMS Center refuses the password of SMS Center (dev)").first
        ).to_be_visible()
        expect(page.get_by_text("refused the SMPP password of the login dev").first).to_be_visible()
        assert not screens.raw_keys()
        _refuse_password(demo, False)
        form.fill("password", SMPP_PASSWORD)
        form.submit()
        expect(page.get_by_text(re.compile("The password was updated|successful"))).to_be_visible()
    finally:
        _refuse_password(demo, False)
