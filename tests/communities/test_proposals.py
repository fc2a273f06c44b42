"""Shaping a community: proposals open, members vote, due proposals are decided and applied, and
the charter keeps its history."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from communities import services, tasks
from communities.models import CharterRevision, Community, Membership, Proposal, Vote
from profiles.models import Notification
from tests.communities.factories import CommunityFactory, MembershipFactory, TagFactory
from tests.profiles.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def community():
    return CommunityFactory(
        name="Clay soil", slug="clay-soil", purpose="Draining clay.", tags=[TagFactory(name="soil")]
    )


def members(community, n, **kwargs):
    return [
        MembershipFactory(community=community, state=Membership.State.ACTIVE, **kwargs).user
        for _ in range(n)
    ]


def due(proposal):
    Proposal.objects.filter(pk=proposal.pk).update(closes_at=timezone.now() - timedelta(minutes=1))


def test_opening_a_proposal_tells_the_other_members(community, settings):
    settings.KINDRED_PROPOSAL_OPEN_DAYS = 5
    author, other = members(community, 2)
    proposal = services.proposal_open(
        author=author, community=community, kind="purpose", value="  Draining heavy clay.  "
    )
    assert proposal.state == Proposal.State.OPEN and proposal.value == "Draining heavy clay."
    assert timedelta(days=4, hours=23) < proposal.closes_at - timezone.now() <= timedelta(days=5)
    [note] = Notification.objects.filter(kind=Notification.Kind.PROPOSAL)
    assert note.user == other and note.url.endswith(f"/proposals/{proposal.pk}/")


def test_proposing_the_same_change_twice_returns_the_open_proposal(community):
    author, other = members(community, 2)
    first = services.proposal_open(author=author, community=community, kind="name", value="Clay")
    again = services.proposal_open(author=author, community=community, kind="name", value="Clay")
    assert again.pk == first.pk
    with pytest.raises(ValidationError, match="already proposed"):
        services.proposal_open(author=other, community=community, kind="name", value="Clay")


@pytest.mark.parametrize(
    ("kind", "value", "field"),
    [
        ("name", "", "value"),
        ("name", "Clay soil", "value"),  # no change
        ("name", {"x": 1}, "value"),
        ("purpose", ["a"], "value"),
        ("purpose", "bad\x00text", "value"),
        ("tags", [], "value"),
        ("tags", ["soil"], "value"),  # no change
        ("tags", [f"t{i}" for i in range(9)], "value"),
        ("colour", "red", "kind"),
        ("merge", {}, "target"),
    ],
)
def test_proposals_explain_what_is_wrong(community, kind, value, field):
    [author] = members(community, 1)
    with pytest.raises(ValidationError) as error:
        services.proposal_open(author=author, community=community, kind=kind, value=value)
    assert field in error.value.message_dict
    assert not Proposal.objects.exists()


def test_only_active_members_propose_and_vote(community):
    [author] = members(community, 1)
    outsider = UserFactory()
    with pytest.raises(PermissionDenied):
        services.proposal_open(author=outsider, community=community, kind="name", value="X")
    proposal = services.proposal_open(author=author, community=community, kind="name", value="X")
    with pytest.raises(PermissionDenied):
        services.proposal_vote(voter=outsider, proposal=proposal, approve=True)


def test_a_member_may_change_their_vote_until_it_closes(community):
    author, voter = members(community, 2)
    proposal = services.proposal_open(author=author, community=community, kind="name", value="X")
    services.proposal_vote(voter=voter, proposal=proposal, approve=True)
    services.proposal_vote(voter=voter, proposal=proposal, approve=False)
    assert list(Vote.objects.values_list("user", "approve")) == [(voter.pk, False)]
    due(proposal)
    with pytest.raises(ValidationError, match="closed"):
        services.proposal_vote(voter=voter, proposal=proposal, approve=True)


def test_a_passed_purpose_change_is_applied_with_a_revision(community, settings):
    settings.KINDRED_PROPOSAL_QUORUM = 3
    settings.KINDRED_PROPOSAL_MAJORITY = 0.5
    voters = members(community, 4)
    proposal = services.proposal_open(
        author=voters[0], community=community, kind="purpose", value="Draining and planting clay."
    )
    for voter, approve in zip(voters, [True, True, False, True], strict=True):
        services.proposal_vote(voter=voter, proposal=proposal, approve=approve)
    assert services.proposals_decide() == 0  # not due yet
    due(proposal)
    Notification.objects.all().delete()

    assert services.proposals_decide() == 1

    proposal.refresh_from_db()
    community.refresh_from_db()
    assert proposal.state == Proposal.State.PASSED and proposal.decided_at
    assert community.purpose == "Draining and planting clay."
    before, after = CharterRevision.objects.filter(community=community).order_by("created_at", "pk")
    assert before.purpose == "Draining clay." and before.proposal is None
    assert after.purpose == "Draining and planting clay." and after.proposal == proposal
    assert after.tags == ["soil"]
    assert Notification.objects.filter(kind="proposal", title__contains="passed").count() == 4
    assert services.proposals_decide() == 0  # safe to run again


@pytest.mark.parametrize(
    ("quorum", "majority", "votes", "state"),
    [
        (3, 0.5, [True, True], "rejected"),  # too few votes
        (3, 0.5, [True, True, False], "passed"),
        (2, 0.5, [True, False], "rejected"),  # a tie is not a majority
        (3, 0.7, [True, True, False], "rejected"),  # per-community majority
    ],
)
def test_quorum_and_majority_decide(community, quorum, majority, votes, state):
    Community.objects.filter(pk=community.pk).update(
        proposal_quorum=quorum, proposal_majority=majority
    )
    community.refresh_from_db()
    voters = members(community, len(votes))
    proposal = services.proposal_open(author=voters[0], community=community, kind="name", value="X")
    for voter, approve in zip(voters, votes, strict=True):
        services.proposal_vote(voter=voter, proposal=proposal, approve=approve)
    due(proposal)
    services.proposals_decide()
    proposal.refresh_from_db()
    community.refresh_from_db()
    assert proposal.state == state
    assert (community.name == "X") == (state == "passed")


def test_votes_of_people_who_left_do_not_count(community, settings):
    settings.KINDRED_PROPOSAL_QUORUM = 2
    voters = members(community, 2)
    proposal = services.proposal_open(author=voters[0], community=community, kind="name", value="X")
    for voter in voters:
        services.proposal_vote(voter=voter, proposal=proposal, approve=True)
    services.community_leave(user=voters[1], community=community)
    due(proposal)
    services.proposals_decide()
    assert Proposal.objects.get(pk=proposal.pk).state == Proposal.State.REJECTED


def test_passed_tags_replace_the_tags_and_count_their_use(community, settings):
    settings.KINDRED_PROPOSAL_QUORUM = 1
    [author] = members(community, 1)
    proposal = services.proposal_open(
        author=author, community=community, kind="tags", value="Clay, drainage ,clay"
    )
    assert proposal.value == ["Clay", "drainage"]
    services.proposal_vote(voter=author, proposal=proposal, approve=True)
    due(proposal)
    services.proposals_decide()
    assert sorted(community.tags.values_list("slug", flat=True)) == ["clay", "drainage"]
    assert CharterRevision.objects.filter(community=community).first().tags == ["Clay", "drainage"]


def test_a_passed_merge_goes_to_the_moderators_and_is_not_applied(community, settings):
    settings.KINDRED_PROPOSAL_QUORUM = 1
    other = CommunityFactory(name="Heavy soils")
    [author] = members(community, 1)
    [moderator] = members(community, 1, role=Membership.Role.MODERATOR)
    proposal = services.proposal_open(
        author=author, community=community, kind="merge", value=None, target=other
    )
    services.proposal_vote(voter=author, proposal=proposal, approve=True)
    due(proposal)
    services.proposals_decide()
    proposal.refresh_from_db()
    community.refresh_from_db()
    assert proposal.state == Proposal.State.PASSED
    assert community.merged_into is None
    assert not CharterRevision.objects.filter(community=community).exists()
    note = Notification.objects.get(user=moderator, kind=Notification.Kind.MODERATION)
    assert "merge" in note.title and note.url.endswith(f"/proposals/{proposal.pk}/")
    assert not Notification.objects.filter(user=author, kind=Notification.Kind.MODERATION)


def test_a_merge_needs_another_open_community(community):
    [author] = members(community, 1)
    with pytest.raises(ValidationError) as error:
        services.proposal_open(
            author=author, community=community, kind="merge", value={}, target=community
        )
    assert "target" in error.value.message_dict


def test_withdrawing_is_for_the_author_and_safe_to_repeat(community):
    author, other = members(community, 2)
    proposal = services.proposal_open(author=author, community=community, kind="name", value="X")
    with pytest.raises(PermissionDenied):
        services.proposal_withdraw(actor=other, proposal=proposal)
    services.proposal_withdraw(actor=author, proposal=proposal)
    services.proposal_withdraw(actor=author, proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.WITHDRAWN and proposal.decided_at
    with pytest.raises(ValidationError):
        services.proposal_vote(voter=other, proposal=proposal, approve=True)


def test_founding_a_community_records_its_first_revision():
    founder = UserFactory()
    community = services.community_found(
        founder=founder, name="Sourdough", purpose="Bread.", tags=["baking"]
    )
    [revision] = CharterRevision.objects.filter(community=community)
    assert (revision.name, revision.purpose, revision.tags, revision.editor) == (
        "Sourdough",
        "Bread.",
        ["baking"],
        founder,
    )


def test_the_periodic_task_decides_due_proposals(community, settings):
    settings.KINDRED_PROPOSAL_QUORUM = 1
    [author] = members(community, 1)
    proposal = services.proposal_open(author=author, community=community, kind="name", value="X")
    services.proposal_vote(voter=author, proposal=proposal, approve=True)
    due(proposal)
    assert tasks.decide_proposals.name == "communities.decide_proposals"
    assert tasks.decide_proposals() == 1
    assert settings.CELERY_BEAT_SCHEDULE["communities-decide-proposals"]["task"] == (
        "communities.decide_proposals"
    )
