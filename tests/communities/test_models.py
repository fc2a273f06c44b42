"""The database refuses inconsistent states on its own, whatever the application does."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from communities.models import Community, Membership, Placement, Post, Tag
from tests.communities.factories import (
    CommunityFactory,
    MembershipFactory,
    PlacementFactory,
    PostFactory,
    TagFactory,
)
from tests.moderation.factories import ModerationActionFactory
from tests.profiles.factories import UserFactory

pytestmark = pytest.mark.django_db


def refused(callable_, *args, **kwargs):
    with pytest.raises(IntegrityError), transaction.atomic():
        callable_(*args, **kwargs)


@pytest.mark.parametrize(
    ("raw", "slug"),
    [
        ("Clay Soil", "clay-soil"),
        ("  clay   soil ", "clay-soil"),
        ("clay_soil", "clay-soil"),
        ("Café", "café"),
        ("!!!", ""),
        ("C++", "c"),
    ],
)
def test_tag_names_normalize_to_one_slug(raw, slug):
    assert Tag.normalize(raw) == slug


def test_tag_slug_is_unique_and_not_empty():
    TagFactory(name="soil")
    refused(Tag.objects.create, name="Soil", slug="soil")
    refused(Tag.objects.create, name="x", slug="")


def test_one_membership_per_person_and_community():
    membership = MembershipFactory()
    refused(Membership.objects.create, user=membership.user, community=membership.community)


def test_only_active_members_can_moderate():
    membership = MembershipFactory(role=Membership.Role.MODERATOR)
    membership.state = Membership.State.LEFT
    refused(membership.save)


def test_unknown_choices_are_refused():
    refused(Post.objects.create, author=UserFactory(), title="x", kind="rant")
    community = CommunityFactory()
    community.visibility = "secret"
    refused(community.save)


def test_an_active_community_records_when_it_became_active():
    refused(Community.objects.create, name="A", slug="a", status="active", activated_at=None)
    Community.objects.create(name="B", slug="b", status="active", activated_at=timezone.now())


def test_a_post_is_placed_once_per_community_with_a_score_between_0_and_1():
    placement = PlacementFactory()
    refused(
        Placement.objects.create,
        post=placement.post,
        community=placement.community,
        placed_by="member",
    )
    refused(PlacementFactory, score=1.5)
    refused(PlacementFactory, placed_by="robot")


def test_deleting_an_account_keeps_other_peoples_content_and_the_log():
    leaver, other = UserFactory(), UserFactory()
    community = CommunityFactory(created_by=leaver)
    own_post = PostFactory(author=leaver)
    others_post = PostFactory(author=other)
    PlacementFactory(post=others_post, community=community, placed_by_user=leaver)
    MembershipFactory(user=other, community=community)
    action = ModerationActionFactory(actor=leaver, community=community)

    leaver.delete()

    own_post.refresh_from_db()
    assert own_post.author is None  # their words stay, without a name, for those who replied
    assert Post.objects.filter(pk=others_post.pk).exists()
    community.refresh_from_db()
    assert community.created_by is None
    assert community.memberships.filter(user=other).exists()
    assert others_post.placements.filter(community=community).exists()
    action.refresh_from_db()
    assert action.actor is None and action.reason == "Inactive for a year"
