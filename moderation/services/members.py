"""Moderators' writes about people: join requests, bans, and appointing or removing moderators.

Each service checks permission first (a private community answers 404 to outsiders, 403 to people
who see it but may not act), runs in one transaction, writes one moderation log entry with its
reason, tells the person affected, and is safe to repeat: when the work is already done it returns
what it returned the first time without logging or notifying again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from communities.models import Community, Membership
from moderation.permissions import check_moderate_community, check_own_community
from moderation.services.log import Verb, clean_reason, log_write, tell, with_reason
from profiles.models import User


def _membership_locked(*, community: Community, user: User) -> Membership | None:
    """The person's membership, locked until the transaction ends; None when they have none."""
    membership = (
        Membership.objects.select_for_update().filter(community=community, user=user).first()
    )
    if membership is not None:  # the same rows: no query to reach them again
        membership.community, membership.user = community, user
    return membership


def _membership_locked_or_new(*, community: Community, user: User) -> Membership:
    try:
        membership, _ = Membership.objects.select_for_update().get_or_create(
            user=user, community=community, defaults={"state": Membership.State.LEFT}
        )
    except IntegrityError:  # created concurrently
        membership = Membership.objects.select_for_update().get(user=user, community=community)
    membership.community, membership.user = community, user
    return membership


def _save_and_record(
    membership: Membership,
    *,
    fields: list[str],
    actor: User,
    verb: str,
    reason: str,
    title: str,
    details: dict[str, Any] | None = None,
) -> None:
    """Save the changed ``fields`` of a locked membership, log the action on its person with its
    reason, and tell them: the last steps of every service here."""
    community, user = membership.community, membership.user
    membership.save(update_fields=[*fields, "updated_at"])
    log_write(
        community=community,
        actor=actor,
        verb=verb,
        target=user,
        target_repr=user.username,
        reason=reason,
        details=details,
    )
    tell(user, title=title, url=community.get_absolute_url(), actor=actor)


# -- join requests -------------------------------------------------------------------------------


def _join_request_decide(
    *, actor: User, community: Community, user: User, state: str, verb: str, reason: str, title: str
) -> Membership:
    membership = _membership_locked(community=community, user=user)
    if membership is None:
        raise Http404("This person has not asked to join.")
    if membership.state == state:
        return membership
    if membership.state != Membership.State.REQUESTED:
        raise ValidationError("This person has no pending request.", code="no_request")
    membership.state = state
    _save_and_record(
        membership, fields=["state"], actor=actor, verb=verb, reason=reason, title=title
    )
    return membership


@transaction.atomic
def membership_request_approve(
    *, actor: User, community: Community, user: User, reason: str = ""
) -> Membership:
    """Let someone who asked to join in. Safe to repeat: an active member stays one."""
    check_moderate_community(actor, community)
    return _join_request_decide(
        actor=actor,
        community=community,
        user=user,
        state=Membership.State.ACTIVE,
        verb=Verb.APPROVE_JOIN,
        reason=clean_reason(reason, required=False),
        title=f"Welcome to {community.name}: your request to join was approved.",
    )


@transaction.atomic
def membership_request_reject(
    *, actor: User, community: Community, user: User, reason: str
) -> Membership:
    """Turn down a request to join, with a reason sent to the person. Safe to repeat: a request
    already decided is left as it is."""
    check_moderate_community(actor, community)
    reason = clean_reason(reason)
    return _join_request_decide(
        actor=actor,
        community=community,
        user=user,
        state=Membership.State.LEFT,
        verb=Verb.REJECT_JOIN,
        reason=reason,
        title=with_reason(f"Your request to join {community.name} was declined", reason),
    )


# -- bans and roles ------------------------------------------------------------------------------


