"""The browser test's fixtures: the demo (``live.py``), Debian's Chromium driven by Playwright,
and a page logged in as the demo's owner.

Run through ``scripts/browser``; nothing here downloads a browser. Each test gets a fresh
browser context (the owner's login reused); a failing test leaves a screenshot and the page's
text in the screenshots folder (``--shots``).
"""

from __future__ import annotations

from collections.abc import Iterator
import os
from pathlib import Path
import re
import tempfile
from typing import Any

from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    StorageState,
    ViewportSize,
    sync_playwright,
)
import pytest

from browser.live import LiveDemo
from browser.screens import Screens, page_text

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Headless, and quiet: this machine's network is closed, so nothing that phones home.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT: ViewportSize = {"width": 1280, "height": 900}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--hass", help="the hass executable of the release to test (default: this venv's)"
    )
    parser.addoption("--shots", help="folder for screenshots (default: a temporary one)")


@pytest.fixture(scope="session")
def shots(pytestconfig: pytest.Config) -> Path:
    """Where screenshots go: every test's on failure, and the README's pictures."""
    given = pytestconfig.getoption("shots")
    folder = Path(given) if given else Path(tempfile.mkdtemp(prefix="smscentre-shots-"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def demo(pytestconfig: pytest.Config) -> Iterator[LiveDemo]:
    hass = pytestconfig.getoption("hass")
    live = LiveDemo(Path(hass) if hass else None)
    try:
        live.start()
        print(f"\nHome Assistant {live.version} at {live.base_url}")
        yield live
    finally:
        problems = live.stop()
    assert not problems, "\n".join(problems)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def login_state(browser: Browser, demo: LiveDemo) -> StorageState:
    """The owner logged in once through the login page; later contexts reuse its storage."""
    context = browser.new_context(viewport=VIEWPORT, locale="en-US")
    page = context.new_page()
    page.goto(demo.base_url)
    page.locator('input[name="username"]').fill("dev")
    page.locator('input[name="password"]').fill("dev")
    page.keyboard.press("Enter")
    Screens(page, demo).wait_connected()
    state = context.storage_state()
    context.close()
    return state


@pytest.fixture
def context(
    browser: Browser, login_state: StorageState, request: pytest.FixtureRequest, shots: Path
) -> Iterator[BrowserContext]:
    context = browser.new_context(
        viewport=VIEWPORT,
        locale="en-US",
        storage_state=login_state,
    )
    yield context
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        for index, page in enumerate(context.pages):
            path = shots / f"FAILED-{name}-{index}.png"
            page.screenshot(path=path, full_page=True)
            (shots / f"FAILED-{name}-{index}.txt").write_text(page_text(page))
            print(f"screenshot: {path}")
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture
def screens(page: Page, demo: LiveDemo, shots: Path) -> Screens:
    """The page with the demo's screens at hand."""
    return Screens(page, demo, shots)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
