"""What a page tells a person after they act, as they meet it in a real browser: joining in
place, bans that say until when, one vote confirmation, pickers by name, join requests with a
message, the moderation log in words, the reminder to confirm one's email, and pages that promise
only what settings make true; the first ones again with JavaScript turned off."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import Page, expect

from communities import services
from communities.models import Community, Membership, Post, Proposal
from moderation import services as moderation
from profiles.models import Notification, Profile
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.e2e.conftest import log_in
from tests.profiles.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def soil():
    community = CommunityFactory(
        name="Clay soil drainage", slug="clay-soil", purpose="Draining heavy clay gardens."
    )
    MembershipFactory.create_batch(2, community=community, state=Membership.State.ACTIVE)
    return community


# 1. Joining in place -----------------------------------------------------------------------


def _join_and_see_the_page_change(page: Page, soil) -> None:
    UserFactory(username="ada")
    log_in(page, "ada")
    page.goto(soil.get_absolute_url())
    header = page.get_by_role("main").locator("header")
    expect(header).to_contain_text("2 members")
    expect(page.get_by_text("Join this community to start a thread or reply.")).to_be_visible()
    page.get_by_role("button", name="Join Clay soil drainage").click()
    expect(header).to_contain_text("3 members")
    expect(page.get_by_text("You are a member")).to_be_visible()
    expect(page.get_by_text("Join this community to start a thread or reply.")).to_have_count(0)
    expect(page.get_by_role("button", name="Start the thread")).to_be_visible()


def test_joining_in_place_updates_the_count_and_forms(page: Page, soil):
    _join_and_see_the_page_change(page, soil)
    # htmx swapped the parts: the page itself was not reloaded.
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
    assert page.url.endswith(soil.get_absolute_url())


def test_joining_without_javascript_still_works(no_js_page: Page, soil):
    _join_and_see_the_page_change(no_js_page, soil)


# 2. Bans -----------------------------------------------------------------------------------


def test_a_banned_person_is_told_what_where_and_until_when(page: Page, soil):
    moderator = MembershipFactory(
        community=soil, role=Membership.Role.MODERATOR, state=Membership.State.ACTIVE
    ).user
    person = UserFactory(username="bart")
    MembershipFactory(community=soil, user=person, state=Membership.State.ACTIVE)
    moderation.membership_ban(
        actor=moderator,
        community=soil,
        user=person,
        reason="Selling pumps in every thread",
        until=datetime(2036, 12, 9, 16, 2, tzinfo=UTC),
    )
    log_in(page, "bart")
    page.goto(soil.get_absolute_url())
    notice = page.get_by_text("You are banned from Clay soil drainage")
    expect(notice).to_have_text(
        "You are banned from Clay soil drainage until 9 December 2036, 16:02: "
        "Selling pumps in every thread"
    )
    colour = notice.evaluate("element => getComputedStyle(element).color")
    assert colour == "rgb(164, 38, 44)", colour  # the danger colour, not the success green
    page.goto(f"/communities/{soil.slug}/threads/new/")
    expect(page.get_by_text("You are banned from Clay soil drainage")).to_be_visible()
    expect(page.get_by_role("button", name="Request to join")).to_have_count(0)
    expect(page.get_by_role("button", name="Join", exact=False)).to_have_count(0)


# 3. One vote confirmation ------------------------------------------------------------------


def test_you_voted_for_appears_once(page: Page, soil):
    member = MembershipFactory(
        community=soil, user=UserFactory(username="ada"), state=Membership.State.ACTIVE
    ).user
    proposal = services.proposal_open(author=member, community=soil, kind="name", value="Clay")
    log_in(page, "ada")
    page.goto(f"/communities/{soil.slug}/proposals/{proposal.pk}/")
    page.get_by_role("button", name="Vote for").click()
    votes = page.get_by_role("complementary", name="Votes")
    expect(votes).to_contain_text("1 for · 0 against")
    expect(votes.get_by_role("status")).to_contain_text("Your vote is counted.")
    expect(page.get_by_text("You voted for.")).to_have_count(1)


# 4. Pickers by name ------------------------------------------------------------------------


def _merge_proposal_picked_by_name(page: Page, soil) -> None:
    CommunityFactory(name="Raised beds", slug="raised-beds")
    MembershipFactory(
        community=soil, user=UserFactory(username="ada"), state=Membership.State.ACTIVE
    )
    log_in(page, "ada")
    page.goto(f"/communities/{soil.slug}/proposals/new/?kind=merge")
    picker = page.get_by_label("Community to merge with")
    expect(picker).to_have_attribute("list", "merge-options")
    options = page.locator("#merge-options option")
    expect(options).to_have_count(1)
    expect(options.first).to_have_attribute("value", "Raised beds")
    picker.fill("Raised beds")
    page.get_by_label("Why").fill("The same gardens.")
    page.get_by_role("button", name="Open the proposal").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("with Raised beds")
    assert Proposal.objects.get().target.slug == "raised-beds"


def test_a_merge_proposal_picks_the_community_by_name(page: Page, soil):
    _merge_proposal_picked_by_name(page, soil)


def test_picking_by_name_works_without_javascript(no_js_page: Page, soil):
    _merge_proposal_picked_by_name(no_js_page, soil)


# 5. Join requests --------------------------------------------------------------------------


def test_a_join_request_carries_a_message_to_the_moderators(page: Page, soil):
    Community.objects.filter(pk=soil.pk).update(join_policy=Community.JoinPolicy.APPROVAL)
    owner = MembershipFactory(
        community=soil,
        user=UserFactory(username="olive"),
        role=Membership.Role.OWNER,
        state=Membership.State.ACTIVE,
    ).user
    UserFactory(username="newt")
    log_in(page, "newt")
    page.goto(soil.get_absolute_url())
    page.get_by_label("A word for the moderators").fill("I drain a clay allotment in Leeds.")
    page.get_by_role("button", name="Request to join Clay soil drainage").click()
    expect(page.get_by_text("You asked to join; the moderators will decide.")).to_be_visible()
    assert Notification.objects.filter(user=owner, title__contains="asked to join").exists()

    page.context.clear_cookies()
    log_in(page, "olive")
    page.get_by_role("banner").get_by_role("link", name="Notifications").click()
    page.get_by_role("link", name="asked to join Clay soil drainage").click()
    requests = page.locator("#join-requests")
    expect(requests).to_contain_text("I drain a clay allotment in Leeds.")


# 6. The moderation log ---------------------------------------------------------------------


def test_the_public_log_leaves_out_people_and_the_moderators_log_speaks_plainly(page: Page, soil):
    moderator = MembershipFactory(
        community=soil,
        user=UserFactory(username="mona"),
        role=Membership.Role.MODERATOR,
        state=Membership.State.ACTIVE,
    ).user
    person = UserFactory(username="bart")
    MembershipFactory(community=soil, user=person, state=Membership.State.ACTIVE)
    moderation.membership_ban(
        actor=moderator,
        community=soil,
        user=person,
        reason="Selling pumps",
        until=datetime(2036, 12, 9, 16, 2, 16, tzinfo=UTC),
    )
    page.goto(f"/communities/{soil.slug}/moderation/log/")
    log = page.get_by_role("main")
    expect(log).to_contain_text("Private details are left out.")
    expect(log).to_contain_text("Banned a person until 9 December 2036, 16:02")
    expect(log).not_to_contain_text("bart")
    expect(log).not_to_contain_text("Selling pumps")
    expect(log).not_to_contain_text("2036-12-09T")

    log_in(page, "mona")
    page.goto(f"/communities/{soil.slug}/moderation/log/")
    expect(log).to_contain_text("Banned bart until 9 December 2036, 16:02")
    expect(log).to_contain_text("Selling pumps")
    expect(log).not_to_contain_text("2036-12-09T")


# 7. Confirming one's email -----------------------------------------------------------------


def test_signing_up_shows_a_reminder_to_confirm_with_a_resend_button(page: Page, mailoutbox):
    page.goto("/accounts/signup/")
    page.get_by_label("Email", exact=True).fill("newt@example.org")
    page.get_by_label("Username", exact=True).fill("newt")
    page.get_by_label("Password", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_label("Password (again)", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Create account").click()
    banner = page.get_by_role("region", name="Confirm your email address")
    expect(banner).to_contain_text("Please confirm your email address, newt@example.org")
    sent = len(mailoutbox)
    banner.get_by_role("button", name="Send the link again").click()
    expect(page.get_by_role("main")).to_contain_text("newt@example.org")
    assert len(mailoutbox) == sent + 1
    EmailAddress.objects.filter(email="newt@example.org").update(verified=True)
    page.goto("/")
    expect(page.get_by_role("region", name="Confirm your email address")).to_have_count(0)


# 8. Pages promise only what is true --------------------------------------------------------


def test_the_post_page_says_who_is_notified_by_their_settings(page: Page):
    author = UserFactory(username="nadia", profile__display_name="Nadia")
    post = Post.objects.create(author=author, title="Espresso channels", match_state="matched")
    UserFactory(username="ada")
    log_in(page, "ada")
    page.goto(post.get_absolute_url())
    expect(page.get_by_text("Nadia is notified of your reply.")).to_be_visible()

    Profile.objects.filter(user=author).update(notify_replies=False)
    page.reload()
    expect(page.get_by_text("Nadia is notified of your reply.")).to_have_count(0)
    expect(page.get_by_text("Nadia has turned off notices of replies")).to_be_visible()

    page.context.clear_cookies()
    Profile.objects.filter(user=author).update(notify_peers=False, discoverable=False)
    log_in(page, "nadia")
    page.goto(post.get_absolute_url())
    main = page.get_by_role("main")
    expect(main).not_to_contain_text("we will tell you when someone posts the same thing")
    expect(main).to_contain_text("Notices of new peers are off in your settings")
    expect(main).to_contain_text("Only you can reply here")
