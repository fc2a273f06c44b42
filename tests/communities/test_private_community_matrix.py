"""The private community rule (communities/selectors/visibility.py) as a matrix: every page and
API route that lists or names communities x every role, asserting that outsiders learn nothing
of a private community and that its members and site staff do see it.

The world: the area "Savanna" holds the public "Public C" and the private "Private Zebra Club"
(slug private-zebra-club). Ziggy, a member of both, wrote "Okapi stripes puzzle", which a
moderator of both (Mo) moved from Public C to the private club (logged in both logs), and
started the thread "Quagga herd meetup" in it. Every signed-in viewer also had a post of their
own moved there by Mo (so Mo's notice reaches them). A post belongs to its author and is public
like any other post; what is private is that it is placed in the club.

Roles: an anonymous visitor, a signed-in outsider, an outsider Ziggy blocked, a moderator of
Public C (of another community, so an outsider here), a member of the club, site staff.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.test import Client
from rest_framework.test import APIClient

from communities import services as communities
from communities.models import Community, Membership, Post, Thread
from moderation import services as moderation
from profiles import services as profiles
from profiles.models import Profile, User
from tests.communities.factories import (
    AreaFactory,
    CommunityFactory,
    MembershipFactory,
    PlacementFactory,
    PostFactory,
    TagFactory,
)
from tests.profiles.factories import UserFactory

pytestmark = pytest.mark.django_db

OUTSIDERS = ["anonymous", "outsider", "blocked", "moderator_elsewhere"]
INSIDERS = ["member", "staff"]
ROLES = OUTSIDERS + INSIDERS

NAME, SLUG = "Private Zebra Club", "private-zebra-club"
POST_TITLE, THREAD_TITLE = "Okapi stripes puzzle", "Quagga herd meetup"
# What an outsider must never read: the club's name or address, its discussion's title (search
# marks the word searched for, so the rest of it). "Zebra" alone may be their own query, echoed.
# An area holding only private communities does not exist for them either.
SECRETS = ("Zebra Club", "zebra-club", SLUG, "herd meetup", "Far North", "far-north")


@dataclass
class World:
    viewer: User | None
    club: Community
    post: Post
    thread: Thread


def _person(username: str, name: str, **extra) -> User:
    user = UserFactory(username=username, **extra)
    Profile.objects.filter(user=user).update(display_name=name, discoverable=True)
    return user


def _world(role: str) -> World:
    savanna = AreaFactory(name="Savanna", slug="savanna")
    public_c = CommunityFactory(name="Public C", slug="public-c", area=savanna)
    zebra = CommunityFactory(
        name=NAME, slug=SLUG, area=savanna, visibility=Community.Visibility.PRIVATE
    )
    zebra.tags.add(TagFactory(name="Zebra Club lore"))  # a tag only the club uses
    north = CommunityFactory(
        name="Zebra Club North",
        slug="zebra-club-north",
        area=AreaFactory(name="Far North", slug="far-north"),
        visibility=Community.Visibility.PRIVATE,
    )
    mo, ziggy = _person("mo", "Mo"), _person("ziggy", "Ziggy")
    MembershipFactory(community=north, user=ziggy)
    for community in (public_c, zebra):
        MembershipFactory(community=community, user=mo, role=Membership.Role.MODERATOR)
        MembershipFactory(community=community, user=ziggy)
    post = PlacementFactory(
        community=public_c,
        post=PostFactory(author=ziggy, title=POST_TITLE, match_state=Post.MatchState.MATCHED),
    ).post
    moderation.post_move(actor=mo, post=post, source=public_c, destination=zebra, reason="Ours")
    thread = communities.thread_start(
        author=ziggy, community=zebra, title=THREAD_TITLE, body="Stripes at dawn"
    )
    viewer = None
    if role != "anonymous":
        viewer = _person("viewer", "Viewer", is_staff=role == "staff")
        MembershipFactory(community=public_c, user=viewer)
        if role == "member":
            MembershipFactory(community=zebra, user=viewer)
            MembershipFactory(community=north, user=viewer)
        if role == "blocked":
            profiles.person_block(actor=ziggy, person=viewer)
        if role == "moderator_elsewhere":
            Membership.objects.filter(community=public_c, user=viewer).update(
                role=Membership.Role.MODERATOR
            )
        own = PlacementFactory(
            community=public_c, post=PostFactory(author=viewer, title="Gnu grazing")
        ).post
        moderation.post_move(actor=mo, post=own, source=public_c, destination=zebra, reason="Fits")
    return World(viewer, zebra, post, thread)


@dataclass(frozen=True)
class Route:
    path: Callable[[World], str]
    # The route addresses the club (or something in it) directly: 404 to outsiders.
    addresses_it: bool = False
    # What a member and site staff read there (None: nothing to check beyond a 200).
    insiders_read: str | None = NAME


def _r(path: str, **kw) -> Route:
    return Route(lambda w: path, **kw)


PAGES: dict[str, Route] = {
    "directory": _r("/communities/"),
    "directory ?q=Zebra": _r("/communities/?q=Zebra"),
    "directory ?area=savanna": _r("/communities/?area=savanna"),
    "community page": _r(f"/communities/{SLUG}/", addresses_it=True),
    "its thread": Route(
        lambda w: w.thread.get_absolute_url(), addresses_it=True, insiders_read=THREAD_TITLE
    ),
    "its charter history": _r(f"/communities/{SLUG}/charter/", addresses_it=True),
    "its moderation log": _r(f"/communities/{SLUG}/moderation/log/", addresses_it=True),
    "area page": _r("/areas/savanna/"),
    "area of private communities only": _r(
        "/areas/far-north/", addresses_it=True, insiders_read="Zebra Club North"
    ),
    "report it": Route(lambda w: f"/report/community/{w.club.pk}/", addresses_it=True),
    "report its thread": Route(
        lambda w: f"/report/thread/{w.thread.pk}/", addresses_it=True, insiders_read=None
    ),
    "report the post to its moderators": Route(
        lambda w: f"/report/post/{w.post.pk}/?community={SLUG}",
        addresses_it=True,
        insiders_read=None,
    ),
    "search for the thread": _r("/search/?q=Quagga", insiders_read="herd meetup"),
    "search for the post": _r("/search/?q=Okapi", insiders_read="stripes puzzle"),
    "search within the club": _r(f"/search/?q=Okapi&community={SLUG}", insiders_read=NAME),
    "recent posts": _r("/posts/", insiders_read=POST_TITLE),
    "the post form's tag options": _r("/posts/tag-options/?tags=zebra", insiders_read=None),
    "recent posts in the club": _r(f"/posts/?community={SLUG}", insiders_read=POST_TITLE),
    "the post's page": Route(lambda w: w.post.get_absolute_url()),
    "the post's matches panel": Route(lambda w: f"/posts/{w.post.pk}/matches/", insiders_read=None),
    "home": _r("/", insiders_read=None),
    "public log of Public C": _r("/communities/public-c/moderation/log/"),
    "the member's page": _r("/people/ziggy/"),
    "notifications": _r("/people/notifications/", insiders_read=None),
    "own data export": _r("/people/settings/download/", insiders_read=None),
}

API: dict[str, Route] = {
    "communities": _r("/api/communities/"),
    "tags": _r("/api/tags/", insiders_read=None),
    "tags like the club's": _r("/api/tags/?q=zebra", insiders_read=None),
    "communities ?area=savanna": _r("/api/communities/?area=savanna"),
    "communities ?visibility=private": _r("/api/communities/?visibility=private"),
    "the community": _r(f"/api/communities/{SLUG}/", addresses_it=True),
    "areas": _r("/api/areas/", insiders_read=None),
    "the area": _r("/api/areas/savanna/", insiders_read=None),
    "area of private communities only": _r(
        "/api/areas/far-north/", addresses_it=True, insiders_read="Far North"
    ),
    "search for the thread": _r("/api/search/?q=Quagga&kind=thread", insiders_read="herd meetup"),
    "search for the post": _r("/api/search/?q=Okapi", insiders_read="stripes puzzle"),
    "posts": _r("/api/posts/", insiders_read=POST_TITLE),
    "posts in the club": _r(f"/api/posts/?community={SLUG}", insiders_read=POST_TITLE),
    "the post": Route(lambda w: f"/api/posts/{w.post.pk}/", insiders_read=None),
    # The communities the matcher found it fits (none here), not where it is placed.
    "the post's communities": Route(
        lambda w: f"/api/posts/{w.post.pk}/communities/", insiders_read=None
    ),
    "the post's peers": Route(lambda w: f"/api/posts/{w.post.pk}/peers/", insiders_read=None),
    "threads": _r("/api/threads/", insiders_read=THREAD_TITLE),
    "threads in the club": _r(f"/api/threads/?community={SLUG}", insiders_read=THREAD_TITLE),
    "the thread": Route(
        lambda w: f"/api/threads/{w.thread.pk}/", addresses_it=True, insiders_read=THREAD_TITLE
    ),
    "thread messages": _r("/api/thread-messages/", insiders_read="Stripes at dawn"),
    "proposals": _r("/api/proposals/", insiders_read=None),
    "proposals in the club": _r(f"/api/proposals/?community={SLUG}", insiders_read=None),
    # The public API log names the community it belongs to by its slug, and no details.
    "public log of Public C": _r("/api/moderation/communities/public-c/log/", insiders_read=None),
    "its moderation log": _r(
        f"/api/moderation/communities/{SLUG}/log/", addresses_it=True, insiders_read=SLUG
    ),
    "notifications": _r("/api/notifications/", insiders_read=None),
    "me (export)": _r("/api/me/", insiders_read=None),
}


def _check(role: str, route: Route, status: int, body: str, where: str) -> None:
    if role in OUTSIDERS:
        if route.addresses_it:
            assert status == 404, f"{where}: {status}"
        else:
            assert status in (200, 302, 401, 403), f"{where}: {status}"
        for secret in SECRETS:
            assert secret not in body, f"{where} tells an outsider {secret!r}"
        return
    assert status == 200, f"{where}: {status}"
    if route.insiders_read is not None:
        assert route.insiders_read in body, f"{where} hides {route.insiders_read!r}"


@pytest.fixture(scope="module", params=ROLES)
def world(request, django_db_setup, django_db_blocker):
    """The world for one role, built once for every route (each test runs in a savepoint
    inside it, as Django's TestCase.setUpTestData does; all of it is rolled back after)."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield request.param, _world(request.param)
        transaction.set_rollback(True)


@pytest.mark.parametrize("route", list(PAGES))
def test_pages_show_a_private_community_to_its_members_only(world, route):
    role, world = world
    client = Client()
    if world.viewer is not None:
        client.force_login(world.viewer)
    path = PAGES[route].path(world)
    r = client.get(path)
    _check(role, PAGES[route], r.status_code, r.content.decode(), f"{role} on {path}")


@pytest.mark.parametrize("route", list(API))
def test_api_shows_a_private_community_to_its_members_only(world, route):
    role, world = world
    client = APIClient()
    if world.viewer is not None:
        client.force_authenticate(world.viewer)
    path = API[route].path(world)
    r = client.get(path)
    _check(role, API[route], r.status_code, r.content.decode(), f"{role} on {path}")


# The notices behind the "notifications" and "export" rows, said outright: the author of a post a
# moderator moves into or takes out of a private community they are not in is told
# that it happened, in "a private community", with a link to their post (not a 404).


def _notices(user: User) -> list[tuple[str, str]]:
    client = APIClient()
    client.force_authenticate(user)
    return [(n["title"], n["url"]) for n in client.get("/api/notifications/").json()["results"]]


@pytest.mark.parametrize("world", ["outsider"], indirect=True)
def test_moving_a_post_into_a_private_community_tells_an_outside_author_only_that(world):
    _, world = world
    assert world.viewer is not None
    own = Post.objects.get(title="Gnu grazing")
    assert (
        "A moderator moved your post “Gnu grazing” to a private community: Fits",
        own.get_absolute_url(),
    ) in _notices(world.viewer)
    ziggy = User.objects.get(username="ziggy")
    assert (
        f"A moderator moved your post “{POST_TITLE}” to {NAME}: Ours",
        f"/communities/{SLUG}/",
    ) in _notices(ziggy)


@pytest.mark.parametrize("world", ["outsider"], indirect=True)
def test_taking_a_post_out_of_a_private_community_tells_an_outside_author_only_that(world):
    _, world = world
    assert world.viewer is not None
    mo, own = User.objects.get(username="mo"), Post.objects.get(title="Gnu grazing")
    moderation.post_remove(
        actor=mo, post=own, community=Community.objects.get(slug=SLUG), reason="Spam"
    )
    titles = [title for title, _ in _notices(world.viewer)]
    assert "A moderator took your post “Gnu grazing” out of a private community: Spam" in titles
    assert not [title for title in titles if "Zebra" in title]
