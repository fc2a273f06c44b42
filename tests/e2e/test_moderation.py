"""A moderator's walk through the review queue in a real browser: approve a request to join,
remove a post with a reason, merge two communities, ban a person, and find each step in the
moderation log (and the public log without its private details)."""

import pytest
from playwright.sync_api import Browser, Page, expect

from communities.models import Community, Membership, Placement
from moderation.models import ModerationAction
from profiles.models import Notification
from tests.communities.factories import (
    CommunityFactory,
    MembershipFactory,
    PlacementFactory,
    PostFactory,
)
from tests.e2e.conftest import DESKTOP, log_in, screenshot
from tests.profiles.factories import UserFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def gardens():
    clay = CommunityFactory(
        name="Clay soil",
        slug="clay-soil",
        purpose="Beds that will not drain.",
        join_policy=Community.JoinPolicy.APPROVAL,
    )
    heavy = CommunityFactory(name="Heavy soil", slug="heavy-soil", purpose="Heavy ground.")
    mo = UserFactory(username="mo")
    MembershipFactory(community=clay, user=mo, role=Membership.Role.OWNER)
    MembershipFactory(community=heavy, user=mo, role=Membership.Role.MODERATOR)
    MembershipFactory(community=clay, user__username="newcomer", state=Membership.State.REQUESTED)
    MembershipFactory(community=heavy, user__username="troll")
    advert = PostFactory(title="Cheap watches for sale", author=UserFactory(username="seller"))
    PlacementFactory(community=clay, post=advert)
    PlacementFactory(community=clay, post=PostFactory(title="Gypsum or grit?"))
    return clay, heavy


def test_a_moderator_approves_removes_merges_bans_and_finds_it_all_in_the_log(page: Page, gardens):
    clay, heavy = gardens
    log_in(page, "mo")

    # The community page leads moderators to their queue.
    page.goto("/communities/clay-soil/")
    page.get_by_role("link", name="Review queue").click()
    expect(page.get_by_role("heading", name="Clay soil", level=1)).to_be_visible()

    # 1. Approve a request to join.
    page.get_by_role("button", name="Approve newcomer").click()
    expect(page.get_by_role("status").first).to_contain_text("newcomer is now a member")
    assert Membership.objects.get(community=clay, user__username="newcomer").state == "active"

    # 2. Remove a post, with a reason its author receives.
    post = page.locator("#posts li", has_text="Cheap watches for sale")
    post.locator("summary", has_text="Remove").click()
    post.get_by_label("Reason, sent to the author").fill("Adverts are not welcome here.")
    screenshot(page, "moderation-queue")
    post.get_by_role("button", name="Remove from Clay soil").click()
    expect(page.get_by_role("status").first).to_contain_text("its author was told why")
    expect(page.locator("#posts")).not_to_contain_text("Cheap watches for sale")
    assert Notification.objects.filter(
        user__username="seller", title__contains="Adverts are not welcome here."
    ).exists()

    # 3. Merge the community into another one the moderator also moderates.
    page.locator("summary", has_text="Merge into another community").click()
    page.get_by_label("Community to merge into").fill("Heavy soil")
    page.locator("#merge-reason").fill("The same people, the same clay.")
    page.get_by_role("button", name="Merge", exact=True).click()
    expect(page).to_have_url(
        f"{page.url.split('/communities/')[0]}/communities/heavy-soil/moderation/"
    )
    expect(page.get_by_role("heading", name="Heavy soil", level=1)).to_be_visible()
    assert Placement.objects.filter(community=heavy, post__title="Gypsum or grit?").exists()
    page.goto("/communities/clay-soil/")  # the old address leads to the merged community
    expect(page).to_have_url(f"{page.url.split('/communities/')[0]}/communities/heavy-soil/")
    page.goto("/communities/heavy-soil/moderation/")

    # 4. Ban a person for a week.
    people = page.locator("#people")
    people.get_by_label("Username").fill("troll")
    people.get_by_label("How long").select_option(label="For a week")
    people.get_by_label("Reason").fill("Insults in every thread.")
    people.get_by_role("button", name="Ban", exact=True).click()
    expect(page.get_by_role("status").first).to_contain_text("troll is banned")
    assert Membership.objects.get(community=heavy, user__username="troll").state == "banned"

    # Each step is in the moderation log, with its reason and the private details.
    page.get_by_role("link", name="The whole moderation log").click()
    log = page.locator(".mod-log")
    for verb, target in [
        ("Approved a join request", "newcomer"),
        ("Removed content", "Cheap watches for sale"),
        ("Merged communities", "Clay soil"),
        ("Banned", "troll"),
    ]:
        expect(log.locator("li", has_text=verb).filter(has_text=target)).to_be_visible()
    for reason in (
        "Adverts are not welcome here.",
        "The same people, the same clay.",
        "Insults in every thread.",
    ):
        expect(log).to_contain_text(reason)
    expect(log).to_contain_text("until")  # the ban's end, a private detail
    screenshot(page, "moderation-log")
    assert ModerationAction.objects.count() == 4

    # The public log shows what was done and why, without the private details: nobody a
    # decision about a person affected is named, nor why they were banned.
    page.get_by_role("banner").get_by_role("button", name="Log out").click()
    page.goto("/communities/heavy-soil/moderation/log/")
    expect(page.get_by_role("heading", name="Heavy soil", level=1)).to_be_visible()
    public = page.locator(".mod-log")
    expect(public).to_contain_text("The same people, the same clay.")
    expect(public.locator("li", has_text="Banned")).to_contain_text("a person")
    for private in ("Insults in every thread.", "troll", "newcomer"):
        expect(public).not_to_contain_text(private)
    expect(page.locator(".mod-log__details")).to_have_count(0)


def test_the_review_queue_works_without_javascript(browser: Browser, live_server, gardens):
    """Every action is a plain form: with scripts off, a moderator still rejects a request with a
    reason and starts a match run (its progress shows; only the live refresh needs htmx)."""
    clay, _ = gardens
    context = browser.new_context(
        base_url=live_server.url, viewport=DESKTOP, java_script_enabled=False
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        log_in(page, "mo")
        page.goto("/communities/clay-soil/moderation/")
        requests = page.locator("#join-requests")
        requests.locator("summary", has_text="Reject").click()
        requests.get_by_label("Reason, sent to newcomer").fill("We are full until spring.")
        requests.get_by_role("button", name="Reject the request").click()
        expect(page.get_by_role("status").first).to_contain_text("You declined newcomer's request")
        assert Membership.objects.get(community=clay, user__username="newcomer").state == "left"
        page.get_by_role("button", name="Start a match run").click()
        expect(page.get_by_role("status").first).to_contain_text("is under way")
        expect(page.locator("#run-progress")).to_contain_text("Match run #")
        page.get_by_role("link", name="Moderation log").first.click()
        expect(page.locator(".mod-log")).to_contain_text("We are full until spring.")
        expect(page.locator(".mod-log")).to_contain_text("Started a match run")
    finally:
        context.close()
