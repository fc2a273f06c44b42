"""The privacy rule (profiles/permissions.py) as a matrix: every page and API route that names a
person x every role, asserting that no ban, block or deleted person's name leaks.

The world: Dave is banned from the site; Grace blocked the "blocked" viewer; Gina Realname wrote
to every signed-in viewer, replied on their post, on Dave's post and in a thread, then deleted
her account (keeping her words, anonymised). Site staff, who see bans, are not a role here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from communities import services as communities
from communities.models import Membership, Post
from profiles import services
from profiles.models import Conversation, Profile, SiteBan, User
from tests.communities.factories import CommunityFactory, MembershipFactory, PostFactory
from tests.profiles.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "member", "blocked", "moderator_elsewhere"]

# Words that would tell a ban, a block or a deleted person's name to someone else.
LEAKS = (
    "banned",
    "Realname",
    "ginar",
    "blocked you",
    "are blocked",
    "has blocked",
    "Grace blocked",
)


@dataclass
class World:
    viewer: User | None
    dave: User
    grace: User
    dave_post: Post
    grace_post: Post
    viewer_post: Post | None
    thread_url: str
    conversation: Conversation | None


def _person(username: str, name: str) -> User:
    user = UserFactory(username=username)
    Profile.objects.filter(user=user).update(display_name=name, discoverable=True)
    return User.objects.select_related("profile").get(pk=user.pk)


def _world(role: str) -> World:
    dave, grace = _person("dave", "Dave"), _person("grace", "Grace")
    gina = _person("ginar", "Gina Realname")
    dave_post = PostFactory(author=dave, title="Clay drains badly")
    grace_post = PostFactory(author=grace, title="Raised beds on clay")
    community = CommunityFactory(name="Clay gardens", slug="clay-gardens")
    for person in (dave, grace, gina):
        MembershipFactory(community=community, user=person, state=Membership.State.ACTIVE)
    thread = communities.thread_start(author=grace, community=community, title="Mulch?", body="Hi")
    communities.post_reply(author=gina, post=dave_post, body="Gypsum helps")
    communities.thread_reply(author=gina, thread=thread, body="Bark")
    viewer = viewer_post = conversation = None
    if role != "anonymous":
        viewer = _person("viewer", "Viewer")
        MembershipFactory(community=community, user=viewer, state=Membership.State.ACTIVE)
        viewer_post = PostFactory(author=viewer, title="Wet lawn")
        communities.post_reply(author=gina, post=viewer_post, body="Drain it")
        conversation = services.message_send(sender=gina, recipient=viewer, body="Hi").conversation
        communities.post_reply(author=dave, post=viewer_post, body="Sand")
        communities.thread_reply(author=viewer, thread=thread, body="Straw")
    if role == "blocked":
        services.person_block(actor=grace, person=viewer)
    if role == "moderator_elsewhere":
        other = CommunityFactory(name="Other place", slug="other-place")
        MembershipFactory(
            community=other,
            user=viewer,
            state=Membership.State.ACTIVE,
            role=Membership.Role.MODERATOR,
        )
    communities.account_delete(
        user=gina, password=DEFAULT_PASSWORD, content="anonymise", client="192.0.2.1"
    )
    SiteBan.objects.create(user=dave, reason="Spam, told to nobody else")
    return World(
        viewer,
        dave,
        grace,
        dave_post,
        grace_post,
        viewer_post,
        thread.get_absolute_url(),
        conversation,
    )


Route = Callable[[World], tuple[str, str, dict[str, Any]]]  # method, path, data

PAGES: dict[str, Route] = {
    "person page (banned)": lambda w: ("get", "/people/dave/", {}),
    "person page (blocker)": lambda w: ("get", "/people/grace/", {}),
    "post page (banned author, deleted replier)": lambda w: (
        "get",
        f"/posts/{w.dave_post.pk}/",
        {},
    ),
    "post page (blocker)": lambda w: ("get", f"/posts/{w.grace_post.pk}/", {}),
    "own post page (peers, replies)": lambda w: (
        "get",
        f"/posts/{w.viewer_post.pk if w.viewer_post else w.dave_post.pk}/",
        {},
    ),
    "reply to the blocker's post": lambda w: (
        "post",
        f"/posts/{w.grace_post.pk}/replies/",
        {"body": "Hello"},
    ),
    "thread page": lambda w: ("get", w.thread_url, {}),
    "reply in the blocker's thread": lambda w: ("post", f"{w.thread_url}reply/", {"body": "Hi"}),
    "search": lambda w: ("get", "/search/?q=clay", {}),
    "conversations": lambda w: ("get", "/people/messages/", {}),
    "conversation with a deleted person": lambda w: (
        "get",
        w.conversation.get_absolute_url() if w.conversation else "/people/messages/",
        {},
    ),
    "write to the banned person": lambda w: ("get", "/people/messages/to/dave/", {}),
    "send to the banned person": lambda w: ("post", "/people/messages/to/dave/", {"body": "x"}),
    "write to the blocker": lambda w: ("get", "/people/messages/to/grace/", {}),
    "notifications": lambda w: ("get", "/people/notifications/", {}),
    "export": lambda w: ("get", "/people/settings/download/", {}),
}

API: dict[str, Route] = {
    "posts": lambda w: ("get", "/api/posts/", {}),
    "post (banned author)": lambda w: ("get", f"/api/posts/{w.dave_post.pk}/", {}),
    "post replies (deleted replier)": lambda w: (
        "get",
        f"/api/posts/{w.dave_post.pk}/replies/",
        {},
    ),
    "reply to the blocker's post": lambda w: (
        "post",
        f"/api/posts/{w.grace_post.pk}/replies/",
        {"body": "Hello"},
    ),
    "threads": lambda w: ("get", "/api/threads/", {}),
    "thread messages": lambda w: ("get", "/api/thread-messages/", {}),
    "search": lambda w: ("get", "/api/search/?q=clay", {}),
    "conversations": lambda w: ("get", "/api/conversations/", {}),
    "write to the banned person": lambda w: (
        "post",
        "/api/conversations/",
        {"to": "dave", "body": "x"},
    ),
    "write to the blocker": lambda w: ("post", "/api/conversations/", {"to": "grace", "body": "x"}),
    "notifications": lambda w: ("get", "/api/notifications/", {}),
    "me (export)": lambda w: ("get", "/api/me/", {}),
}


def _assert_nothing_leaks(body: str, where: str) -> None:
    # Whole words: one's own export names its memberships' "banned_until" (empty here).
    for word in LEAKS:
        assert not re.search(rf"\b{word}\b", body), f"{where} says {word!r}"


@pytest.mark.parametrize("route", list(PAGES))
@pytest.mark.parametrize("role", ROLES)
def test_pages_keep_bans_blocks_and_deleted_names_private(role, route):
    world = _world(role)
    client = Client()
    if world.viewer is not None:
        client.force_login(world.viewer)
    method, path, data = PAGES[route](world)
    r = getattr(client, method)(path, data, follow=method == "post")
    assert r.status_code in (200, 302, 400, 403, 404), (path, r.status_code)
    _assert_nothing_leaks(r.content.decode(), f"{role} on {path}")


@pytest.mark.parametrize("route", list(API))
@pytest.mark.parametrize("role", ROLES)
def test_api_keeps_bans_blocks_and_deleted_names_private(role, route):
    world = _world(role)
    client = APIClient()
    if world.viewer is not None:
        client.force_authenticate(world.viewer)
    method, path, data = API[route](world)
    r = getattr(client, method)(path, data, format="json") if data else client.get(path)
    assert r.status_code in (200, 201, 400, 401, 403, 404), (path, r.status_code, r.content)
    _assert_nothing_leaks(r.content.decode(), f"{role} on {path}")


@pytest.mark.parametrize("role", ["member", "blocked", "moderator_elsewhere"])
def test_a_ban_and_a_block_read_alike(role):
    """Whoever writes to the banned Dave reads what a block says; the blocked viewer reads the
    same words from Grace. A deleted person is named "a former member" where their words stay."""
    world = _world(role)
    api = APIClient()
    api.force_authenticate(world.viewer)
    to_dave = api.post("/api/conversations/", {"to": "dave", "body": "x"}, format="json")
    assert to_dave.status_code == 403, to_dave.content
    assert to_dave.json()["detail"] == "Dave does not take messages from you."
    to_grace = api.post("/api/conversations/", {"to": "grace", "body": "x"}, format="json")
    if role == "blocked":
        assert to_grace.status_code == 403
        assert to_grace.json()["detail"] == "Grace does not take messages from you."
    else:
        assert to_grace.status_code == 201, to_grace.content
    titles = [n["title"] for n in api.get("/api/notifications/").json()["results"]]
    assert "A former member sent you a message" in titles
    assert "A former member replied to “Wet lawn”" in titles
    client = Client()
    client.force_login(world.viewer)
    exported = client.get("/people/settings/download/").json()["notifications"]
    assert "A former member sent you a message" in [n["title"] for n in exported]
