"""Owning one's words in a real browser: fix a typo in a post and see it matched again, edit and
delete replies (in place with htmx, and with JavaScript off), the edit history as a moderator,
deleting one's account with each choice, downloading one's data, founding a community and
changing who can join."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Browser, Page, expect

from communities import services
from communities.models import Community, ContentStatus, Membership, Post, Reply
from moderation.models import ModerationAction
from profiles.models import User
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.e2e.conftest import DESKTOP, log_in
from tests.e2e.test_people import matched_corpus  # noqa: F401 - a fixture
from tests.profiles.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.e2e


def log_out(page: Page) -> None:
    page.get_by_role("banner").get_by_role("button", name="Log out").click()
    expect(page.get_by_role("banner").get_by_role("link", name="Log in")).to_be_visible()


def test_fix_a_typo_in_a_post_and_see_it_matched_again(
    page: Page,
    live_server,
    matched_corpus,  # noqa: F811
    workers,
):
    workers.start()
    sam = UserFactory(username="sam", profile__display_name="Sam Rivera")
    post = Post.objects.create(
        author=sam,
        title="sourdogh breda duogh will not rsie",
        body="My startr is fine",
        match_state=Post.MatchState.MATCHED,
    )
    log_in(page, "sam")
    page.goto(post.get_absolute_url())
    page.get_by_role("link", name="Edit your post").click()
    page.get_by_label("Title").fill("sourdough bread dough will not rise")
    page.get_by_label("Details").fill("My starter and flour seem fine but the loaf stays flat.")
    page.get_by_label("Tags").fill("baking")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("status").first).to_contain_text("Kindred is finding your peers again")
    expect(page.get_by_role("heading", level=1)).to_have_text("sourdough bread dough will not rise")
    expect(page.locator(".edited")).to_contain_text("edited")
    peer = page.locator("#post-matches .peer").first
    expect(peer).to_be_visible(timeout=20_000)  # matched again by the worker, polled in by htmx
    post.refresh_from_db()
    assert post.match_state == Post.MatchState.MATCHED
    assert post.history.count() == 2


def _discussion():
    community = CommunityFactory(name="Clay gardens", slug="clay-gardens")
    ada = MembershipFactory(community=community, user__username="ada").user
    MembershipFactory(community=community, user__username="mo", role=Membership.Role.MODERATOR)
    thread = services.thread_start(
        author=ada, community=community, title="Mulch?", body="Bark or straw?"
    )
    keep = services.thread_reply(author=ada, thread=thread, body="I tried bark: teh slugs loved it")
    drop = services.thread_reply(author=ada, thread=thread, body="Wrong thread, sorry")
    return thread, keep, drop


def test_edit_and_delete_replies_in_place_and_see_the_history_as_a_moderator(
    page: Page, live_server
):
    thread, keep, drop = _discussion()
    log_in(page, "ada")
    page.goto(thread.get_absolute_url())
    message = page.locator(f"#reply-{keep.pk}")
    message.get_by_role("link", name="Edit your reply").click()
    message.get_by_label("Your reply").fill("I tried bark: the slugs loved it")
    message.get_by_role("button", name="Save").click()
    expect(message).to_contain_text("the slugs loved it")
    expect(message.locator(".edited")).to_contain_text("edited")
    assert page.url.endswith(thread.get_absolute_url())  # no page load: htmx swapped it

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(f"#reply-{drop.pk}").get_by_role("link", name="Delete your reply").click()
    expect(page.locator(f"#reply-{drop.pk}")).to_contain_text("Your reply is deleted.")
    assert Reply.objects.get(pk=drop.pk).status == ContentStatus.DELETED
    page.reload()
    expect(page.get_by_text("Wrong thread, sorry")).to_have_count(0)

    log_out(page)
    log_in(page, "mo")
    page.goto(thread.get_absolute_url())
    page.locator(f"#reply-{keep.pk}").get_by_role("link", name="see the history").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("I tried bark")
    versions = page.locator(".history__version")
    expect(versions).to_have_count(2)
    expect(versions.first.locator("del")).to_contain_text("teh slugs")
    expect(versions.first.locator("ins")).to_contain_text("the slugs")


def test_edit_and_delete_a_reply_without_javascript(browser: Browser, live_server):
    thread, keep, drop = _discussion()
    context = browser.new_context(
        base_url=live_server.url, viewport=DESKTOP, java_script_enabled=False
    )
    page = context.new_page()
    try:
        log_in(page, "ada")
        page.goto(thread.get_absolute_url())
        page.locator(f"#reply-{keep.pk}").get_by_role("link", name="Edit your reply").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Edit your reply")
        page.get_by_label("Your reply").fill("Bark, and the slugs loved it")
        page.get_by_role("button", name="Save").click()
        expect(page.locator(f"#reply-{keep.pk}")).to_contain_text("the slugs loved it")
        page.locator(f"#reply-{drop.pk}").get_by_role("link", name="Delete your reply").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Delete your reply?")
        page.get_by_role("button", name="Delete it").click()
        expect(page.get_by_role("status")).to_contain_text("Your reply is deleted.")
        expect(page.get_by_text("Wrong thread, sorry")).to_have_count(0)
    finally:
        context.close()


def test_download_your_data_then_delete_the_account_keeping_posts(page: Page, live_server):
    ada = UserFactory(username="ada", profile__display_name="Ada L")
    post = Post.objects.create(author=ada, title="Clay floods every spring", match_state="matched")
    log_in(page, "ada")
    page.get_by_role("banner").get_by_role("link", name="Settings").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download your data").click()
    data = json.loads(download.value.path().read_text(encoding="utf-8"))
    assert data["account"]["username"] == "ada"
    assert [p["title"] for p in data["posts"]] == ["Clay floods every spring"]

    page.get_by_role("link", name="Delete your account").click()
    page.get_by_label("Keep my posts, threads and replies").check()
    page.get_by_label("Your password").fill("not it")
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_text("That is not your password.")).to_be_visible()
    page.get_by_label("Your password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_role("status")).to_contain_text("Your account is deleted.")
    expect(page.get_by_role("banner").get_by_role("link", name="Log in")).to_be_visible()
    assert not User.objects.filter(username="ada").exists()
    page.goto(post.get_absolute_url())
    expect(page.get_by_role("main")).to_contain_text("By a former member")
    expect(page.get_by_role("main")).not_to_contain_text("Ada L")


def test_delete_the_account_removing_everything(page: Page, live_server):
    grace = UserFactory(username="grace")
    post = Post.objects.create(author=grace, title="Grinder too loud", match_state="matched")
    log_in(page, "grace")
    page.goto("/people/settings/delete/")
    page.get_by_label("Remove everything I wrote").check()
    page.get_by_label("Your password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_role("status")).to_contain_text("Your account is deleted.")
    assert not Post.objects.filter(pk=post.pk).exists()
    assert page.request.get(post.get_absolute_url()).status == 404  # gone for everyone


def test_found_a_community_then_change_who_can_join(page: Page, live_server, settings):
    UserFactory(username="lin")
    log_in(page, "lin")
    page.goto("/communities/")
    page.get_by_role("link", name="Start a community").click()
    page.get_by_label("Name").fill("Repair cafés in Leeds")
    page.get_by_label("Purpose").fill("Fixing things together on Saturdays.")
    page.get_by_label("Tags").fill("repair, leeds")
    page.get_by_label("Anyone can join").check()
    page.get_by_role("button", name="Propose this community").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Repair cafés in Leeds")
    expect(page.get_by_role("status")).to_contain_text("is proposed")
    needed = settings.KINDRED_PROPOSED_COMMUNITY_MIN_MEMBERS
    expect(page.get_by_role("region", name="A proposed community")).to_contain_text(
        f"1 of the {needed} people"
    )
    community = Community.objects.get(name="Repair cafés in Leeds")
    assert community.status == Community.Status.PROPOSED

    page.get_by_label("Moderators approve requests").check()
    page.get_by_label("Why").fill("Spam sign-ups")
    page.get_by_role("button", name="Change who can join").click()
    expect(page.get_by_role("status")).to_contain_text("How people join is changed.")
    expect(page.locator(".community-header .meta")).to_contain_text("Moderators approve requests")
    assert ModerationAction.objects.filter(community=community, verb="join_policy").exists()
    page.get_by_role("link", name="Moderation log").click()
    expect(page.get_by_role("main")).to_contain_text(
        "how people join Repair cafés in Leeds: from “Anyone can join”"
    )
