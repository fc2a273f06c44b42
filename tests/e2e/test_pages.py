"""The main pages in a real browser: they load with our stylesheet and without a single console
error (which is where CSP violations show up), work from the keyboard and fit a phone."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.text import slugify
from playwright.sync_api import Page, expect

from communities.models import Community, Membership
from tests.communities.factories import CommunityFactory, MembershipFactory, TagFactory
from tests.e2e.conftest import PHONE, screenshot

pytestmark = pytest.mark.e2e

PAGE_BACKGROUND = "rgb(248, 246, 241)"  # --bg in static/css/kindred.css


@pytest.fixture
def communities():
    """A small, believable directory for the pages and their screenshots."""
    heat, repair, water, garden = (
        TagFactory(name=name) for name in ("heat pumps", "repair", "rainwater", "allotments")
    )
    rows = [
        (
            "Quiet heat pumps for terraced streets",
            "Neighbours fitting heat pumps in narrow streets, comparing enclosures, "
            "installers and the rules on noise so the next street has it easier.",
            [heat],
            7,
            Community.Origin.MATCHER,
        ),
        (
            "Repair cafés in small towns",
            "People who run or want to start a monthly repair café: finding fixers, "
            "insurance, venues and the spare parts nobody stocks.",
            [repair],
            12,
            Community.Origin.MEMBER,
        ),
        (
            "Rainwater for shared gardens",
            "Collecting and sharing rainwater between allotment plots without "
            "falling out over the butts.",
            [water, garden],
            4,
            Community.Origin.MATCHER,
        ),
    ]
    made = []
    quiet_for = [timedelta(hours=2), timedelta(hours=5), timedelta(days=3)]
    for (name, purpose, tags, members, origin), quiet in zip(rows, quiet_for, strict=True):
        why = "Eleven open posts share its tags and wording." if origin == "matcher" else ""
        slug = slugify(name, allow_unicode=True)  # "repair-cafés-…": unicode slugs must route
        community = CommunityFactory(
            name=name, slug=slug, purpose=purpose, tags=tags, origin=origin, formed_reason=why
        )
        MembershipFactory.create_batch(members, community=community, state=Membership.State.ACTIVE)
        # Whole hours, so "Active 2 hours ago" reads the same in every screenshot run.
        Community.objects.filter(pk=community.pk).update(last_activity_at=timezone.now() - quiet)
        made.append(community)
    proposed = CommunityFactory(
        name="Bike trailers for school runs",
        purpose="Building and lending cargo trailers.",
        status=Community.Status.PROPOSED,
        activated_at=None,
    )
    Community.objects.filter(pk=proposed.pk).update(
        last_activity_at=timezone.now() - timedelta(days=1)
    )
    return made


def assert_styled(page: Page) -> None:
    """Our stylesheet arrived: the body has its background colour, not the browser's white."""
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == PAGE_BACKGROUND


def test_home_page_for_a_visitor(page: Page, communities):
    page.goto("/")
    expect(page).to_have_title("Home · Kindred")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Find the people working on what you are working on"
    )
    main = page.get_by_role("main")
    expect(main.get_by_role("link", name="Join Kindred")).to_have_attribute(
        "href", "/accounts/signup/"
    )
    expect(main.get_by_role("link", name="Browse communities")).to_be_visible()
    expect(page.get_by_role("heading", name="How it works")).to_be_visible()
    assert_styled(page)
    # htmx (vendored) is loaded and configured not to inject its <style>, which CSP would refuse.
    assert page.evaluate("window.htmx.config.includeIndicatorStyles") is False
    screenshot(page, "home")


def test_communities_list_and_a_community_page(page: Page, communities):
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Communities").click()
    expect(page).to_have_title("Communities · Kindred")
    expect(page.get_by_role("link", name="Communities", exact=True).first).to_have_attribute(
        "aria-current", "page"
    )
    cards = page.get_by_role("main").get_by_role("article")
    expect(cards).to_have_count(4)
    repair = cards.filter(has_text="Repair cafés in small towns")
    expect(repair).to_contain_text("12 members")
    expect(repair).to_contain_text("repair")
    expect(cards.filter(has_text="Bike trailers")).to_contain_text("Proposed")
    assert_styled(page)
    screenshot(page, "communities")

    page.get_by_role("link", name="Quiet heat pumps for terraced streets", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Quiet heat pumps for terraced streets"
    )
    expect(page.get_by_role("heading", name="Why this community formed")).to_be_visible()
    expect(page.get_by_role("complementary")).to_contain_text("heat pumps")
    screenshot(page, "community")


def test_api_docs_render_under_our_content_security_policy(page: Page):
    response = page.goto("/api/docs/")
    assert response is not None and response.ok
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Kindred API")
    expect(page.locator(".swagger-ui .opblock-tag-section").first).to_be_visible()
    expect(page.get_by_text("/api/communities/", exact=True).first).to_be_visible()
    screenshot(page, "api-docs")


def test_skip_link_is_the_first_stop_and_visible_on_focus(page: Page):
    page.goto("/")
    skip = page.get_by_role("link", name="Skip to content")
    box = skip.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 0, "hidden until focused"

    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport(ratio=1)  # it slides in
    box = skip.bounding_box()
    assert box is not None and box["y"] >= 0 and box["width"] > 0
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"

    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()


def test_every_header_link_is_reachable_by_keyboard(page: Page):
    page.goto("/")
    reached = []
    for _ in range(8):
        page.keyboard.press("Tab")
        reached.append(
            page.evaluate(
                "(el => el.textContent.trim() || (el.labels && el.labels[0] ? "
                "el.labels[0].textContent.trim() : ''))(document.activeElement)"
            )
        )
    assert reached[:7] == [
        "Skip to content",
        "Kindred",
        "Communities",
        "API",
        "Search Kindred",
        "Log in",
        "Sign up",
    ]


@pytest.mark.parametrize("viewport", [PHONE])
def test_pages_fit_a_phone_screen(page: Page, communities, viewport):
    for url in ["/", "/communities/", communities[0].get_absolute_url(), "/accounts/signup/"]:
        page.goto(url)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{url} scrolls sideways by {overflow}px at 390px"
    page.goto("/")
    expect(page.get_by_role("banner").get_by_role("link", name="Sign up")).to_be_visible()
    screenshot(page, "home-phone")
