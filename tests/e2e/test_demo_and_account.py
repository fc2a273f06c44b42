"""The demo as a newcomer meets it in the browser (logged in as ada, with the real rate limits:
post, start a thread, found a community, read the demo's discussions), and the account-deletion
form's lockout (wrong passwords count like failed log-ins; locked, it says when to try again)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from communities.management.commands.load_demo import DEMO_PASSWORD
from config.settings import base
from profiles.models import User
from tests.profiles.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def expected_refusals() -> list[tuple[str, str]]:
    """The lockout answers 429, which Chromium logs as a console error."""
    return [("429 (Too Many Requests)", "/people/settings/delete/")]


@pytest.fixture
def real_limits(own_cache, settings):
    """The limits a real site runs with, counted in this process's memory (the live server runs
    in a thread of it)."""
    settings.KINDRED_RATE_LIMITS_ENABLED = True
    settings.KINDRED_RATE_LIMITS = base.KINDRED_RATE_LIMITS
    settings.KINDRED_LOGIN_LOCKOUT = base.KINDRED_LOGIN_LOCKOUT


def _log_in(page: Page, login: str, password: str) -> None:
    page.goto("/accounts/login/", timeout=30_000)  # a loaded machine can be slow to start
    page.get_by_label("Username or email", exact=True).fill(login)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    expect(page.get_by_role("banner").get_by_role("button", name="Log out")).to_be_visible()


def test_a_newcomer_as_ada_reads_the_demo_discussions_posts_starts_a_thread_and_founds(
    page: Page, real_limits
):
    call_command("load_demo", "--allow-outside-debug", stdout=StringIO())
    _log_in(page, "ada", DEMO_PASSWORD)

    page.goto("/posts/new/")
    page.get_by_label("Title").fill("Slugs eat every lettuce seedling")
    page.get_by_label("Tags").fill("gardening, slugs")
    page.get_by_role("main").get_by_role("button", name="Post").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Slugs eat every lettuce seedling")

    page.goto("/communities/clay-soil-drainage/")
    main = page.get_by_role("main")
    main.get_by_role("link", name="Gypsum on clay: has anyone measured a difference?").click()
    expect(page.get_by_role("main")).to_contain_text("leaf mould")  # Maya's reply
    page.goto("/communities/clay-soil-drainage/")
    page.get_by_text("Start a thread", exact=True).click()  # folded: the community has threads
    page.get_by_label("Title").fill("Who is sowing green manure this winter?")
    page.get_by_label("Message").fill("I sowed field beans in October.")
    page.get_by_role("button", name="Start the thread").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Who is sowing green manure this winter?"
    )

    page.goto("/communities/new/")
    page.get_by_label("Name").fill("Seed swaps near me")
    page.get_by_label("Tags").fill("seeds, gardening")
    page.get_by_role("button", name="Propose this community").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Seed swaps near me")
    expect(page.get_by_role("main")).not_to_contain_text("Slow down")


def test_guessing_on_the_delete_form_locks_it_and_says_when(page: Page, real_limits):
    ada = UserFactory(username="ada")
    _log_in(page, "ada", DEFAULT_PASSWORD)
    limit = base.KINDRED_LOGIN_LOCKOUT["account_and_address"]["limit"]
    page.goto("/people/settings/delete/")
    for _ in range(limit):
        page.get_by_label("Remove everything I wrote").check()
        page.get_by_label("Your password").fill("a-guess")
        page.get_by_role("button", name="Delete my account").click()
        expect(page.get_by_role("main")).to_contain_text("That is not your password.")
    page.get_by_label("Remove everything I wrote").check()
    page.get_by_label("Your password").fill(DEFAULT_PASSWORD)
    with page.expect_response(
        lambda r: r.url.endswith("/people/settings/delete/") and r.request.method == "POST"
    ) as answer:
        page.get_by_role("button", name="Delete my account").click()
    assert answer.value.status == 429
    assert 0 < int(answer.value.headers["retry-after"]) <= 15 * 60
    expect(page.get_by_role("main")).to_contain_text(
        "Too many wrong passwords for this account from here. Try again in"
    )
    assert User.objects.filter(pk=ada.pk).exists()
