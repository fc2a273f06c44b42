"""A site-wide ban in a real browser: staff ban a person from their page, the person is logged
out at once and, logging in, is told why and until when; staff lift the ban."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from profiles.models import SiteBan
from tests.e2e.conftest import DESKTOP, log_in
from tests.profiles.factories import UserFactory

pytestmark = pytest.mark.e2e


def test_staff_ban_a_person_who_is_then_told_why(page: Page, browser: Browser, live_server):
    UserFactory(username="staff", is_staff=True, profile__display_name="Site Staff")
    UserFactory(username="omar", profile__display_name="Omar Haddad")
    # Omar is logged in elsewhere while staff ban him.
    his = browser.new_context(base_url=live_server.url, viewport=DESKTOP)
    his_page = his.new_page()
    log_in(his_page, "omar", signed_in=False)
    expect(his_page.get_by_role("banner").get_by_role("button", name="Log out")).to_be_visible()

    log_in(page, "staff", signed_in=False)
    expect(page.get_by_role("banner").get_by_role("button", name="Log out")).to_be_visible()
    page.goto("/people/omar/")
    page.get_by_role("link", name="Ban from the site").click()
    page.get_by_label("Reason, shown to the person").fill("Spam in messages")
    page.get_by_label("Until").fill("2999-12-09")
    page.get_by_role("button", name="Ban from the site").click()
    expect(page.get_by_text("omar is banned from the site until 9 December 2999")).to_be_visible()

    try:
        his_page.reload()
        expect(his_page.get_by_role("banner").get_by_role("link", name="Log in")).to_be_visible()
        log_in(his_page, "omar", signed_in=False)
        expect(his_page.get_by_role("heading", level=1)).to_have_text("You are banned from Kindred")
        expect(his_page.get_by_text("until 9 December 2999, 00:00 UTC")).to_be_visible()
        expect(his_page.get_by_text("Spam in messages")).to_be_visible()
    finally:
        his.close()

    page.goto("/moderation/people/omar/ban/")
    page.get_by_role("button", name="Lift the ban").click()
    expect(page.get_by_text("omar's ban is lifted.")).to_be_visible()
    assert not SiteBan.objects.exists()
