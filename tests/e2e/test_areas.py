"""Areas in a real browser: the directory grouped by area and filtered by one (with htmx, and
without JavaScript), an area's page, a moderator moving a community to another area, then to a
new one, and renaming an area; and a later match run, through a real Celery worker, keeping the
community where the moderator put it."""

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from communities.models import Community, Membership, Post, Tag
from matching import services
from matching.models import MatchRun
from moderation.models import ModerationAction
from tests.communities.factories import AreaFactory, CommunityFactory, MembershipFactory
from tests.e2e.conftest import DESKTOP, screenshot
from tests.e2e.test_moderation import log_in
from tests.engine.corpus import make_corpus
from tests.matching.test_pipeline import wait_for
from tests.profiles.factories import UserFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def areas():
    coffee = AreaFactory(name="Coffee", slug="coffee")
    kitchen = AreaFactory(name="Kitchen", slug="kitchen")
    espresso = CommunityFactory(
        name="Dialing in espresso",
        slug="espresso",
        purpose="Grind size, dose and shots that run too fast.",
        area=coffee,
    )
    CommunityFactory(name="Pour-over ratios", purpose="Filter coffee by weight.", area=coffee)
    CommunityFactory(
        name="Sourdough starters", purpose="Starters that will not rise.", area=kitchen
    )
    CommunityFactory(name="Zigbee sensors", purpose="Battery life and range.")
    mo = UserFactory(username="mo")
    MembershipFactory(community=espresso, user=mo, role=Membership.Role.MODERATOR)
    return espresso


