"""Communities: founding one, joining and leaving, and the charter's revisions."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from communities.models import (
    JOIN_MESSAGE_MAX_LENGTH,
    CharterRevision,
    Community,
    Membership,
    Proposal,
)
from communities.services.tags import tags_assign, tags_from_names
from communities.services.text import clean_typed_text
from core.ratelimit import rate_limit
from profiles.models import Notification, User
from profiles.services import notify

# Addresses under /communities/ that are pages, not communities.
RESERVED_SLUGS = frozenset({"new"})


def unique_community_slug(name: str) -> str:
    base = slugify(name, allow_unicode=True)[:120].strip("-") or "community"
    slug, n = base, 2
    while slug in RESERVED_SLUGS or Community.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def community_found(
    *,
    founder: User,
    name: str,
    purpose: str = "",
    tags: Iterable[str] = (),
    visibility: str = Community.Visibility.PUBLIC,
    join_policy: str = Community.JoinPolicy.OPEN,
) -> Community:
    """A member starts a community from the directory. Like the matcher's it starts as a proposed
    community, with the founder as its owner, and goes live when
    KINDRED_PROPOSED_COMMUNITY_MIN_MEMBERS people have joined (community_join), or is archived if
    that does not happen within KINDRED_PROPOSED_COMMUNITY_TTL_DAYS. Not idempotent: each call
    founds one."""
    if not (founder.is_authenticated and founder.is_active):
        raise PermissionDenied("Log in to start a community.")
    rate_limit(action="post", user=founder)
    if visibility not in Community.Visibility.values:
        raise ValidationError({"visibility": "Choose public or private."})
    if join_policy not in Community.JoinPolicy.values:
        raise ValidationError({"join_policy": "Choose how people join."})
    name = clean_typed_text(name, field="name", max_length=120, required=True, single_line=True)
    now = timezone.now()
    community = Community.objects.create(
        name=name,
        slug=unique_community_slug(name),
        purpose=clean_typed_text(purpose, field="purpose", max_length=10000, required=False),
        visibility=visibility,
        join_policy=join_policy,
        origin=Community.Origin.MEMBER,
        status=Community.Status.PROPOSED,
        proposed_until=now + timedelta(days=settings.KINDRED_PROPOSED_COMMUNITY_TTL_DAYS),
        created_by=founder,
    )
    tags_assign(community, tags_from_names(tags))
    Membership.objects.create(
        user=founder, community=community, role=Membership.Role.OWNER, state=Membership.State.ACTIVE
    )
    charter_revision_record(community=community, editor=founder, summary="Founded")
    _activate_when_committed(community)
    return community


@transaction.atomic
def community_join(*, user: User, community: Community, message: str = "") -> Membership:
    """Join, or ask to join, by the community's policy. A request carries the person's optional
    message, and its moderators and owners are told about it. Safe to repeat: an active member
    stays one, a pending request stays pending (and nobody is told twice). Banned people and
    archived communities are refused."""
    if not user.is_active:
        raise PermissionDenied("This account is not active.")
    message = clean_typed_text(
        message or "", field="message", max_length=JOIN_MESSAGE_MAX_LENGTH, required=False
    )
    rate_limit(action="join", user=user)
    if community.status == Community.Status.ARCHIVED:
        raise ValidationError("This community is archived and takes no new members.")
    try:
        membership, _ = Membership.objects.select_for_update().get_or_create(
            user=user, community=community, defaults={"state": Membership.State.LEFT}
        )
    except IntegrityError:  # a concurrent join created the row first
        membership = Membership.objects.select_for_update().get(user=user, community=community)
    if membership.state == Membership.State.BANNED:
        if membership.banned_until is None or membership.banned_until > timezone.now():
            raise PermissionDenied("You are banned from this community.")
        membership.state, membership.banned_until = Membership.State.LEFT, None  # it ran out
    if membership.state in (Membership.State.ACTIVE, Membership.State.REQUESTED):
        return membership
    invited = membership.state == Membership.State.INVITED
    if community.join_policy == Community.JoinPolicy.OPEN or invited:
        membership.state = Membership.State.ACTIVE
    elif community.join_policy == Community.JoinPolicy.APPROVAL:
        membership.state = Membership.State.REQUESTED
    else:
        raise PermissionDenied("This community takes members by invitation only.")
    membership.join_message = message if membership.state == Membership.State.REQUESTED else ""
    membership.save(update_fields=["state", "banned_until", "join_message", "updated_at"])
    if membership.state == Membership.State.REQUESTED:
        _tell_moderators_of_request(community=community, user=user)
    _activate_when_committed(community)
    return membership


def _tell_moderators_of_request(*, community: Community, user: User) -> None:
    """Its moderators and owners hear of a request to join (in the app, and by mail as each of
    them chose), with a link to the review queue where the message waits."""
    moderators = User.objects.filter(
        memberships__community=community,
        memberships__state=Membership.State.ACTIVE,
        memberships__role__in=[Membership.Role.MODERATOR, Membership.Role.OWNER],
    )
    for moderator in moderators:
        notify(
            user=moderator,
            kind=Notification.Kind.COMMUNITY,
            title=f"asked to join {community.name}",
            url=reverse("moderation:queue", args=[community.slug]) + "#join-requests",
            actor=user,
            names_actor=True,
        )


def _activate_when_committed(community: Community) -> None:
    """A proposed community becomes active once enough people have joined it (commitment, as in
    Area 51)."""
    if community.status != Community.Status.PROPOSED:
        return
    members = Membership.objects.filter(community=community, state=Membership.State.ACTIVE)
    if members.count() >= settings.KINDRED_PROPOSED_COMMUNITY_MIN_MEMBERS:
        now = timezone.now()
        Community.objects.filter(pk=community.pk, status=Community.Status.PROPOSED).update(
            status=Community.Status.ACTIVE, activated_at=now, last_activity_at=now
        )
        community.refresh_from_db()


@transaction.atomic
def community_leave(*, user: User, community: Community) -> Membership | None:
    """Leave a community (or withdraw a request). Safe to repeat. The last owner must hand the
    community over first, so that no community is left without someone to run it."""
    membership = (
        Membership.objects.select_for_update().filter(user=user, community=community).first()
    )
    if membership is None or membership.state in (Membership.State.LEFT, Membership.State.BANNED):
        return membership
    if membership.role == Membership.Role.OWNER:
        other_owners = Membership.objects.filter(
            community=community, role=Membership.Role.OWNER, state=Membership.State.ACTIVE
        ).exclude(pk=membership.pk)
        if not other_owners.exists():
            raise ValidationError("Appoint another owner before you leave.", code="last_owner")
    membership.role = Membership.Role.MEMBER
    membership.state = Membership.State.LEFT
    membership.save(update_fields=["role", "state", "updated_at"])
    return membership


def refuse_when_closed(community: Community) -> None:
    """Archived and merged-away communities take nothing new."""
    if community.status == Community.Status.ARCHIVED or community.merged_into_id is not None:
        raise ValidationError("This community is closed; it takes nothing new.", code="closed")


def active_members(community: Community) -> QuerySet[User]:
    """The active accounts of the community's active members."""
    return User.objects.filter(
        is_active=True,
        memberships__community=community,
        memberships__state=Membership.State.ACTIVE,
    )


def charter_revision_record(
    *,
    community: Community,
    editor: User | None,
    summary: str,
    proposal: Proposal | None = None,
) -> CharterRevision:
    """Write down the community's charter (name, purpose, rules, tags) as it stands now. Call it
    after every change to the charter, and once when a community is created. Not idempotent."""
    return CharterRevision.objects.create(
        community=community,
        editor=editor,
        proposal=proposal,
        name=community.name,
        purpose=community.purpose,
        rules=community.rules,
        tags=list(community.tags.order_by("slug").values_list("name", flat=True)),
        summary=summary[:200],
    )
