"""Direct messages in a real browser: writing to a peer found on one's post page, the other
person reading it (the header's unread count clears), blocking, and sending with JavaScript off."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from communities.models import Post
from matching.models import PeerSuggestion
from profiles.models import Message
from tests.e2e.conftest import DESKTOP, log_in, screenshot
from tests.profiles.factories import UserFactory

pytestmark = pytest.mark.e2e


def log_out(page: Page) -> None:
    page.get_by_role("banner").get_by_role("button", name="Log out").click()
    expect(page.get_by_role("banner").get_by_role("link", name="Log in")).to_be_visible()


def messages_link(page: Page):
    return page.get_by_role("banner").get_by_role("link", name="Messages")


@pytest.fixture
def peers(transactional_db):
    """Ada's post and Grace's, matched as peers."""
    ada = UserFactory(username="ada", profile__display_name="Ada Lovelace")
    grace = UserFactory(username="grace", profile__display_name="Grace Hopper")
    mine = Post.objects.create(author=ada, title="Clay soil floods", match_state="matched")
    theirs = Post.objects.create(author=grace, title="Waterlogged clay beds", match_state="matched")
    PeerSuggestion.objects.create(post=mine, peer=theirs, score=0.9, reason="Both: clay, water")
    return mine, theirs


def test_writing_to_a_peer_who_reads_it_and_blocks(page: Page, peers):
    mine, _theirs = peers
    log_in(page, "ada")
    page.goto(mine.get_absolute_url())
    page.get_by_role("link", name="Message Grace Hopper").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Write to Grace Hopper")
    page.get_by_label("Your message").fill("Have you tried raised beds?")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Grace Hopper")
    expect(page.get_by_text("Have you tried raised beds?")).to_be_visible()
    # htmx sends the next one in place.
    page.get_by_label("Your message").fill("Or drainage pipes?")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("status").filter(has_text="Message sent.")).to_be_visible()
    expect(page.get_by_text("Or drainage pipes?")).to_be_visible()
    expect(page.get_by_label("Your message")).to_have_value("")
    log_out(page)

    log_in(page, "grace")
    expect(messages_link(page)).to_contain_text("1")
    messages_link(page).click()
    page.get_by_role("link", name="Ada Lovelace").click()
    expect(page.get_by_text("Have you tried raised beds?")).to_be_visible()
    expect(messages_link(page)).to_have_text("Messages")  # read: the count is gone
    page.get_by_label("Your message").fill("Raised beds, yes!")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Raised beds, yes!")).to_be_visible()
    screenshot(page, "conversation")

    page.get_by_role("button", name="Block Ada Lovelace").click()
    expect(
        page.get_by_text("You blocked Ada Lovelace: they cannot send you messages")
    ).to_be_visible()
    expect(page.get_by_text("You blocked Ada Lovelace. Unblock them")).to_be_visible()
    log_out(page)

    log_in(page, "ada")
    messages_link(page).click()
    page.get_by_role("link", name="Grace Hopper").click()
    expect(page.get_by_text("Grace Hopper does not take messages from you.")).to_be_visible()
    expect(page.get_by_label("Your message")).to_have_count(0)
    assert Message.objects.count() == 3


def test_sending_works_with_javascript_off(browser: Browser, live_server, peers):
    _mine, theirs = peers
    context = browser.new_context(
        base_url=live_server.url, viewport=DESKTOP, java_script_enabled=False
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        log_in(page, "ada")
        page.goto(theirs.get_absolute_url())
        page.get_by_role("link", name="Message Grace Hopper").click()
        page.get_by_label("Your message").fill("Written without JavaScript")
        page.get_by_role("button", name="Send").click()
        expect(page.get_by_text("Message sent to Grace Hopper.")).to_be_visible()
        page.get_by_label("Your message").fill("And a second one")
        page.get_by_role("button", name="Send").click()
        expect(page.get_by_text("And a second one")).to_be_visible()
        expect(page.get_by_role("status").get_by_text("Message sent.")).to_be_visible()
        # An empty message is refused with a reason, on the page.
        page.get_by_role("button", name="Send").click()
        expect(page.get_by_text("This field is required.")).to_be_visible()
        assert Message.objects.count() == 2
    finally:
        context.close()
