"""The moderation log in plain words, a public log that keeps its promise, and
bans that say what, where and until when."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from communities import services as community_services
from communities.models import Community, Membership
from moderation import services as moderation
from tests.communities.factories import CommunityFactory, MembershipFactory, PlacementFactory
from tests.profiles.factories import UserFactory

pytestmark = pytest.mark.django_db

UNTIL = datetime(2036, 12, 9, 16, 2, 16, 988474, tzinfo=UTC)


@pytest.fixture
def soil():
    return CommunityFactory(
        name="Clay soil drainage", slug="clay-soil", join_policy=Community.JoinPolicy.APPROVAL
    )


@pytest.fixture
def moderator(soil):
    return MembershipFactory(
        community=soil, role=Membership.Role.MODERATOR, state=Membership.State.ACTIVE
    ).user


def _banned(soil, moderator, until=UNTIL):
    person = UserFactory(username="bartholomew")
    MembershipFactory(community=soil, user=person, state=Membership.State.ACTIVE)
    moderation.membership_ban(
        actor=moderator, community=soil, user=person, reason="Spam links", until=until
    )
    return person


def _rejected(soil, moderator):
    person = UserFactory(username="rejectedrita")
    community_services.community_join(user=person, community=soil)
    moderation.membership_request_reject(
        actor=moderator, community=soil, user=person, reason="Only for growers in clay"
    )
    return person


def test_the_log_speaks_in_words_and_human_dates(client, soil, moderator):
    _banned(soil, moderator)
    other = CommunityFactory(name="Raised beds", slug="raised-beds")
    MembershipFactory(
        community=other, user=moderator, role=Membership.Role.MODERATOR, state="active"
    )
    post = PlacementFactory(community=soil).post
    moderation.post_move(
        actor=moderator, post=post, source=soil, destination=other, reason="Belongs there"
    )
    client.force_login(moderator)
    html = client.get(reverse("moderation:log", args=[soil.slug])).content.decode()
    assert "until 9 December 2036, 16:02" in html
    assert "from Clay soil drainage to Raised beds" in html
    for raw in ("2036-12-09T", "from_community", "clay-soil", "raised-beds<"):
        assert raw not in html.split('<main id="main"')[1].split("mod-log")[1], raw


def test_the_public_log_names_nobody_affected_nor_private_reasons(client, soil, moderator):
    _banned(soil, moderator)
    _rejected(soil, moderator)
    html = client.get(reverse("moderation:log", args=[soil.slug])).content.decode()
    assert "Private details are left out" in html
    assert "bartholomew" not in html and "rejectedrita" not in html
    assert "Spam links" not in html and "Only for growers" not in html
    assert 'Banned</span> <span class="mod-log__target">a person</span>' in html
    assert "until 9 December 2036, 16:02" in html

    client.force_login(moderator)
    html = client.get(reverse("moderation:log", args=[soil.slug])).content.decode()
    assert "bartholomew" in html and "Spam links" in html
    assert "rejectedrita" in html and "Only for growers in clay" in html


def test_the_public_log_in_the_api_names_nobody_affected(soil, moderator):
    _banned(soil, moderator)
    public = APIClient().get(f"/api/moderation/communities/{soil.slug}/log/")
    assert public.status_code == 200, public.content
    entry = public.json()["results"][0]
    assert (entry["target_repr"], entry["reason"], entry["details"]) == ("a person", "", None)
    assert "bartholomew" not in public.content.decode()
    private = APIClient()
    private.force_authenticate(moderator)
    entry = private.get(f"/api/moderation/communities/{soil.slug}/log/").json()["results"][0]
    assert (entry["target_repr"], entry["reason"]) == ("bartholomew", "Spam links")


def test_a_banned_person_is_told_what_where_and_until_when(client, soil, moderator):
    person = _banned(soil, moderator)
    client.force_login(person)
    html = client.get(soil.get_absolute_url()).content.decode()
    notice = (
        '<p class="join__state join__state--banned">You are banned from Clay soil drainage '
        "until 9 December 2036, 16:02: Spam links</p>"
    )
    assert notice in html
    assert "You cannot join this community." not in html


@pytest.mark.parametrize("page", ["communities:thread-new", "communities:proposal-new"])
def test_a_banned_person_is_not_offered_joining(client, soil, moderator, page):
    person = _banned(soil, moderator, until=None)
    client.force_login(person)
    html = client.get(reverse(page, args=[soil.slug])).content.decode()
    assert "Request to join" not in html
    assert "You are banned from Clay soil drainage: Spam links" in html


def test_an_ended_ban_lets_the_person_ask_again(client, soil, moderator):
    person = _banned(soil, moderator)
    Membership.objects.filter(user=person).update(banned_until=datetime(2020, 1, 1, tzinfo=UTC))
    client.force_login(person)
    html = client.get(soil.get_absolute_url()).content.decode()
    assert "Request to join" in html and "You are banned" not in html
