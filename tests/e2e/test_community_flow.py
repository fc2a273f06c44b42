"""A member's walk through the community side in a real browser: browse the directory, search,
join a community, start a thread and reply, propose a purpose change that the members pass, and
read the charter history. And the same essentials with JavaScript turned off."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from communities import services
from communities.models import Community, Membership, Proposal
from tests.communities.factories import CommunityFactory, MembershipFactory, TagFactory
from tests.e2e.conftest import DESKTOP, PHONE, log_in, screenshot
from tests.profiles.factories import UserFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def directory():
    heat = CommunityFactory(
        name="Quiet heat pumps",
        slug="quiet-heat-pumps",
        purpose="Neighbours fitting heat pumps in narrow streets, comparing enclosures.",
        tags=[TagFactory(name="heat pumps")],
    )
    CommunityFactory(
        name="Repair cafés in small towns",
        slug="repair-cafés",
        purpose="Finding fixers, insurance and venues.",
        tags=[TagFactory(name="repair")],
    )
    CommunityFactory(
        name="Bike trailers",
        purpose="Building and lending cargo trailers.",
        status=Community.Status.PROPOSED,
        activated_at=None,
    )
    return heat


def test_browse_join_discuss_propose_and_pass_a_purpose_change(page: Page, directory, settings):
    settings.KINDRED_PROPOSAL_QUORUM = 3
    heat = directory
    neighbours = [
        MembershipFactory(community=heat, state=Membership.State.ACTIVE).user for _ in range(2)
    ]
    UserFactory(username="ada")
    log_in(page, "ada")

    # Browse the directory and search it: htmx swaps the results and keeps the address.
    page.goto("/communities/")
    main = page.get_by_role("main")
    expect(main.get_by_role("article")).to_have_count(3)
    page.get_by_label("Search communities").fill("heat pump")
    expect(main.get_by_role("article")).to_have_count(1)
    expect(main.get_by_role("status")).to_contain_text("1 community matching")
    assert page.url.endswith("/communities/?q=heat+pump")
    screenshot(page, "communities-search")

    # Join from the card, in place.
    card = main.get_by_role("article").filter(has_text="Quiet heat pumps")
    card.get_by_role("button", name="Join Quiet heat pumps").click()
    expect(card).to_contain_text("You are a member")
    expect(card).to_contain_text("You joined Quiet heat pumps.")
    # Keyboard focus follows the answer rather than falling back to the top of the page.
    expect(card.get_by_role("status")).to_be_focused()
    assert Membership.objects.get(user__username="ada", community=heat).state == "active"

    # Start a thread on the community page, then reply (htmx adds the reply in place).
    card.get_by_role("link", name="Quiet heat pumps").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Quiet heat pumps")
    # With no threads yet, the "Start a thread" form is already open.
    expect(page.get_by_label("Title")).to_be_visible()
    page.get_by_label("Title").fill("Which enclosure is quietest?")
    page.get_by_label("Message").fill("We measured **42 dB** at the fence.")
    page.get_by_role("button", name="Start the thread").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Which enclosure is quietest?")
    expect(page.locator("strong", has_text="42 dB")).to_be_visible()
    page.get_by_label("Your reply").fill("Ours is a timber box with vents.")
    page.get_by_role("button", name="Post reply").click()
    posted = page.locator("#thread-messages").get_by_role("status")
    expect(posted).to_have_text("Reply posted. Read it")
    expect(posted).to_be_focused()
    expect(page.locator(".thread__message")).to_have_count(2)
    expect(page.get_by_label("Your reply")).to_have_value("")
    screenshot(page, "thread")

    # Propose a purpose change; the form starts from the current purpose.
    page.get_by_role("link", name="Quiet heat pumps").click()
    page.get_by_role("link", name="purpose", exact=True).click()
    value = page.get_by_label("The new version")
    expect(value).to_have_value(heat.purpose)
    value.fill("Neighbours fitting quiet heat pumps in narrow streets, sharing measurements.")
    page.get_by_label("Why").fill("We have measurements now.")
    page.get_by_role("button", name="Open the proposal").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change the purpose")
    expect(page.locator("ins", has_text="sharing measurements")).to_be_visible()
    page.get_by_role("button", name="Vote for").click()
    votes = page.get_by_role("complementary", name="Votes")
    expect(votes).to_contain_text("1 for · 0 against")
    expect(votes.get_by_role("status")).to_contain_text("Your vote is counted.")
    expect(votes).to_contain_text("You voted for.")
    screenshot(page, "proposal")

    # The neighbours vote too; the voting period ends and the periodic decision runs.
    proposal = Proposal.objects.get()
    for neighbour in neighbours:
        services.proposal_vote(voter=neighbour, proposal=proposal, approve=True)
    Proposal.objects.filter(pk=proposal.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    assert services.proposals_decide() == 1

    page.reload()
    expect(page.get_by_role("main")).to_contain_text("Passed")
    page.get_by_role("link", name="Quiet heat pumps").first.click()
    expect(page.locator("#purpose-title + p")).to_contain_text("sharing measurements")

    # The charter history shows the change as a diff.
    page.get_by_role("link", name="Charter history").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("charter changed")
    expect(page.locator("ins", has_text="sharing measurements")).to_be_visible()
    expect(page.locator("del", has_text="comparing enclosures")).to_be_visible()
    screenshot(page, "charter-history")


def test_directory_and_joining_work_without_javascript(browser: Browser, live_server, directory):
    UserFactory(username="grace")
    context = browser.new_context(
        base_url=live_server.url, viewport=DESKTOP, java_script_enabled=False
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        log_in(page, "grace")
        page.goto("/communities/")
        page.get_by_label("Search communities").fill("repair")
        page.get_by_role("button", name="Search").click()
        main = page.get_by_role("main")
        expect(main.get_by_role("article")).to_have_count(1)
        main.get_by_role("button", name="Join Repair cafés in small towns").click()
        # Back on the same search, with a message and the new standing.
        assert "q=repair" in page.url
        expect(main.get_by_role("status").first).to_contain_text("You joined Repair cafés")
        expect(main.get_by_role("article")).to_contain_text("You are a member")
        page.get_by_label("Status").select_option("proposed")
        page.get_by_label("Search communities").fill("")
        page.get_by_role("button", name="Search").click()
        expect(main.get_by_role("article")).to_have_count(1)
        expect(main.get_by_role("article")).to_contain_text("Bike trailers")
    finally:
        context.close()


def test_an_invited_person_joins_and_the_proposed_community_becomes_active(page: Page, settings):
    settings.KINDRED_PROPOSED_COMMUNITY_MIN_MEMBERS = 2
    proposed = CommunityFactory(
        name="Rainwater for shared gardens",
        slug="rainwater",
        status=Community.Status.PROPOSED,
        activated_at=None,
        origin=Community.Origin.MATCHER,
        formed_reason="3 people posted 6 problems about rainwater, butts and allotments.",
    )
    MembershipFactory(community=proposed, state=Membership.State.ACTIVE)
    invited = UserFactory(username="alan")
    MembershipFactory(community=proposed, user=invited, state=Membership.State.INVITED)
    log_in(page, "alan")
    page.goto("/communities/rainwater/")
    main = page.get_by_role("main")
    expect(main).to_contain_text("You were invited")
    expect(main).to_contain_text("1 of the 2 people it needs have joined")
    expect(page.get_by_role("heading", name="Why this community formed")).to_be_visible()
    screenshot(page, "community-proposed")
    main.get_by_role("button", name="Join Rainwater for shared gardens").click()
    expect(main.get_by_role("status").last).to_contain_text("it is active")
    page.reload()
    expect(main.locator(".badge").first).to_have_text("Active")
    expect(main).not_to_contain_text("A proposed community")


@pytest.mark.parametrize("viewport", [PHONE])
def test_community_pages_fit_a_phone(page: Page, directory):
    member = MembershipFactory(community=directory, state=Membership.State.ACTIVE).user
    thread = services.thread_start(
        author=member, community=directory, title="Enclosures", body="A long " * 60
    )
    services.proposal_open(
        author=member, community=directory, kind="purpose", value="A new purpose " * 20
    )
    for url in [
        "/communities/",
        directory.get_absolute_url(),
        thread.get_absolute_url(),
        f"/communities/{directory.slug}/proposals/{Proposal.objects.get().pk}/",
        f"/communities/{directory.slug}/charter/",
    ]:
        page.goto(url)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (url, overflow)
    page.goto(directory.get_absolute_url())
    screenshot(page, "community-phone")
