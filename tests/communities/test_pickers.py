"""Proposal, move and merge forms pick a community by name, not by its slug."""

import pytest
from django.urls import reverse

from communities import selectors
from communities.models import Community, Membership, Placement, Proposal
from tests.communities.factories import CommunityFactory, MembershipFactory, PlacementFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def soil():
    return CommunityFactory(name="Clay soil drainage", slug="clay-soil-drainage")


@pytest.fixture
def beds():
    return CommunityFactory(name="Raised beds", slug="raised-beds-2")


def _moderator_of(*communities):
    user = MembershipFactory(
        community=communities[0], role=Membership.Role.MODERATOR, state="active"
    ).user
    for community in communities[1:]:
        MembershipFactory(
            community=community, user=user, role=Membership.Role.MODERATOR, state="active"
        )
    return user


def test_the_proposal_form_offers_communities_by_name_and_takes_one(client, soil, beds):
    member = MembershipFactory(community=soil, state=Membership.State.ACTIVE).user
    client.force_login(member)
    url = reverse("communities:proposal-new", args=[soil.slug])
    html = client.get(url + "?kind=merge").content.decode()
    assert 'list="merge-options"' in html
    assert '<datalist id="merge-options"><option value="Raised beds"></option>' in html
    assert "last part of its address" not in html
    response = client.post(url, {"kind": "merge", "target": "Raised beds", "rationale": "Same"})
    assert response.status_code == 302, response.content.decode()
    assert Proposal.objects.get().target == beds


def test_names_shared_by_two_communities_carry_their_address(soil):
    CommunityFactory(name="Clay soil drainage", slug="clay-soil-drainage-2")
    labels = selectors.community_picker_labels(Community.objects.all())
    assert labels == [
        "Clay soil drainage (clay-soil-drainage)",
        "Clay soil drainage (clay-soil-drainage-2)",
    ]
    other = selectors.community_pick(Community.objects.all(), labels[1])
    assert other.slug == "clay-soil-drainage-2"
    with pytest.raises(Exception, match="pick it from the list"):
        selectors.community_pick(Community.objects.all(), "clay soil drainage")


def test_the_queue_moves_a_post_to_a_community_picked_by_name(client, soil, beds):
    moderator = _moderator_of(soil, beds)
    CommunityFactory(name="Not moderated by them")
    post = PlacementFactory(community=soil).post
    client.force_login(moderator)
    html = client.get(reverse("moderation:queue", args=[soil.slug])).content.decode()
    options = '<datalist id="moderated-communities"><option value="Raised beds"></option>'
    assert options in html
    assert "Community to move it to" in html and "Community to merge into" in html
    response = client.post(
        reverse("moderation:act", args=[soil.slug, "move-post"]),
        {"post": post.pk, "destination": "raised beds", "reason": "Fits there"},
    )
    assert response.status_code == 302
    assert Placement.objects.get(post=post).community == beds


def test_the_queue_merges_into_a_community_picked_by_name(client, soil, beds):
    client.force_login(_moderator_of(soil, beds))
    response = client.post(
        reverse("moderation:act", args=[soil.slug, "merge"]),
        {"into": "Raised beds", "reason": "Same people"},
    )
    assert response.status_code == 302
    soil.refresh_from_db()
    assert soil.merged_into == beds
