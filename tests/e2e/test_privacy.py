"""Bans, blocks and deleted accounts in a real browser (issue 21, items 5-7): the blocked person
finds no reply form on the blocker's post and reads a neutral refusal; writing to a banned person
reads the same; a deleted person's message is announced by "A former member"."""

import pytest
from playwright.sync_api import Page, expect

from communities import services as communities
from profiles import services
from profiles.models import Profile, SiteBan, User
from tests.communities.factories import PostFactory
from tests.e2e.test_people import log_in
from tests.profiles.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.e2e


def _person(username: str, name: str) -> User:
    user = UserFactory(username=username)
    Profile.objects.filter(user=user).update(display_name=name, discoverable=True)
    return User.objects.get(pk=user.pk)


def test_blocks_bans_and_deleted_names_stay_private(page: Page, live_server):
    grace, mallory = _person("grace", "Grace"), _person("mallory", "Mallory")
    dave, gina = _person("dave", "Dave"), _person("gina", "Gina Realname")
    post = PostFactory(author=grace, title="Raised beds on clay")
    services.person_block(actor=grace, person=mallory)
    SiteBan.objects.create(user=dave, reason="Spam")
    services.message_send(sender=gina, recipient=mallory, body="Hello")
    communities.account_delete(
        user=gina, password=DEFAULT_PASSWORD, content="anonymise", client="192.0.2.1"
    )

    log_in(page, "mallory")
    page.goto(f"/posts/{post.pk}/")
    main = page.get_by_role("main")
    expect(main.get_by_text("Grace does not take replies from you.")).to_be_visible()
    expect(main.get_by_role("button", name="Reply to Grace")).to_have_count(0)
    expect(main).not_to_contain_text("blocked")

    page.goto("/people/dave/")  # its "write" button gives way to the refusal
    expect(page.get_by_text("Dave does not take messages from you.")).to_be_visible()
    expect(page.get_by_role("main")).not_to_contain_text("banned")

    page.goto("/people/notifications/")
    expect(page.get_by_role("link", name="A former member sent you a message")).to_be_visible()
    expect(page.get_by_role("main")).not_to_contain_text("Realname")
