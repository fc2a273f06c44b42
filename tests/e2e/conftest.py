"""Browser tests: Playwright (sync API) driving Debian's Chromium against the live server.

Playwright's own browser download does not work on these machines, so we launch the system
Chromium ourselves (KINDRED_CHROMIUM overrides the path). Every test gets a fresh browser context,
and a page that fails the test on any console error or uncaught page error, which is how a CSP
violation, a missing static file or a broken script shows up.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Error,
    Page,
    Playwright,
    expect,
    sync_playwright,
)

from tests.profiles.factories import DEFAULT_PASSWORD

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
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _chromium_path() -> str:
    path = os.environ.get("KINDRED_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.fail(f"No Chromium at {path}: install it (apt-get install -y chromium)")
    return path


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    """Playwright's sync API keeps an event loop running in this thread from here on, so Django
    would refuse every ORM call (factories, database assertions) as async-unsafe. They are still
    plain synchronous calls, so we allow them, but only while the browser is up: a run without
    browser tests never sets the flag, and it is gone once they are done."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as p:
            yield p
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=_chromium_path(), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


class BrowserProblems:
    """Console errors and uncaught exceptions seen by one page."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text} ({message.location.get('url', '')})")

    def page_error(self, error: Error) -> None:
        self.errors.append(f"page error: {error.message}")


@pytest.fixture
def viewport() -> dict[str, int]:
    return DESKTOP


@pytest.fixture
def expected_refusals() -> list[tuple[str, str]]:
    """Pages a test expects to be refused, as (status, path): Chromium logs every 4xx document
    as a console error, which is no problem there. A test that expects some overrides this."""
    return []


@pytest.fixture
def page(
    browser: Browser, live_server, transactional_db, viewport, expected_refusals
) -> Iterator[Page]:
    """A page in a fresh context (no cookies) whose relative URLs go to the live server.

    The test fails if the browser reported any console error or page error, even when its
    own assertions passed (but for the refusals it expects).
    """
    context = browser.new_context(base_url=live_server.url, viewport=viewport)
    context.set_default_timeout(10_000)
    page = context.new_page()
    problems = BrowserProblems()
    page.on("console", problems.console)
    page.on("pageerror", problems.page_error)
    yield page
    context.close()
    expected = tuple(
        f"status of {status} ({live_server.url}{path})" for status, path in expected_refusals
    )
    errors = [error for error in problems.errors if not error.endswith(expected)]
    if errors:
        pytest.fail("The browser reported errors:\n  " + "\n  ".join(errors))


@pytest.fixture
def no_js_page(browser: Browser, live_server, transactional_db, viewport) -> Iterator[Page]:
    """A page with JavaScript turned off: what works for everyone must work there too."""
    context = browser.new_context(
        base_url=live_server.url, viewport=viewport, java_script_enabled=False
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def log_in(page: Page, username: str, *, signed_in: bool = True) -> None:
    """Log in through the log-in page with the factories' password; unless told otherwise, wait
    until the header offers Log out (on a phone it is in the closed menu: there, not visible)."""
    page.goto("/accounts/login/")
    page.get_by_label("Username or email", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    if signed_in:
        banner = page.get_by_role("banner")
        expect(banner.get_by_role("button", name="Log out", include_hidden=True)).to_be_attached()


def _scratch() -> Path:
    import tempfile

    return Path(tempfile.gettempdir()) / "kindred-screenshots"


def screenshot(page: Page, name: str) -> Path:
    """Take a full-page screenshot. With KINDRED_SCREENSHOTS=1 (`make screenshots`) it replaces
    docs/screenshots/<name>.png, for the README; otherwise it goes to a temporary folder, so an
    ordinary test run leaves the checkout clean."""
    folder = SCREENSHOTS if os.environ.get("KINDRED_SCREENSHOTS") == "1" else _scratch()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True, animations="disabled", caret="hide")
    return path
