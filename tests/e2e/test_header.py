"""The header, as a person sees it in a real browser: one row on a wide screen, whatever the
person's name and links, with its items apart; a Menu button on a phone, with and without
JavaScript."""

from __future__ import annotations

import itertools

import pytest
from playwright.sync_api import Page, expect

from profiles.models import Notification
from tests.e2e.conftest import PHONE, log_in, screenshot
from tests.profiles.factories import UserFactory

pytestmark = pytest.mark.e2e

HEADER_MAX_HEIGHT = 64


def _header_height(page: Page) -> float:
    return page.evaluate("document.querySelector('.site-header').getBoundingClientRect().height")


def test_the_header_keeps_to_one_row_for_an_admin_at_1280(page: Page):
    UserFactory(
        username="admin",
        is_staff=True,
        is_superuser=True,
        profile__display_name="Administrator of Kindred",
    )
    log_in(page, "admin")
    page.goto("/")
    assert _header_height(page) <= HEADER_MAX_HEIGHT, _header_height(page)
    banner = page.get_by_role("banner")
    expect(banner.get_by_text("Menu")).to_be_hidden()
    tops = {
        round(link.bounding_box()["y"])
        for link in [
            banner.get_by_role("link", name="Communities"),
            banner.get_by_role("link", name="Admin", exact=True),
            banner.get_by_role("link", name="Settings"),
            banner.get_by_role("button", name="Log out"),
            banner.get_by_role("link", name="Post", exact=True),
        ]
    }
    assert max(tops) - min(tops) <= 8, tops  # one row


# Every item of the wide header's row, left to right, with the width its text needs and the width
# it was given (a name cut to "Gr…" has less than it needs).
_HEADER_ITEMS = """() => {
  const items = [...document.querySelectorAll(
    '.site-header .brand, .site-header a:not(.brand), .site-header button, .site-header input'
  )].filter(element => element.getClientRects().length);
  return items.map(element => {
    const box = element.getBoundingClientRect();
    const style = getComputedStyle(element);
    const range = document.createRange();
    range.selectNodeContents(element);
    return {
      text: element.textContent.trim() || element.placeholder,
      title: element.title,
      left: box.left,
      right: box.right,
      top: box.top,
      needs: range.getBoundingClientRect().width,
      has: box.width - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight)
        - parseFloat(style.borderLeftWidth) - parseFloat(style.borderRightWidth),
    };
  }).sort((a, b) => a.left - b.left);
}"""
MIN_GAP = 8  # 0.5rem


def _header_row(page: Page) -> list[dict]:
    items = page.evaluate(_HEADER_ITEMS)
    for left, right in itertools.pairwise(items):
        gap = right["left"] - left["right"]
        assert gap >= MIN_GAP, f"{left['text']!r} and {right['text']!r} are {gap:.1f}px apart"
    assert items[-1]["right"] <= page.viewport_size["width"], items[-1]
    assert max(i["top"] for i in items) - min(i["top"] for i in items) <= 8, items  # one row
    return items


@pytest.mark.parametrize("staff", [False, True], ids=["member", "staff"])
def test_the_wide_header_shows_a_short_name_whole_and_keeps_its_items_apart(page: Page, staff):
    """At 1280 px the row held more than its width: "Grace" was cut to "Gr…", Log out lay under
    Post, and for staff Log out ran off the page. Unread notifications widen the row as they do
    for a person who has been away."""
    grace = UserFactory(username="grace", is_staff=staff, profile__display_name="Grace")
    Notification.objects.bulk_create(
        Notification(user=grace, kind=Notification.Kind.REPLY, title=f"Reply {n}")
        for n in range(12)
    )
    log_in(page, "grace")
    page.goto("/")
    items = {item["text"]: item for item in _header_row(page)}
    # No ellipsis: the text has the width it needs (within rounding; "Gr…" lacked 11px).
    for label in ("Grace", "Communities", "Settings", "Log out", "Post"):
        assert items[label]["needs"] <= items[label]["has"] + 0.5, items[label]
    screenshot(page, f"header-1280-{'staff' if staff else 'member'}")


def test_the_wide_header_cuts_a_long_name_short_and_keeps_it_whole_in_the_title(page: Page):
    UserFactory(username="admin", is_staff=True, profile__display_name="Administrator of Kindred")
    log_in(page, "admin")
    page.goto("/")
    name = next(i for i in _header_row(page) if i["text"] == "Administrator of Kindred")
    assert name["title"] == "Administrator of Kindred"
    assert name["has"] >= 48, name  # shortened, not crushed


def _phone_menu(page: Page) -> None:
    UserFactory(username="ada", profile__display_name="Ada Lovelace")
    log_in(page, "ada")
    page.goto("/")
    assert _header_height(page) <= HEADER_MAX_HEIGHT, _header_height(page)
    banner = page.get_by_role("banner")
    expect(banner.get_by_role("link", name="Post", exact=True)).to_be_visible()
    expect(banner.get_by_role("link", name="Settings")).to_be_hidden()
    banner.get_by_text("Menu").click()
    expect(banner.get_by_role("link", name="Communities")).to_be_visible()
    expect(banner.get_by_role("link", name="Settings")).to_be_visible()
    expect(banner.get_by_role("button", name="Log out")).to_be_visible()
    # The open menu lies over the page: the header keeps its height.
    assert _header_height(page) <= HEADER_MAX_HEIGHT, _header_height(page)
    banner.get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Settings")


@pytest.mark.parametrize("viewport", [PHONE])
def test_a_phone_gets_a_menu_button_not_rows_of_links(page: Page, viewport):
    _phone_menu(page)
    page.get_by_role("banner").get_by_text("Menu").click()
    screenshot(page, "menu-phone")


@pytest.mark.parametrize("viewport", [PHONE])
def test_the_phone_menu_works_without_javascript(no_js_page: Page, viewport):
    _phone_menu(no_js_page)
