"""Moderators' writes about people: join requests, bans, and appointing or removing moderators.

Each service checks permission first (a private community answers 404 to outsiders, 403 to people
who see it but may not act), runs in one transaction, writes one moderation log entry with its
reason, tells the person affected, and is safe to repeat: when the work is already done it returns
what it returned the first time without logging or notifying again.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from communities.models import Community, Membership
from moderation.permissions import check_moderate_community, check_own_community
from moderation.services.log import Verb, clean_reason, log_write, tell, with_reason
from profiles.models import User


def _lock_membership(*, community: Community, user: User) -> Membership:
    try:
        membership, _ = Membership.objects.select_for_update().get_or_create(
            user=user, community=community, defaults={"state": Membership.State.LEFT}
        )
    except IntegrityError:  # created concurrently
        membership = Membership.objects.select_for_update().get(user=user, community=community)
    return membership


# -- join requests -------------------------------------------------------------------------------


@transaction.atomic
def membership_request_approve(
    *, actor: User, community: Community, user: User, reason: str = ""
) -> Membership:
    """Let someone who asked to join in. Safe to repeat: an active member stays one."""
    check_moderate_community(actor, community)
    reason = clean_reason(reason, required=False)
    membership = (
        Membership.objects.select_for_update().filter(community=community, user=user).first()
    )
    if membership is None:
        raise Http404("This person has not asked to join.")
    if membership.state == Membership.State.ACTIVE:
        return membership
    if membership.state != Membership.State.REQUESTED:
        raise ValidationError("This person has no pending request.", code="no_request")
    membership.state = Membership.State.ACTIVE
    membership.save(update_fields=["state", "updated_at"])
    log_write(
        community=community,
        actor=actor,
        verb=Verb.APPROVE_JOIN,
        target=user,
        target_repr=user.username,
        reason=reason,
    )
    tell(
        user,
        title=f"Welcome to {community.name}: your request to join was approved.",
        url=community.get_absolute_url(),
        actor=actor,
    )
    return membership


@transaction.atomic
def membership_request_reject(
    *, actor: User, community: Community, user: User, reason: str
) -> Membership:
    """Turn down a request to join, with a reason sent to the person. Safe to repeat: a request
    already decided is left as it is."""
    check_moderate_community(actor, community)
    reason = clean_reason(reason)
    membership = (
        Membership.objects.select_for_update().filter(community=community, user=user).first()
    )
    if membership is None:
        raise Http404("This person has not asked to join.")
    if membership.state == Membership.State.LEFT:
        return membership
    if membership.state != Membership.State.REQUESTED:
        raise ValidationError("This person has no pending request.", code="no_request")
    membership.state = Membership.State.LEFT
    membership.save(update_fields=["state", "updated_at"])
    log_write(
        community=community,
        actor=actor,
        verb=Verb.REJECT_JOIN,
        target=user,
        target_repr=user.username,
        reason=reason,
    )
    tell(
        user,
        title=with_reason(f"Your request to join {community.name} was declined", reason),
        url=community.get_absolute_url(),
        actor=actor,
    )
    return membership


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
    membership = _lock_membership(community=community, user=user)
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
    membership.save(update_fields=["state", "role", "banned_until", "updated_at"])
    log_write(
        community=community,
        actor=actor,
        verb=Verb.BAN,
        target=user,
        target_repr=user.username,
        reason=reason,
        details={"until": until.isoformat() if until else None},
    )
    when = f" until {until:%d %B %Y %H:%M} UTC" if until else ""
    tell(
        user,
        title=with_reason(f"You were banned from {community.name}{when}", reason),
        url=community.get_absolute_url(),
        actor=actor,
    )
    return membership


@transaction.atomic
def membership_unban(
    *, actor: User, community: Community, user: User, reason: str = ""
) -> Membership:
    """Lift a ban; the person may join again. Safe to repeat."""
    check_moderate_community(actor, community)
    reason = clean_reason(reason, required=False)
    membership = (
        Membership.objects.select_for_update().filter(community=community, user=user).first()
    )
    if membership is None:
        raise Http404("This person is not banned here.")
    if membership.state != Membership.State.BANNED:
        return membership
    membership.state = Membership.State.LEFT
    membership.banned_until = None
    membership.save(update_fields=["state", "banned_until", "updated_at"])
    log_write(
        community=community,
        actor=actor,
        verb=Verb.UNBAN,
        target=user,
        target_repr=user.username,
        reason=reason,
    )
    tell(
        user,
        title=f"Your ban from {community.name} was lifted.",
        url=community.get_absolute_url(),
        actor=actor,
    )
    return membership


@transaction.atomic
def moderator_appoint(
    *, actor: User, community: Community, user: User, reason: str = ""
) -> Membership:
    """An owner (or staff) makes an active member a moderator. Safe to repeat."""
    check_own_community(actor, community)
    reason = clean_reason(reason, required=False)
    membership = (
        Membership.objects.select_for_update().filter(community=community, user=user).first()
    )
    if membership is None or membership.state != Membership.State.ACTIVE:
        raise ValidationError({"user": "Only an active member can become a moderator."})
    if membership.role != Membership.Role.MEMBER:
        return membership
    membership.role = Membership.Role.MODERATOR
    membership.save(update_fields=["role", "updated_at"])
    log_write(
        community=community,
        actor=actor,
        verb=Verb.APPOINT,
        target=user,
        target_repr=user.username,
        reason=reason,
    )
    tell(
        user,
        title=f"You are now a moderator of {community.name}.",
        url=community.get_absolute_url(),
        actor=actor,
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
    membership = (
        Membership.objects.select_for_update().filter(community=community, user=user).first()
    )
    if membership is None:
        raise Http404("This person is not a member here.")
    if membership.role == Membership.Role.OWNER:
        raise ValidationError({"user": "An owner is not removed as a moderator."})
    if membership.role == Membership.Role.MEMBER:
        return membership
    membership.role = Membership.Role.MEMBER
    membership.save(update_fields=["role", "updated_at"])
    log_write(
        community=community,
        actor=actor,
        verb=Verb.DISMISS,
        target=user,
        target_repr=user.username,
        reason=reason,
    )
    tell(
        user,
        title=with_reason(f"You are no longer a moderator of {community.name}", reason),
        url=community.get_absolute_url(),
        actor=actor,
    )
    return membership
