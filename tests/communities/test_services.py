import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from communities import services
from communities.models import Community, Membership, Tag
from tests.communities.factories import CommunityFactory, MembershipFactory, TagFactory
from tests.profiles.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_post_create_normalizes_tags_and_counts_their_use():
    author = UserFactory()
    TagFactory(name="Clay Soil")
    post = services.post_create(
        author=author,
        title="  Waterlogged beds  ",
        body="Heavy clay.",
        tags=["clay soil", "Drainage", "drainage", "   "],
    )
    assert post.title == "Waterlogged beds"
    assert sorted(post.tags.values_list("slug", flat=True)) == ["clay-soil", "drainage"]
    assert Tag.objects.get(slug="clay-soil").usage_count == 1
    services.post_update(actor=author, post=post, tags=["drainage"])
    assert Tag.objects.get(slug="clay-soil").usage_count == 0
    assert Tag.objects.get(slug="drainage").usage_count == 1


def test_post_create_explains_what_is_wrong():
    with pytest.raises(ValidationError) as error:
        services.post_create(author=UserFactory(), title="   ")
    assert "title" in error.value.message_dict
    with pytest.raises(ValidationError, match="at most 8 tags"):
        services.post_create(author=UserFactory(), title="t", tags=[f"t{i}" for i in range(9)])


def test_only_the_author_edits_a_post():
    post = services.post_create(author=UserFactory(), title="Mine")
    with pytest.raises(PermissionDenied):
        services.post_update(actor=UserFactory(), post=post, title="Theirs")


def test_founding_a_community_makes_the_founder_its_owner():
    founder = UserFactory()
    community = services.community_found(founder=founder, name="Clay soil", tags=["soil"])
    again = services.community_found(founder=founder, name="Clay soil")
    assert community.slug == "clay-soil" and again.slug == "clay-soil-2"
    assert community.status == Community.Status.PROPOSED and community.proposed_until
    membership = Membership.objects.get(user=founder, community=community)
    assert (membership.role, membership.state) == ("owner", "active")


@pytest.mark.parametrize(
    ("policy", "state"),
    [("open", "active"), ("approval", "requested")],
)
def test_joining_follows_the_policy_and_is_safe_to_repeat(policy, state):
    community = CommunityFactory(join_policy=policy)
    user = UserFactory()
    assert services.community_join(user=user, community=community).state == state
    assert services.community_join(user=user, community=community).state == state
    assert Membership.objects.filter(user=user, community=community).count() == 1


def test_invite_only_and_banned_are_refused():
    with pytest.raises(PermissionDenied, match="invitation"):
        services.community_join(
            user=UserFactory(), community=CommunityFactory(join_policy="invite")
        )
    banned = MembershipFactory(state=Membership.State.BANNED)
    with pytest.raises(PermissionDenied, match="banned"):
        services.community_join(user=banned.user, community=banned.community)


def test_the_last_owner_cannot_leave():
    founder = UserFactory()
    community = services.community_found(founder=founder, name="Espresso")
    with pytest.raises(ValidationError, match="another owner"):
        services.community_leave(user=founder, community=community)
    member = UserFactory()
    services.community_join(user=member, community=community)
    assert services.community_leave(user=member, community=community).state == "left"
    assert services.community_leave(user=member, community=community).state == "left"