def test_the_directory_shows_communities_by_area_and_filters_by_one(page: Page, areas):
    page.goto("/communities/")
    results = page.locator("#directory-results")
    expect(results.get_by_role("heading", level=2)).to_have_text(
        ["Coffee", "Kitchen", "Other communities"]
    )
    coffee = results.locator("section", has=page.get_by_role("heading", name="Coffee", level=2))
    expect(coffee.get_by_role("article")).to_have_count(2)
    expect(coffee).to_contain_text("Dialing in espresso")
    screenshot(page, "communities-by-area")

    # Filtering by an area swaps the results in place (htmx) and keeps the address.
    page.get_by_label("Area").select_option(label="Kitchen (1)")
    expect(results.get_by_role("heading", level=2)).to_have_text(["Kitchen"])
    expect(results.get_by_role("article")).to_have_count(1)
    expect(page).to_have_url("/communities/?area=kitchen")
    # Searching keeps the area filter.
    page.get_by_label("Search communities").fill("zigbee")
    expect(results).to_contain_text("No communities match")
    page.get_by_label("Area").select_option(label="Every area")
    expect(results.get_by_role("heading", level=2)).to_have_text(["Other communities"])

    # An area's heading leads to its page.
    page.goto("/communities/")
    results.get_by_role("link", name="Coffee", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Coffee")
    expect(page.get_by_role("main").get_by_role("article")).to_have_count(2)
    page.get_by_role("link", name="Dialing in espresso", exact=True).click()
    expect(page.get_by_role("main").locator(".eyebrow")).to_have_text("Community in Coffee")


def test_the_area_filter_works_without_javascript(browser: Browser, live_server, areas):
    context = browser.new_context(
        base_url=live_server.url, viewport=DESKTOP, java_script_enabled=False
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto("/communities/")
        page.get_by_label("Area").select_option(label="Coffee (2)")
        page.get_by_role("button", name="Search").click()
        assert "area=coffee" in page.url
        main = page.get_by_role("main")
        expect(main.get_by_role("heading", level=2)).to_have_text(["Coffee"])
        expect(main.get_by_role("article")).to_have_count(2)
    finally:
        context.close()


def test_a_moderator_moves_a_community_to_another_area_then_to_a_new_one(page: Page, areas):
    espresso = areas
    log_in(page, "mo")
    page.goto("/communities/espresso/")
    page.get_by_role("link", name="Review queue").click()

    page.locator("summary", has_text="Move to another area").click()
    # The picker offers areas by their names.
    page.get_by_label("Area (optional)", exact=True).select_option(label="Kitchen")
    page.locator("#area-reason").fill("Home cooks gather there.")
    screenshot(page, "moderation-move-area")
    page.get_by_role("button", name="Move", exact=True).click()
    expect(page.get_by_role("status").first).to_contain_text(
        "Dialing in espresso is now in the area Kitchen"
    )
    page.goto("/communities/espresso/")
    expect(page.get_by_role("main").locator(".eyebrow")).to_have_text("Community in Kitchen")
    page.get_by_role("link", name="Kitchen").first.click()
    expect(page.get_by_role("main")).to_contain_text("Dialing in espresso")

    # A new area, named in the same step.
    page.goto("/communities/espresso/moderation/")
    page.locator("summary", has_text="Move to another area").click()
    page.get_by_label("Or a new area named").fill("Home baristas")
    page.locator("#area-reason").fill("Espresso is its own field.")
    page.get_by_role("button", name="Move", exact=True).click()
    expect(page.get_by_role("status").first).to_contain_text("is now in the area Home baristas")
    page.goto("/communities/")
    expect(page.locator("#directory-results").get_by_role("heading", level=2)).to_have_text(
        ["Coffee", "Home baristas", "Kitchen", "Other communities"]
    )
    page.goto("/communities/espresso/moderation/log/")
    expect(page.get_by_role("main")).to_contain_text(
        "Moved Dialing in espresso from area “Kitchen” to area “Home baristas”"
    )
    assert Community.objects.get(pk=espresso.pk).area_pinned
    assert ModerationAction.objects.filter(verb="move_area").count() == 2

    # As a moderator of a community in it, they may rename the new area.
    page.goto("/areas/home-baristas/")
    page.locator("summary", has_text="Rename this area").click()
    page.get_by_label("New name").fill("Espresso at home")
    page.get_by_role("button", name="Rename").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Espresso at home")
    expect(page.get_by_role("status").first).to_contain_text("The area is now called")


@pytest.fixture
def matched_topics(transactional_db):
    """Posts on three topics by a dozen people, and a finished match run over them."""
    authors = [UserFactory(username=f"member{i}") for i in range(12)]
    corpus, _truth = make_corpus(["baking", "robots", "visas"], per_topic=20, seed=0)
    for i, item in enumerate(sorted(corpus, key=lambda p: p.id)):
        post = Post.objects.create(author=authors[i % 12], title=item.title, body=item.body)
        post.tags.set(
            [Tag.objects.get_or_create(slug=t, defaults={"name": t})[0] for t in item.tags]
        )
    run = services.match_run_request(actor=None, trigger=MatchRun.Trigger.COMMAND)
    assert services.match_run_execute(run_id=run.pk).status == MatchRun.Status.SUCCEEDED


def test_a_later_match_run_keeps_the_moved_community_in_its_new_area(
    page: Page, live_server, matched_topics, workers
):
    community = Community.objects.filter(status=Community.Status.PROPOSED).order_by("pk").first()
    assert community is not None
    # Its moderators move it between areas once it is live (moderation/permissions.py).
    Community.objects.filter(pk=community.pk).update(
        status=Community.Status.ACTIVE, activated_at=timezone.now()
    )
    MembershipFactory(community=community, user__username="mo", role=Membership.Role.MODERATOR)
    workers.start()
    log_in(page, "mo")
    page.goto(f"/communities/{community.slug}/moderation/")
    page.locator("summary", has_text="Move to another area").click()
    page.get_by_label("Or a new area named").fill("Weekend bakers")
    page.locator("#area-reason").fill("They bake at home at the weekend.")
    page.get_by_role("button", name="Move", exact=True).click()
    expect(page.get_by_role("status").first).to_contain_text("is now in the area Weekend bakers")

    # A match run from the review queue, carried out by the worker.
    before = MatchRun.objects.count()
    page.get_by_role("button", name="Start a match run").click()
    expect(page.get_by_role("status").first).to_contain_text("is under way")
    run = wait_for(lambda: MatchRun.objects.count() > before and MatchRun.objects.first())
    wait_for(lambda: MatchRun.objects.get(pk=run.pk).status in ("succeeded", "failed"), 120)
    run.refresh_from_db()
    assert run.status == MatchRun.Status.SUCCEEDED, run.error
    expect(page.locator("#run-progress")).to_contain_text("Succeeded", timeout=10_000)

    page.goto(f"/communities/{community.slug}/")
    expect(page.get_by_role("main").locator(".eyebrow")).to_have_text("Community in Weekend bakers")
    page.goto("/communities/")
    bakers = page.locator(
        "#directory-results section",
        has=page.get_by_role("heading", name="Weekend bakers", level=2),
    )
    expect(bakers).to_contain_text(community.name)
