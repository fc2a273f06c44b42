"""Moderators' writes about a community itself: its charter, archiving it, a moderator's merge of
two communities, splitting one, and deciding the communities the matcher proposed.

Three things are called a merge, and only the first happens here: a moderator merging one
community into another (``community_merge``: members, posts and discussions move at once); the
members' merge proposal (communities.services, a vote whose outcome asks the moderators); and the
matcher's merge suggestion (moderation.services.matcher, which carries it out through
``community_merge_into``).

Each service checks permission first (a private community answers 404 to outsiders, 403 to people
who see it but may not act), runs in one transaction, writes its moderation log entries, tells
the people affected, and is safe to repeat.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from communities.models import CharterRevision, Community, Membership, Placement, Thread
from communities.services import (
    clean_typed_text,
    tags_assign,
    tags_from_names,
    unique_community_slug,
)
from matching.models import MatchConstraint, MatcherSuggestion
from moderation.models import ModerationAction, Report
from moderation.permissions import check_moderate_community, check_own_community
from moderation.services.log import (
    ModerationConflict,
    Verb,
    clean_reason,
    log_last,
    log_write,
    require_open,
    tell,
    with_reason,
)
from profiles.models import User

ROLE_RANK: dict[str, int] = {
    Membership.Role.MEMBER: 0,
    Membership.Role.MODERATOR: 1,
    Membership.Role.OWNER: 2,
}

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
    check_own_community(actor, community, what="change how people join")
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


# -- a moderator's merge -------------------------------------------------------------------------


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
    ).update(state=MatcherSuggestion.State.DISMISSED)
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


# -- splitting -----------------------------------------------------------------------------------


@transaction.atomic
def community_split(
    *,
    actor: User,
    community: Community,
    post_ids: Sequence[int],
    name: str,
    reason: str,
    purpose: str = "",
) -> Community:
    """Make a new community of some of this community's posts. The posts move (placed by a
    moderator, so the matcher keeps them there); their authors who were members come along; the
    actor owns the new community. Safe to repeat: the same split returns the same community."""
    check_moderate_community(actor, community)
    return community_split_off(
        actor=actor,
        community=community,
        post_ids=post_ids,
        name=name,
        reason=reason,
        purpose=purpose,
    )


def community_split_off(
    *,
    actor: User,
    community: Community,
    post_ids: Sequence[int],
    name: str,
    reason: str,
    purpose: str = "",
) -> Community:
    """The split itself, for callers that have checked the actor moderates ``community``
    (community_split, matcher_suggestion_accept). A reason is required."""
    require_open(community)
    reason = clean_reason(reason)
    name = clean_typed_text(name, field="name", max_length=120, required=True, single_line=True)
    wanted = sorted({int(pk) for pk in post_ids})
    if not wanted:
        raise ValidationError({"posts": "Choose the posts that form the new community."})
    for done in ModerationAction.objects.filter(community=community, verb=Verb.SPLIT):
        if done.details.get("posts") == wanted and done.details.get("name") == name:
            new = Community.objects.filter(slug=done.details.get("into")).first()
            if new is not None:
                return new
    placements = Placement.objects.select_for_update().filter(
        community=community, post_id__in=wanted
    )
    found = set(placements.values_list("post_id", flat=True))
    if missing := [pk for pk in wanted if pk not in found]:
        raise ValidationError(
            {"posts": f"Not in this community: {', '.join(map(str, missing))}."}, code="missing"
        )
    new = _community_create_from(
        community,
        actor=actor,
        name=name,
        purpose=clean_typed_text(purpose, field="purpose", max_length=10000, required=False),
    )
    placements.update(community=new, placed_by=Placement.PlacedBy.MODERATOR, placed_by_user=actor)
    authors = _authors_follow(source=community, new=new, post_ids=wanted, actor=actor)
    details = {"into": new.slug, "from": community.slug, "posts": wanted, "name": name}
    for logged_in in (community, new):
        log_write(
            community=logged_in,
            actor=actor,
            verb=Verb.SPLIT,
            target=new,
            reason=reason,
            details=details,
        )
    for author in User.objects.filter(pk__in=authors):
        tell(
            author,
            title=with_reason(
                f"Your post moved from {community.name} to the new community {new.name}", reason
            ),
            url=new.get_absolute_url(),
            actor=actor,
        )
    return new


def _community_create_from(
    community: Community, *, actor: User, name: str, purpose: str
) -> Community:
    """A new active community like ``community`` (visibility, join policy, tags), owned by
    ``actor``."""
    new = Community.objects.create(
        name=name,
        slug=unique_community_slug(name),
        purpose=purpose,
        status=Community.Status.ACTIVE,
        activated_at=timezone.now(),
        origin=Community.Origin.MEMBER,
        visibility=community.visibility,
        join_policy=community.join_policy,
        created_by=actor,
    )
    tags_assign(new, list(community.tags.all()))
    Membership.objects.create(
        user=actor, community=new, role=Membership.Role.OWNER, state=Membership.State.ACTIVE
    )
    return new


def _authors_follow(
    *, source: Community, new: Community, post_ids: list[int], actor: User
) -> set[int]:
    """The authors of the moved posts who were active members of ``source`` join ``new``."""
    authors = set(
        Membership.objects.filter(
            community=source,
            state=Membership.State.ACTIVE,
            user__posts__pk__in=post_ids,
        )
        .exclude(user=actor)
        .values_list("user_id", flat=True)
    )
    Membership.objects.bulk_create(
        [Membership(user_id=pk, community=new) for pk in sorted(authors)], ignore_conflicts=True
    )
    return authors


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
