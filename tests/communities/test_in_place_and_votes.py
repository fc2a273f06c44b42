"""Joining in place brings the page up to date, and a vote is confirmed once."""

import pytest
from django.urls import reverse

from communities import services
from communities.models import Membership
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.profiles.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def soil():
    community = CommunityFactory(name="Clay soil drainage", slug="clay-soil-drainage")
    MembershipFactory.create_batch(2, community=community, state=Membership.State.ACTIVE)
    return community


def test_joining_in_place_updates_the_count_and_forms_out_of_band(client, soil):
    client.force_login(UserFactory())
    page = client.get(soil.get_absolute_url()).content.decode()
    assert "2 members" in page and 'name="in_page" value="1"' in page
    assert "Join this community to start a thread or reply." in page

    html = client.post(
        reverse("communities:join", args=[soil.slug]),
        {"next": soil.get_absolute_url(), "in_page": "1"},
        HTTP_HX_REQUEST="true",
    ).content.decode()

    assert "<html" not in html and "You joined Clay soil drainage." in html
    assert f'id="member-count-{soil.pk}" hx-swap-oob="true">3 members' in html
    assert f'id="take-part-{soil.pk}" hx-swap-oob="true"' in html
    assert "Start the thread" in html
    assert "Join this community to start a thread" not in html
    assert f'id="propose-links-{soil.pk}" hx-swap-oob="true"' in html


def test_leaving_in_place_takes_the_forms_away(client, soil):
    member = MembershipFactory(community=soil, state=Membership.State.ACTIVE).user
    client.force_login(member)
    html = client.post(
        reverse("communities:leave", args=[soil.slug]),
        {"in_page": "1"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert ">2 members" in html
    assert "Join this community to start a thread or reply." in html
    assert "Start the thread" not in html


def test_a_card_join_answers_with_the_button_alone(client, soil):
    client.force_login(UserFactory())
    html = client.post(
        reverse("communities:join", args=[soil.slug]), {"compact": "1"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "You joined" in html and "hx-swap-oob" not in html


def test_joining_without_javascript_shows_the_forms_after_the_redirect(client, soil):
    client.force_login(UserFactory())
    response = client.post(
        reverse("communities:join", args=[soil.slug]),
        {"next": soil.get_absolute_url(), "in_page": "1"},
        follow=True,
    )
    html = response.content.decode()
    assert "3 members" in html and "Start the thread" in html


@pytest.mark.parametrize("htmx", [True, False])
def test_you_voted_for_is_said_once(client, soil, htmx):
    member = MembershipFactory(community=soil, state=Membership.State.ACTIVE).user
    proposal = services.proposal_open(author=member, community=soil, kind="name", value="Clay")
    client.force_login(member)
    url = reverse("communities:proposal-vote", args=[soil.slug, proposal.pk])
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    html = client.post(url, {"approve": "yes"}, follow=not htmx, **extra).content.decode()
    assert html.count("You voted for") == 1, html
    assert "Your vote is counted." in html
