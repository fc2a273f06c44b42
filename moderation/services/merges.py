"""A moderator's merge of one community into another: members, posts and discussions move at
once, and the merged community's address redirects.

Three things are called a merge, and only the first happens here: a moderator merging one
community into another (``community_merge``); the members' merge proposal (communities.services,
a vote whose outcome asks the moderators); and the matcher's merge suggestion
(moderation.services.matcher, which carries it out through ``community_merge_into``).

The service checks permission first, runs in one transaction, writes its moderation log entry,
tells the members moved, and is safe to repeat.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from communities.models import Community, Membership, Placement, Thread
from matching.models import MatchConstraint, MatcherSuggestion
from moderation.models import ModerationAction, Report
from moderation.permissions import check_moderate_community
from moderation.services.log import (
    ModerationConflict,
    Verb,
    clean_reason,
    log_last,
    log_write,
    tell,
    with_reason,
)
from profiles.models import User

ROLE_RANK: dict[str, int] = {
    Membership.Role.MEMBER: 0,
    Membership.Role.MODERATOR: 1,
    Membership.Role.OWNER: 2,
}


@transaction.atomic
def community_merge(
    *, actor: User, source: Community, target: Community, reason: str
) -> ModerationAction:
    """A moderator merges ``source`` into ``target``: its members, posts and discussions move;
    ``source`` is archived with ``merged_into`` set, so its address redirects; the matcher learns
    to keep the two together. The actor moderates both.

    Both rows are locked (in id order, so two merges cannot deadlock): of two moderators racing,
    one succeeds and the other gets ModerationConflict. Safe to repeat for the same actor: the
    first merge's log entry comes back."""
    source = Community.objects.get(pk=source.pk)  # as it stands now, not as the caller saw it
    target = Community.objects.get(pk=target.pk)
    check_moderate_community(actor, source)
    check_moderate_community(actor, target)
    return community_merge_into(actor=actor, source=source, target=target, reason=reason)


def community_merge_into(
    *, actor: User, source: Community, target: Community, reason: str
) -> ModerationAction:
    """The merge itself, for callers that have checked the actor moderates both communities
    (community_merge, matcher_suggestion_accept). A reason is required."""
    if source.pk == target.pk:
        raise ValidationError({"target": "A community cannot be merged into itself."})
    reason = clean_reason(reason)
    locked = Community.objects.select_for_update().filter(pk__in=[source.pk, target.pk])
    rows = {c.pk: c for c in locked.order_by("pk")}
    source, target = rows[source.pk], rows[target.pk]
    if source.merged_into_id is not None:
        done = log_last(community=target, verb=Verb.MERGE, target=source)
        if source.merged_into_id == target.pk and done is not None and done.actor_id == actor.pk:
            return done
        raise ModerationConflict(
            f"“{source.name}” has already been merged into another community; reload the page."
        )
    if target.merged_into_id is not None or target.status == Community.Status.ARCHIVED:
        raise ModerationConflict(f"“{target.name}” is archived; reload the page.")
    if source.status == Community.Status.ARCHIVED:
        raise ModerationConflict(f"“{source.name}” is archived; reload the page.")
    moved_members = _memberships_move(source, target)
    details = {
        "from": source.slug,
        "into": target.slug,
        "members": len(moved_members),
        **_content_move(actor=actor, source=source, target=target, reason=reason),
    }
    # Logged once, in the community that goes on: its log includes the merged one's history.
    action = log_write(
        community=target,
        actor=actor,
        verb=Verb.MERGE,
        target=source,
        reason=reason,
        details=details,
    )
    for member in User.objects.filter(pk__in=moved_members):
        tell(
            member,
            title=with_reason(f"{source.name} was merged into {target.name}", reason),
            url=target.get_absolute_url(),
            actor=actor,
        )
    return action


def _content_move(*, actor: User, source: Community, target: Community, reason: str) -> dict:
    """Posts, discussions and pending reports go to ``target``; ``source`` is archived and
    redirects; the matcher's open suggestions about ``source`` lapse."""
    placements = Placement.objects.select_for_update().filter(community=source)
    in_target = set(Placement.objects.filter(community=target).values_list("post_id", flat=True))
    placements.filter(post_id__in=in_target).delete()
    moved_posts = placements.update(community=target)
    moved_threads = Thread.objects.filter(community=source).update(community=target)
    Report.objects.filter(community=source, decision=Report.Decision.PENDING).update(
        community=target
    )
    MatcherSuggestion.objects.filter(
        Q(community=source) | Q(other_community=source),
        state=MatcherSuggestion.State.OPEN,
    ).update(state=MatcherSuggestion.State.DECLINED)
    source.merged_into = target
    source.status = Community.Status.ARCHIVED
    source.save(update_fields=["merged_into", "status", "updated_at"])
    Community.objects.filter(pk=target.pk).update(last_activity_at=timezone.now())
    MatchConstraint.objects.get_or_create(
        kind=MatchConstraint.Kind.KEEP_TOGETHER,
        community=target,
        other_community=source,
        defaults={"created_by": actor, "reason": reason[:500]},
    )
    return {"posts": moved_posts, "threads": moved_threads}


def _memberships_move(source: Community, target: Community) -> list[int]:
    """Move source's memberships to target; returns the active members moved. A ban in either
    community stands; otherwise a person keeps the stronger standing. The source's owners become
    moderators of the target, whose owners stay in charge."""
    in_target = {
        m.user_id: m for m in Membership.objects.select_for_update().filter(community=target)
    }
    moved: list[int] = []
    for membership in Membership.objects.select_for_update().filter(community=source):
        role = membership.role
        if role == Membership.Role.OWNER:
            role = Membership.Role.MODERATOR
        existing = in_target.get(membership.user_id)
        if membership.state == Membership.State.ACTIVE:
            moved.append(membership.user_id)
        if existing is None:
            Membership.objects.filter(pk=membership.pk).update(community=target, role=role)
            continue
        if existing.state == Membership.State.BANNED:
            pass
        elif membership.state == Membership.State.BANNED:
            existing.state = Membership.State.BANNED
            existing.role = Membership.Role.MEMBER
            existing.banned_until = membership.banned_until
        elif membership.state == Membership.State.ACTIVE:
            if existing.state != Membership.State.ACTIVE:
                existing.state, existing.role = Membership.State.ACTIVE, role
            elif ROLE_RANK[role] > ROLE_RANK[existing.role]:
                existing.role = role
        existing.save()
        membership.delete()
    return moved
