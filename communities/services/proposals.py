"""Proposals: members propose changes to their community's charter (or a merge), vote, and
due proposals are decided."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from communities.models import Community, Membership, Proposal, Tag, Vote
from communities.permissions import check_take_part
from communities.services.communities import (
    active_members,
    charter_revision_record,
    refuse_when_closed,
)
from communities.services.tags import MAX_TAGS, tags_assign, tags_from_names
from communities.services.text import clean_input
from profiles.models import Notification, User
from profiles.services import notify


def proposal_url(proposal: Proposal) -> str:
    return reverse(
        "communities:proposal-detail",
        kwargs={"slug": proposal.community.slug, "pk": proposal.pk},
    )


def _proposal_value(
    *, community: Community, kind: str, value: object
) -> str | list[str] | dict[str, str]:
    """The proposed value, cleaned: text for name, purpose and rules; tag names for tags."""
    if kind == Proposal.Kind.MERGE:
        return {}
    if kind == Proposal.Kind.TAGS:
        raw = value.split(",") if isinstance(value, str) else value
        if not isinstance(raw, list) or not raw:
            raise ValidationError(
                {"value": "Give the tags as a list, or as names separated by commas."},
                code="invalid",
            )
        names: dict[str, str] = {}
        for item in raw:
            name = clean_input(
                item, field="value", max_length=50, required=False, what="tags", single_line=True
            )
            if (slug := Tag.normalize(name)) and slug not in names:
                names[slug] = name
        if not names:
            raise ValidationError({"value": "Name at least one tag."}, code="required")
        if len(names) > MAX_TAGS:
            raise ValidationError({"value": f"Use at most {MAX_TAGS} tags."}, code="too_many_tags")
        if set(names) == set(community.tags.values_list("slug", flat=True)):
            raise ValidationError({"value": "These are already its tags."}, code="unchanged")
        return list(names.values())
    limits = {Proposal.Kind.NAME: 120, Proposal.Kind.PURPOSE: 10000, Proposal.Kind.RULES: 10000}
    text = clean_input(
        value,
        field="value",
        max_length=limits[Proposal.Kind(kind)],
        required=kind != Proposal.Kind.RULES,
        single_line=kind == Proposal.Kind.NAME,
    )
    if text == getattr(community, kind).strip():
        raise ValidationError(
            {"value": f"That is already its {kind}: propose something different."},
            code="unchanged",
        )
    return text


@transaction.atomic
def proposal_open(
    *,
    author: User,
    community: Community,
    kind: str,
    value: object,
    rationale: str = "",
    target: Community | None = None,
) -> Proposal:
    """Propose a change to a community's name, purpose, tags or rules, or a merge with another
    community; it stays open for KINDRED_PROPOSAL_OPEN_DAYS and the members are told.
    Preconditions: the author is an active member and the community is open. Safe to repeat:
    the same author proposing the same open change gets the proposal already open."""
    check_take_part(author, community)
    refuse_when_closed(community)
    if kind not in Proposal.Kind.values:
        raise ValidationError({"kind": f"Choose one of: {', '.join(Proposal.Kind.values)}."})
    if kind == Proposal.Kind.MERGE:
        if target is None:
            raise ValidationError({"target": "Choose the community to merge with."})
        if target.pk == community.pk:
            raise ValidationError({"target": "A community cannot merge with itself."})
        if target.status == Community.Status.ARCHIVED or target.merged_into_id is not None:
            raise ValidationError({"target": "That community is closed."})
    else:
        target = None
    cleaned = _proposal_value(community=community, kind=kind, value=value)
    rationale = clean_input(rationale, field="rationale", max_length=5000, required=False)
    same = Proposal.objects.filter(
        community=community, kind=kind, state=Proposal.State.OPEN, value=cleaned, target=target
    ).first()
    if same is not None:
        if same.author_id == author.pk:
            return same
        raise ValidationError(
            "The same change is already proposed: vote on that proposal instead.", code="duplicate"
        )
    now = timezone.now()
    proposal = Proposal.objects.create(
        community=community,
        author=author,
        kind=kind,
        value=cleaned,
        target=target,
        rationale=rationale,
        closes_at=now + timedelta(days=settings.KINDRED_PROPOSAL_OPEN_DAYS),
    )
    Community.objects.filter(pk=community.pk).update(last_activity_at=now)
    url = proposal_url(proposal)
    for person in active_members(community).exclude(pk=author.pk):
        notify(
            user=person,
            kind=Notification.Kind.PROPOSAL,
            title=f"New proposal in {community.name}: {proposal.get_kind_display().lower()}",
            url=url,
            actor=author,
        )
    return proposal


@transaction.atomic
def proposal_vote(*, voter: User, proposal: Proposal, approve: bool) -> Vote:
    """Vote for or against an open proposal. One vote per member; voting again changes it.
    Preconditions: the voter is an active member; the proposal is open. Safe to repeat."""
    check_take_part(voter, proposal.community)
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.state != Proposal.State.OPEN or proposal.closes_at <= timezone.now():
        raise ValidationError("Voting on this proposal has closed.", code="closed")
    vote, _ = Vote.objects.update_or_create(
        proposal=proposal, user=voter, defaults={"approve": bool(approve)}
    )
    return vote


@transaction.atomic
def proposal_withdraw(*, actor: User, proposal: Proposal) -> Proposal:
    """Withdraw an open proposal: its author may, and so may the community's moderators.
    Safe to repeat; a decided proposal stays decided."""
    if not (
        actor.is_authenticated
        and actor.is_active
        and (
            proposal.author_id == actor.pk
            or actor.has_perm("communities.moderate_community", proposal.community)
        )
    ):
        raise PermissionDenied("Only the person who proposed this can withdraw it.")
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.state == Proposal.State.WITHDRAWN:
        return proposal
    if proposal.state != Proposal.State.OPEN:
        raise ValidationError("This proposal was decided already.", code="decided")
    proposal.state = Proposal.State.WITHDRAWN
    proposal.decided_at = timezone.now()
    proposal.save(update_fields=["state", "decided_at"])
    return proposal


def _proposal_apply(proposal: Proposal, community: Community, summary: str) -> None:
    """Apply a passed change to the charter and write the revision."""
    if not community.charter_revisions.exists():
        # Communities created before revisions were kept: record what the change replaces.
        charter_revision_record(
            community=community, editor=None, summary="The charter before its first recorded change"
        )
    value = proposal.value
    if proposal.kind == Proposal.Kind.TAGS:
        tags_assign(community, tags_from_names(value if isinstance(value, list) else []))
    else:
        setattr(community, proposal.kind, str(value))
        community.save(update_fields=[proposal.kind, "updated_at"])
    charter_revision_record(
        community=community, editor=proposal.author, proposal=proposal, summary=summary
    )


@transaction.atomic
def proposal_decide(*, proposal_id: int, now: datetime | None = None) -> Proposal | None:
    """Close one proposal whose voting period is over. It passes with at least the quorum of
    votes (from people still members) and a yes share above the majority, both per community or
    the site defaults. A passed change is applied and recorded in the charter history; a passed
    merge goes to the community's moderators, who merge. The members are told either way.
    Safe to run twice and concurrently: returns None when there is nothing (left) to decide."""
    now = now or timezone.now()
    proposal = (
        Proposal.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("community", "target", "author")
        .filter(pk=proposal_id, state=Proposal.State.OPEN, closes_at__lte=now)
        .first()
    )
    if proposal is None:
        return None
    community = Community.objects.select_for_update().get(pk=proposal.community_id)
    proposal.community = community
    tally = Vote.objects.filter(
        proposal=proposal,
        user__memberships__community=community,
        user__memberships__state=Membership.State.ACTIVE,
    ).aggregate(total=Count("pk"), yes=Count("pk", filter=Q(approve=True)))
    total, yes = tally["total"], tally["yes"]
    quorum = community.proposal_quorum or settings.KINDRED_PROPOSAL_QUORUM
    majority = community.proposal_majority or settings.KINDRED_PROPOSAL_MAJORITY
    passed = total > 0 and total >= quorum and yes / total > majority
    proposal.state = Proposal.State.PASSED if passed else Proposal.State.REJECTED
    proposal.decided_at = now
    proposal.save(update_fields=["state", "decided_at"])
    what = proposal.get_kind_display().lower()
    url = proposal_url(proposal)
    if passed and proposal.kind == Proposal.Kind.MERGE:
        moderators = active_members(community).filter(
            memberships__role__in=[Membership.Role.MODERATOR, Membership.Role.OWNER]
        )
        target_name = proposal.target.name if proposal.target else "another community"
        for person in moderators.distinct():
            notify(
                user=person,
                kind=Notification.Kind.MODERATION,
                title=f"The members of {community.name} voted to merge with {target_name}",
                url=url,
            )
    elif passed:
        _proposal_apply(proposal, community, f"{proposal.get_kind_display()}: {yes} of {total} for")
    Community.objects.filter(pk=community.pk).update(last_activity_at=now)
    outcome = "passed" if passed else "did not pass"
    for person in active_members(community):
        notify(
            user=person,
            kind=Notification.Kind.PROPOSAL,
            title=f"In {community.name}, the proposal to {what} {outcome}",
            url=url,
        )
    return proposal


def proposals_decide(*, now: datetime | None = None) -> int:
    """Decide every open proposal whose voting period is over (periodic task). Each proposal is
    decided in its own transaction. Safe to run twice and concurrently. Returns how many."""
    now = now or timezone.now()
    due = Proposal.objects.filter(state=Proposal.State.OPEN, closes_at__lte=now).order_by(
        "closes_at", "pk"
    )
    decided = 0
    for proposal_id in list(due.values_list("pk", flat=True)):
        if proposal_decide(proposal_id=proposal_id, now=now) is not None:
            decided += 1
    return decided
