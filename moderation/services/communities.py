"""Moderators' writes about a community itself: its charter, how people join, archiving it, and
deciding the communities the matcher proposed. Merging two communities is merges.py's; splitting
one, splits.py's.

Each service checks permission first (a private community answers 404 to outsiders, 403 to people
who see it but may not act), runs in one transaction, writes its moderation log entries, tells
the people affected, and is safe to repeat.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from communities.models import CharterRevision, Community, Membership
from communities.services import clean_typed_text, tags_assign, tags_from_names
from moderation.permissions import check_moderate_community, check_set_join_policy
from moderation.services.log import (
    Verb,
    clean_reason,
    log_write,
    require_open,
    tell,
    with_reason,
)
from profiles.models import User

# -- the charter and archiving -------------------------------------------------------------------


@transaction.atomic
def community_charter_edit(
    *,
    actor: User,
    community: Community,
    name: str | None = None,
    purpose: str | None = None,
    rules: str | None = None,
    tags: Iterable[str] | None = None,
    reason: str = "",
) -> Community:
    """Change the name, purpose, rules or tags directly, recording a charter revision. Safe to
    repeat: an edit that changes nothing records nothing."""
    check_moderate_community(actor, community)
    require_open(community)
    reason = clean_reason(reason, required=False)
    return _charter_apply(
        actor=actor,
        community=community,
        changes={"name": name, "purpose": purpose, "rules": rules},
        tags=tags,
        reason=reason,
    )


CHARTER_FIELDS = {"name": (120, True), "purpose": (10000, False), "rules": (10000, False)}


def _charter_apply(
    *,
    actor: User,
    community: Community,
    changes: dict[str, str | None],
    tags: Iterable[str] | None,
    reason: str,
) -> Community:
    community = Community.objects.select_for_update().get(pk=community.pk)
    before = {
        "name": community.name,
        "purpose": community.purpose,
        "rules": community.rules,
        "tags": sorted(community.tags.values_list("slug", flat=True)),
    }
    changed: list[str] = []
    for field, (max_length, required) in CHARTER_FIELDS.items():
        value = changes.get(field)
        if value is None:
            continue
        value = clean_typed_text(
            value,
            field=field,
            max_length=max_length,
            required=required,
            single_line=field == "name",
        )
        if value != getattr(community, field):
            setattr(community, field, value)
            changed.append(field)
    new_tags = tags_from_names(tags) if tags is not None else None
    if new_tags is not None and sorted(t.slug for t in new_tags) != before["tags"]:
        changed.append("tags")
    if not changed:
        return community
    community.save()
    if new_tags is not None and "tags" in changed:
        tags_assign(community, new_tags)
    CharterRevision.objects.create(
        community=community,
        editor=actor,
        name=community.name,
        purpose=community.purpose,
        rules=community.rules,
        tags=sorted(community.tags.values_list("slug", flat=True)),
        summary=(reason or f"A moderator edited the {', '.join(changed)}.")[:200],
    )
    log_write(
        community=community,
        actor=actor,
        verb=Verb.EDIT,
        target=community,
        reason=reason,
        details={"changed": changed, "before": {k: before[k] for k in changed}},
    )
    return community


@transaction.atomic
def community_join_policy_set(
    *, actor: User, community: Community, join_policy: str, reason: str = ""
) -> Community:
    """An owner changes how people join: anyone, by the moderators' approval, or by invitation.
    Logged in words ("Changed how people join X: from “Anyone can join” to …"). Safe to repeat:
    setting the policy it already has logs nothing. Pending requests stay for the moderators."""
    check_set_join_policy(actor, community)
    require_open(community)
    if join_policy not in Community.JoinPolicy.values:
        raise ValidationError({"join_policy": "Choose how people join."})
    reason = clean_reason(reason, required=False)
    community = Community.objects.select_for_update().get(pk=community.pk)
    before = community.join_policy
    if before == join_policy:
        return community
    community.join_policy = join_policy
    community.save(update_fields=["join_policy", "updated_at"])
    labels = dict(Community.JoinPolicy.choices)
    log_write(
        community=community,
        actor=actor,
        verb=Verb.JOIN_POLICY,
        target=community,
        target_repr=(
            f"how people join {community.name}: from “{labels[before]}” to “{labels[join_policy]}”"
        ),
        reason=reason,
        details={"from": before, "to": join_policy},
    )
    return community


@transaction.atomic
def community_archive(*, actor: User, community: Community, reason: str) -> Community:
    """Archive a community: it stays readable and takes no new members. Safe to repeat."""
    check_moderate_community(actor, community)
    return community_archive_upheld(actor=actor, community=community, reason=clean_reason(reason))


def community_archive_upheld(*, actor: User, community: Community, reason: str) -> Community:
    """Archive a community without checking permission again: for community_archive, and for
    report_decide upholding a report on a community (staff, already checked). ``reason`` is
    already cleaned."""
    community = Community.objects.select_for_update().get(pk=community.pk)
    if community.status == Community.Status.ARCHIVED:
        return community
    community.status = Community.Status.ARCHIVED
    community.save(update_fields=["status", "updated_at"])
    log_write(community=community, actor=actor, verb=Verb.ARCHIVE, target=community, reason=reason)
    for member in _members(community):
        tell(
            member,
            title=with_reason(f"{community.name} was archived", reason),
            url=community.get_absolute_url(),
            actor=actor,
        )
    return community


def _members(community: Community) -> list[User]:
    return list(
        User.objects.filter(
            memberships__community=community, memberships__state=Membership.State.ACTIVE
        )
    )


# -- communities the matcher proposed ------------------------------------------------------------
# A "proposed community" is one the matcher started (status PROPOSED) and moderators or staff
# approve or reject; it is not a member's Proposal (communities.models.Proposal).


@transaction.atomic
def proposed_community_approve(
    *, actor: User, community: Community, reason: str = "", name: str | None = None
) -> Community:
    """Make a community the matcher proposed active now, optionally renamed. Safe to repeat."""
    check_moderate_community(actor, community)
    reason = clean_reason(reason, required=False)
    if name is not None:
        require_open(community)
        community = _charter_apply(
            actor=actor, community=community, changes={"name": name}, tags=None, reason=reason
        )
    community = Community.objects.select_for_update().get(pk=community.pk)
    if community.status == Community.Status.ACTIVE:
        return community
    if community.status != Community.Status.PROPOSED:
        raise ValidationError("Only a proposed community can be approved.", code="not_proposed")
    now = timezone.now()
    community.status = Community.Status.ACTIVE
    community.activated_at = now
    community.last_activity_at = now
    community.save(update_fields=["status", "activated_at", "last_activity_at", "updated_at"])
    log_write(community=community, actor=actor, verb=Verb.APPROVE, target=community, reason=reason)
    for member in _invitees(community):
        tell(
            member,
            title=f"{community.name} is now an active community.",
            url=community.get_absolute_url(),
            actor=actor,
        )
    return community


def _invitees(community: Community) -> list[User]:
    return list(
        User.objects.filter(
            memberships__community=community,
            memberships__state__in=[Membership.State.ACTIVE, Membership.State.INVITED],
        )
    )


@transaction.atomic
def proposed_community_reject(*, actor: User, community: Community, reason: str) -> Community:
    """Turn down a community the matcher proposed: it is archived. Safe to repeat."""
    check_moderate_community(actor, community)
    reason = clean_reason(reason)
    community = Community.objects.select_for_update().get(pk=community.pk)
    if community.status == Community.Status.ARCHIVED:
        return community
    if community.status != Community.Status.PROPOSED:
        raise ValidationError("Only a proposed community can be rejected.", code="not_proposed")
    community.status = Community.Status.ARCHIVED
    community.save(update_fields=["status", "updated_at"])
    log_write(community=community, actor=actor, verb=Verb.REJECT, target=community, reason=reason)
    for member in _invitees(community):
        tell(
            member,
            title=with_reason(f"The proposed community {community.name} was not started", reason),
            url=community.get_absolute_url(),
            actor=actor,
        )
    return community
