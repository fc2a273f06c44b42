"""Starting a community from the directory, and owners changing who can join, logged."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.test import Client

from communities import services
from communities.models import Community, Membership
from moderation import services as moderation
from moderation.models import ModerationAction
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.profiles.factories import UserFactory

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_founded_community_is_proposed_and_goes_live_at_the_matchers_threshold(settings):
    settings.KINDRED_PROPOSED_COMMUNITY_MIN_MEMBERS = 3
    founder = UserFactory()
    community = services.community_found(
        founder=founder, name="Repair café Leeds", purpose="Fix things", tags=["repair"]
    )
    assert community.status == Community.Status.PROPOSED
    assert community.origin == Community.Origin.MEMBER
    assert community.proposed_until is not None
    owner = Membership.objects.get(community=community, user=founder)
    assert (owner.role, owner.state) == (Membership.Role.OWNER, Membership.State.ACTIVE)
    services.community_join(user=UserFactory(), community=community)
    community.refresh_from_db()
    assert community.status == Community.Status.PROPOSED
    services.community_join(user=UserFactory(), community=community)
    community.refresh_from_db()
    assert community.status == Community.Status.ACTIVE and community.activated_at


def test_the_directory_offers_a_form_that_founds_a_proposed_community():
    founder = UserFactory()
    client = _client(founder)
    assert "/communities/new/" in client.get("/communities/").content.decode()
    assert client.get("/communities/new/").status_code == 200
    bad = client.post("/communities/new/", {"name": "", "join_policy": "open"})
    assert bad.status_code == 200 and "This field is required" in bad.content.decode()
    response = client.post(
        "/communities/new/",
        {
            "name": "New",
            "purpose": "People who name things",
            "tags": "naming, words",
            "join_policy": "approval",
            "visibility": "public",
        },
    )
    community = Community.objects.get(name="New")
    assert community.slug != "new"  # /communities/new/ is the form
    assert response.status_code == 302 and response["Location"] == community.get_absolute_url()
    assert community.join_policy == Community.JoinPolicy.APPROVAL
    page = client.get(community.get_absolute_url()).content.decode()
    assert "A proposed community" in page
    assert f"1 of the {settings.KINDRED_PROPOSED_COMMUNITY_MIN_MEMBERS} people" in page
    assert Client().get("/communities/new/").status_code == 302  # log in first


def test_owners_change_who_can_join_and_the_log_says_so_in_words():
    community = CommunityFactory(join_policy=Community.JoinPolicy.OPEN)
    owner = MembershipFactory(community=community, role=Membership.Role.OWNER).user
    moderator = MembershipFactory(community=community, role=Membership.Role.MODERATOR).user
    with pytest.raises(PermissionDenied, match="change how people join"):
        moderation.community_join_policy_set(
            actor=moderator, community=community, join_policy="invite"
        )
    page = _client(owner).get(community.get_absolute_url()).content.decode()
    assert "Change who can join" in page
    assert (
        "Change who can join"
        not in _client(moderator).get(community.get_absolute_url()).content.decode()
    )
    response = _client(owner).post(
        f"/communities/{community.slug}/moderation/join-policy/",
        {"join_policy": "approval", "reason": "Too much spam"},
    )
    assert response.status_code == 302 and response["Location"] == community.get_absolute_url()
    community.refresh_from_db()
    assert community.join_policy == Community.JoinPolicy.APPROVAL
    entry = ModerationAction.objects.get(community=community, verb="join_policy")
    assert entry.actor == owner and entry.reason == "Too much spam"
    assert "from “Anyone can join” to “Moderators approve requests”" in entry.target_repr
    log = Client().get(f"/communities/{community.slug}/moderation/log/").content.decode()
    assert "Changed" in log and "Moderators approve requests" in log
    # Safe to repeat: the same policy logs nothing more.
    moderation.community_join_policy_set(actor=owner, community=community, join_policy="approval")
    assert ModerationAction.objects.filter(community=community, verb="join_policy").count() == 1
