"""What the moderation log tells people who may not see everything it mentions (issue 21):

- a community the reader may not see is "a private community", in the public log (page and
  API) and in the moderators' own log when a moderator does not see it either (items 3);
- the public log shows a post's or a discussion's title as it is now, not as it was when the
  moderator acted: its author may have changed it or deleted the post since (item 4). The log is
  append-only, so this is decided when it is read; moderators still see what was there.

Read as the people concerned would: anonymous visitors, a member, another moderator."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from rest_framework.test import APIClient

from communities.models import Community, Membership, Reply, Thread
from moderation import services as moderation
from tests.communities.factories import (
    CommunityFactory,
    MembershipFactory,
    PlacementFactory,
    PostFactory,
)
from tests.profiles.factories import UserFactory, api_token_key

pytestmark = pytest.mark.django_db

PAGE = "/communities/public-c/moderation/log/"
API = "/api/moderation/communities/public-c/log/"


@pytest.fixture
def public_c():
    return CommunityFactory(name="Public C", slug="public-c")


@pytest.fixture
def zebra():
    return CommunityFactory(
        name="Private Zebra Club",
        slug="private-zebra-club",
        visibility=Community.Visibility.PRIVATE,
    )


@pytest.fixture
def mo(public_c, zebra):
    """Moderates both communities."""
    mo = UserFactory(username="mo")
    for community in (public_c, zebra):
        MembershipFactory(community=community, user=mo, role=Membership.Role.MODERATOR)
    return mo


@pytest.fixture
def pat(public_c):
    """Moderates Public C only: Private Zebra Club does not exist for Pat."""
    return MembershipFactory(
        community=public_c, user__username="pat", role=Membership.Role.MODERATOR
    ).user


@pytest.fixture
def member(public_c):
    return MembershipFactory(community=public_c, user__username="member").user


def _page(user=None) -> str:
    client = Client()
    if user is not None:
        client.force_login(user)
    response = client.get(PAGE)
    assert response.status_code == 200
    return response.content.decode()


def _api(user=None) -> str:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_key(user)}")
    response = client.get(API)
    assert response.status_code == 200, response.content
    return json.dumps(response.json(), ensure_ascii=False)


def test_a_post_moved_to_a_private_community_does_not_name_it(public_c, zebra, mo, pat, member):
    post = PlacementFactory(community=public_c, post=PostFactory(title="Clay drains")).post
    moderation.post_move(
        actor=mo, post=post, source=public_c, destination=zebra, reason="Members only"
    )
    for reader in (None, member, pat):
        page = _page(reader)
        assert "Private Zebra Club" not in page, reader
        assert "private-zebra-club" not in page, reader
        assert "to a private community" in page, reader
        api = _api(reader)
        assert "Private Zebra Club" not in api and "private-zebra-club" not in api, reader
    # Mo sees Private Zebra Club, and so its name.
    assert "from Public C to Private Zebra Club" in _page(mo)
    assert "private-zebra-club" in _api(mo)


def test_a_private_community_merged_into_a_public_one_is_not_named(public_c, mo, member):
    hive = CommunityFactory(
        name="Hidden Hive", slug="hidden-hive", visibility=Community.Visibility.PRIVATE
    )
    MembershipFactory(community=hive, user=mo, role=Membership.Role.MODERATOR)
    moderation.community_merge(actor=mo, source=hive, target=public_c, reason="Same people")
    for reader in (None, UserFactory()):
        page, api = _page(reader), _api(reader)
        assert "Hidden Hive" not in page and "hidden-hive" not in page
        assert "Hidden Hive" not in api and "hidden-hive" not in api
        assert "a private community" in page
    # Its members, who came over with it, may see it still (the log of where they are now).
    assert "Hidden Hive" in _page(mo)


def test_the_public_log_shows_a_posts_title_as_its_author_left_it(public_c, mo):
    author = UserFactory(username="author")
    post = PlacementFactory(
        community=public_c, post=PostFactory(author=author, title="My landlord Bob Smith")
    ).post
    moderation.placement_pin(actor=mo, community=public_c, post=post, reason="Useful")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_key(author)}")
    response = client.patch(f"/api/posts/{post.pk}/", {"title": "My landlord"}, format="json")
    assert response.status_code == 200, response.content
    page, api = _page(), _api()
    assert "Bob Smith" not in page and "Bob Smith" not in api
    assert "My landlord" in page and "My landlord" in api
    assert "Bob Smith" in _page(mo)  # moderators see what they acted on

    assert client.delete(f"/api/posts/{post.pk}/").status_code == 204
    page, api = _page(), _api()
    assert "My landlord" not in page and "My landlord" not in api
    assert "a deleted post" in page and "a deleted post" in api
    assert "My landlord Bob Smith" in _page(mo)


def test_the_public_log_shows_a_discussions_title_as_its_author_left_it(public_c, mo, member):
    thread = Thread.objects.create(community=public_c, author=member, title="Gossip about Carol")
    moderation.thread_lock(actor=mo, thread=thread, reason="Heated")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_key(member)}")
    response = client.patch(f"/api/threads/{thread.pk}/", {"title": "Gossip"}, format="json")
    assert response.status_code == 200, response.content
    assert "Carol" not in _page() and "Carol" not in _api()
    assert "Gossip" in _page()
    assert client.delete(f"/api/threads/{thread.pk}/").status_code == 204
    assert "Gossip" not in _page() and "Gossip" not in _api()
    assert "a deleted discussion" in _page()
    assert "Gossip about Carol" in _page(mo)


def test_removed_words_are_not_repeated_in_the_public_log(public_c, mo, member):
    thread = Thread.objects.create(community=public_c, author=member, title="Mulch?")
    reply = Reply.objects.create(thread=thread, author=member, body="Call me on 555 0100")
    moderation.reply_remove(actor=mo, reply=reply, reason="Personal details")
    assert "555 0100" not in _page() and "555 0100" not in _api()
    assert "a reply" in _page()
    assert "555 0100" in _page(mo)
