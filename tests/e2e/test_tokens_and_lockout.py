"""API tokens on the settings page, and a locked log-in, as a person meets them in the browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, Playwright, expect

from profiles.models import ApiToken
from tests.profiles.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def expected_refusals() -> list[tuple[str, str]]:
    """The lockout answers 429, which Chromium logs as a console error."""
    return [("429 (Too Many Requests)", "/accounts/login/")]


def _log_in(page: Page, login: str, password: str) -> None:
    page.goto("/accounts/login/", timeout=30_000)  # a loaded machine can be slow to start
    page.get_by_label("Username or email", exact=True).fill(login)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("main").get_by_role("button", name="Log in").click()


def test_a_person_makes_uses_and_revokes_a_named_token(
    page: Page, live_server, playwright: Playwright
):
    UserFactory(username="ada")
    _log_in(page, "ada", DEFAULT_PASSWORD)
    page.goto("/people/settings/")
    page.get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("API tokens")
    expect(page.get_by_role("main")).to_contain_text("You have no tokens")

    page.get_by_label("Name", exact=True).fill("Backup script on my laptop")
    page.get_by_role("button", name="Make a token").click()
    key = page.locator("#new-token-key").inner_text().strip()
    assert len(key) == 64
    expect(page.get_by_role("main")).to_contain_text("it will not be shown again")
    listed = page.get_by_role("listitem").filter(has_text="Backup script on my laptop")
    expect(listed).to_contain_text("expires")

    api = playwright.request.new_context(base_url=live_server.url)  # a script: no cookies
    me = api.get("/api/me/", headers={"Authorization": f"Token {key}"})
    assert me.status == 200, me.text()

    listed.get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("main")).to_contain_text("Revoked the token")
    expect(page.get_by_role("main")).to_contain_text("You have no tokens")
    assert not ApiToken.objects.exists()
    refused = api.get("/api/me/", headers={"Authorization": f"Token {key}"})
    assert refused.status in (401, 403) and "Invalid token" in refused.text()
    api.dispose()


def test_a_locked_log_in_says_why_and_when_and_keeps_the_form(
    page: Page, live_server, settings, own_cache
):
    settings.KINDRED_RATE_LIMITS_ENABLED = True
    settings.KINDRED_LOGIN_LOCKOUT = {
        **settings.KINDRED_LOGIN_LOCKOUT,
        "account_and_address": {"limit": 2, "window": 15 * 60},
    }
    UserFactory(username="grace", email="grace@example.org")
    _log_in(page, "grace", "not-my-password")
    _log_in(page, "grace@example.org", "still-not-it")
    with page.expect_response(
        lambda r: r.url.endswith("/accounts/login/") and r.request.method == "POST"
    ) as answer:
        _log_in(page, "grace", DEFAULT_PASSWORD)
    assert answer.value.status == 429
    assert 0 < int(answer.value.headers["retry-after"]) <= 15 * 60
    main = page.get_by_role("main")
    expect(main).to_contain_text("Too many failed log-in attempts for this account from here")
    expect(main).to_contain_text("reset your password")
    expect(page.get_by_label("Password", exact=True)).to_be_visible()
    expect(page.get_by_role("banner").get_by_role("link", name="Log in")).to_be_visible()
