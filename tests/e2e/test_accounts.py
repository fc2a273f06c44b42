"""Signing up, logging in and out, and the admin, as a person does it in the browser."""

import pytest
from playwright.sync_api import Page, expect

from profiles.models import User
from tests.e2e.conftest import screenshot
from tests.profiles.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.e2e


def header(page: Page):
    return page.get_by_role("banner")


def test_a_visitor_signs_up_logs_out_and_logs_back_in(page: Page, live_server):
    page.goto("/")
    header(page).get_by_role("link", name="Sign up").click()
    expect(page).to_have_title("Sign up · Kindred")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign up")

    page.get_by_label("Email", exact=True).fill("grace@example.org")
    page.get_by_label("Username", exact=True).fill("grace")
    page.get_by_label("Password", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_label("Password (again)", exact=True).fill(DEFAULT_PASSWORD)
    findable = page.get_by_label("Let people working on the same problems find me")
    expect(findable).to_be_checked()
    expect(page.get_by_role("main")).to_contain_text("will see your posts as peers")
    page.get_by_role("main").get_by_role("button", name="Create account").click()

    expect(page).to_have_url(f"{live_server.url}/")
    assert User.objects.get(username="grace").profile.discoverable
    expect(header(page).get_by_role("link", name="grace")).to_be_visible()
    expect(header(page).get_by_role("button", name="Log out")).to_be_visible()
    expect(header(page).get_by_role("link", name="Log in")).to_have_count(0)
    assert User.objects.filter(username="grace", email="grace@example.org").exists()

    header(page).get_by_role("button", name="Log out").click()
    expect(header(page).get_by_role("link", name="Log in")).to_be_visible()
    expect(header(page).get_by_role("link", name="grace")).to_have_count(0)

    header(page).get_by_role("link", name="Log in").click()
    page.get_by_label("Username or email", exact=True).fill("grace@example.org")
    page.get_by_label("Password", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    expect(header(page).get_by_role("link", name="grace")).to_be_visible()


def test_a_visitor_who_unticks_findable_is_not_suggested_as_a_peer(page: Page, live_server):
    page.goto("/accounts/signup/")
    page.get_by_label("Email", exact=True).fill("omar@example.org")
    page.get_by_label("Username", exact=True).fill("omar")
    page.get_by_label("Password", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_label("Password (again)", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_label("Let people working on the same problems find me").uncheck()
    page.get_by_role("main").get_by_role("button", name="Create account").click()

    expect(page).to_have_url(f"{live_server.url}/")
    assert not User.objects.get(username="omar").profile.discoverable


def test_a_failed_login_shows_the_form_error(page: Page):
    UserFactory(username="ada")
    page.goto("/accounts/login/")
    page.get_by_label("Username or email", exact=True).fill("ada")
    page.get_by_label("Password", exact=True).fill("not-my-password")
    page.get_by_role("main").get_by_role("button", name="Log in").click()

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("not correct")
    expect(page.get_by_label("Username or email", exact=True)).to_have_value("ada")
    expect(header(page).get_by_role("link", name="Log in")).to_be_visible()


def test_a_member_sees_their_display_name_in_the_header(page: Page):
    user = UserFactory(username="ada")
    user.profile.display_name = "Ada Lovelace"
    user.profile.save()
    page.goto("/accounts/login/")
    page.get_by_label("Username or email", exact=True).fill("ada")
    page.get_by_label("Password", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    expect(header(page).get_by_role("link", name="Ada Lovelace")).to_be_visible()
    expect(header(page).get_by_role("link", name="Admin")).to_have_count(0)


def test_staff_log_into_the_admin(page: Page):
    UserFactory(username="root", is_staff=True, is_superuser=True)
    page.goto("/admin/")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page).to_have_title("Site administration | Django site admin")
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    app_list = page.locator("#content-main")
    expect(app_list.get_by_role("link", name="Communities", exact=True).first).to_be_visible()
    expect(app_list.get_by_role("link", name="Posts", exact=True)).to_be_visible()


def test_sign_up_page_screenshot(page: Page):
    page.goto("/accounts/signup/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign up")
    screenshot(page, "sign-up")