@transaction.atomic
def membership_ban(
    *,
    actor: User,
    community: Community,
    user: User,
    reason: str,
    until: datetime | None = None,
) -> Membership:
    """Ban someone from a community, until a time or for good. From then on every service refuses
    them in this community, whether they come through a page or the API. Moderators ban members;
    owners also ban moderators; only staff ban an owner. Safe to repeat."""
    check_moderate_community(actor, community)
    reason = clean_reason(reason)
    if user.pk == actor.pk:
        raise ValidationError({"user": "You cannot ban yourself."})
    if until is not None and until <= timezone.now():
        raise ValidationError({"until": "Choose a time in the future, or none for a lasting ban."})
    membership = _membership_locked_or_new(community=community, user=user)
    outranks = membership.role == Membership.Role.OWNER or not actor.has_perm(
        "moderation.own_community", community
    )
    if membership.role != Membership.Role.MEMBER and not actor.is_staff and outranks:
        raise PermissionDenied("Only an owner can ban a moderator, and only staff an owner.")
    if membership.state == Membership.State.BANNED and membership.banned_until == until:
        return membership
    membership.state = Membership.State.BANNED
    membership.role = Membership.Role.MEMBER
    membership.banned_until = until
    when = f" until {until:%d %B %Y %H:%M} UTC" if until else ""
    _save_and_record(
        membership,
        fields=["state", "role", "banned_until"],
        actor=actor,
        verb=Verb.BAN,
        reason=reason,
        title=with_reason(f"You were banned from {community.name}{when}", reason),
        details={"until": until.isoformat() if until else None},
    )
    return membership


@transaction.atomic
def membership_unban(
    *, actor: User, community: Community, user: User, reason: str = ""
) -> Membership:
    """Lift a ban; the person may join again. Safe to repeat."""
    check_moderate_community(actor, community)
    reason = clean_reason(reason, required=False)
    membership = _membership_locked(community=community, user=user)
    if membership is None:
        raise Http404("This person is not banned here.")
    if membership.state != Membership.State.BANNED:
        return membership
    membership.state = Membership.State.LEFT
    membership.banned_until = None
    _save_and_record(
        membership,
        fields=["state", "banned_until"],
        actor=actor,
        verb=Verb.UNBAN,
        reason=reason,
        title=f"Your ban from {community.name} was lifted.",
    )
    return membership


@transaction.atomic
def moderator_appoint(
    *, actor: User, community: Community, user: User, reason: str = ""
) -> Membership:
    """An owner (or staff) makes an active member a moderator. Safe to repeat."""
    check_own_community(actor, community)
    reason = clean_reason(reason, required=False)
    membership = _membership_locked(community=community, user=user)
    if membership is None or membership.state != Membership.State.ACTIVE:
        raise ValidationError({"user": "Only an active member can become a moderator."})
    if membership.role != Membership.Role.MEMBER:
        return membership
    membership.role = Membership.Role.MODERATOR
    _save_and_record(
        membership,
        fields=["role"],
        actor=actor,
        verb=Verb.APPOINT,
        reason=reason,
        title=f"You are now a moderator of {community.name}.",
    )
    return membership


@transaction.atomic
def moderator_remove(
    *, actor: User, community: Community, user: User, reason: str = ""
) -> Membership:
    """An owner (or staff) makes a moderator a member again. Owners are not removed this way.
    Safe to repeat."""
    check_own_community(actor, community)
    reason = clean_reason(reason, required=False)
    membership = _membership_locked(community=community, user=user)
    if membership is None:
        raise Http404("This person is not a member here.")
    if membership.role == Membership.Role.OWNER:
        raise ValidationError({"user": "An owner is not removed as a moderator."})
    if membership.role == Membership.Role.MEMBER:
        return membership
    membership.role = Membership.Role.MEMBER
    _save_and_record(
        membership,
        fields=["role"],
        actor=actor,
        verb=Verb.REMOVE_MODERATOR,
        reason=reason,
        title=with_reason(f"You are no longer a moderator of {community.name}", reason),
    )
    return membership
