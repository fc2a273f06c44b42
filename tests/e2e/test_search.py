"""Search in a real browser: from the header box to highlighted results, filtered by community,
with the address bar following the search; the same without JavaScript. And the directory's
address bar follows its search too."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.communities.factories import CommunityFactory, PlacementFactory, PostFactory
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e


def ends_with(path: str) -> re.Pattern[str]:
    return re.compile(re.escape(path) + "$")


@pytest.fixture
def coffee():
    espresso = CommunityFactory(name="Home espresso", slug="home-espresso")
    grain = CommunityFactory(name="Milling grain", slug="milling-grain")
    PlacementFactory(
        post=PostFactory(title="My grinder makes uneven grounds", body="The burrs look fine."),
        community=espresso,
    )
    PlacementFactory(
        post=PostFactory(title="A stone grinder for rye", body="Flour for the week."),
        community=grain,
    )
    return espresso


def test_search_from_the_header_filter_and_keep_the_address(page: Page, coffee):
    page.goto("/communities/")
    page.get_by_label("Search Kindred").fill("grinder")
    page.get_by_label("Search Kindred").press("Enter")

    main = page.get_by_role("main")
    expect(main.get_by_role("status")).to_contain_text("2 results for “grinder”")
    hit = main.get_by_role("link", name="My grinder makes uneven grounds")
    expect(hit).to_be_visible()
    expect(hit.locator("mark")).to_have_text("grinder")
    assert page.url.endswith("/search/?q=grinder")
    screenshot(page, "search")

    # Filter by community: htmx swaps the results and the address bar follows.
    main.get_by_label("Community").select_option(label="Home espresso")
    expect(main.get_by_role("status")).to_contain_text("1 result for “grinder” in Home espresso")
    expect(main.get_by_role("link", name="A stone grinder for rye")).to_have_count(0)
    expect(page).to_have_url(ends_with("/search/?q=grinder&community=home-espresso"))

    # Typing another query keeps the filter and shows the new query in the address bar.
    box = main.get_by_label("Search for")
    box.fill("")
    box.press_sequentially("burrs", delay=60)
    expect(main.get_by_role("status")).to_contain_text("1 result for “burrs” in Home espresso")
    expect(main.locator(".search-hit__snippet mark")).to_have_text("burrs")
    expect(page).to_have_url(ends_with("/search/?q=burrs&community=home-espresso"))

    # Nothing found: says so, with a way out.
    box.fill("flibbertigibbet")
    expect(main.get_by_role("status")).to_contain_text("No results for “flibbertigibbet”")
    main.get_by_role("link", name="searching everywhere").click()
    expect(page).to_have_url(ends_with("/search/?q=flibbertigibbet"))


def test_search_works_without_javascript(browser: Browser, live_server, coffee):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto("/")
        page.get_by_label("Search Kindred").fill("grinder")
        page.get_by_label("Search Kindred").press("Enter")
        main = page.get_by_role("main")
        expect(main.get_by_role("link", name="A stone grinder for rye")).to_be_visible()

        main.get_by_label("Community").select_option(label="Home espresso")
        main.get_by_role("button", name="Search").click()
        status = main.get_by_role("status")
        expect(status).to_contain_text("1 result for “grinder” in Home espresso")
        assert "/search/?q=grinder&" in page.url and "community=home-espresso" in page.url

        page.goto("/posts/")
        expect(main.get_by_role("link", name="A stone grinder for rye")).to_be_visible()
        main.get_by_label("Community").select_option(label="Home espresso")
        main.get_by_role("button", name="Show").click()
        expect(main.get_by_role("link", name="A stone grinder for rye")).to_have_count(0)
        expect(main.get_by_role("link", name="My grinder makes uneven grounds")).to_be_visible()
    finally:
        context.close()


def test_the_directory_address_bar_follows_typing(page: Page):
    CommunityFactory(name="Visa paperwork", purpose="Student visa forms and appointments.")
    CommunityFactory(name="Sourdough", purpose="Starters and flour.")
    page.goto("/communities/")
    page.get_by_label("Search communities").press_sequentially("visa", delay=80)
    expect(page.get_by_role("main").get_by_role("article")).to_have_count(1)
    expect(page).to_have_url(ends_with("/communities/?q=visa"))
    page.get_by_label("Search communities").press_sequentially("s", delay=80)
    expect(page).to_have_url(ends_with("/communities/?q=visas"))
