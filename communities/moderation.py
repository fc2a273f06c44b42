"""Every write moderators make: join requests, content, communities, bans, roles, reports and the
matcher's suggestions.

Each service takes keyword-only arguments, checks permission first (a private community answers
404 to outsiders, 403 to people who see it but may not act), runs in one transaction, writes one
entry to the append-only moderation log with its reason, tells the person affected, and is safe
to repeat: when the work is already done it returns what it returned the first time without
logging or notifying again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.http import Http404
from django.utils import timezone

from communities.models import (
    CharterRevision,
    Community,
    ContentStatus,
    Membership,
    ModerationAction,
    Placement,
    Post,
    Reply,
    Report,
    Thread,
)
from communities.permissions import (
    check_moderate_community,
    check_moderate_site,
    check_own_community,
    check_report_in_community,
    check_view_community,
)
from communities.services import (
    _clean_text,
    placement_remove,
    tags_assign,
    tags_from_names,
    unique_community_slug,
)
from core.errors import Conflict
from profiles.models import Notification, User

Verb = ModerationAction.Verb
Reportable = Post | Reply | Thread | Community
ROLE_RANK: dict[str, int] = {
    Membership.Role.MEMBER: 0,
    Membership.Role.MODERATOR: 1,
    Membership.Role.OWNER: 2,
}


class ModerationConflict(Conflict):
    """Someone else changed the object first (two moderators racing); the API answers 409."""


# -- helpers -------------------------------------------------------------------------------------


def _reason(reason: str, *, required: bool = True) -> str:
    return _clean_text(reason or "", field="reason", max_length=2000, required=required)


def _log(
    *,
    community: Community | None,
    actor: User | None,
    verb: str,
    target: models.Model,
    reason: str = "",
    details: dict[str, Any] | None = None,
    target_repr: str | None = None,
) -> ModerationAction:
    return ModerationAction.objects.create(
        community=community,
        actor=actor,
        verb=verb,
        target_type=ContentType.objects.get_for_model(type(target)),
        target_id=str(target.pk),
        target_repr=(target_repr if target_repr is not None else str(target))[:200],
        reason=reason,
        details=details or {},
    )


def _notify(user: User | None, *, title: str, url: str = "", actor: User | None = None) -> None:
    if user is None:
        return
    from profiles.services import notify

    notify(user=user, kind=Notification.Kind.MODERATION, title=title, url=url, actor=actor)


def _with_reason(text: str, reason: str) -> str:
    return f"{text}: {reason}" if reason else f"{text}."


def _lock_membership(*, community: Community, user: User) -> Membership:
    try:
        membership, _ = Membership.objects.select_for_update().get_or_create(
            user=user, community=community, defaults={"state": Membership.State.LEFT}
        )
    except IntegrityError:  # created concurrently
        membership = Membership.objects.select_for_update().get(user=user, community=community)
    return membership


def _require_open(community: Community) -> None:
    if community.status == Community.Status.ARCHIVED:
        raise ValidationError("This community is archived.", code="archived")


# -- join requests -------------------------------------------------------------------------------


@transaction.atomic
def membership_request_approve(
    *, actor: User, community: Community, user: User, reason: str = ""
) -> Membership:
    """Let someone who asked to join in. Safe to repeat: an active member stays one."""
    check_moderate_community(actor, community)
    reason = _reason(reason, required=False)
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
    _log(
        community=community,
        actor=actor,
        verb=Verb.APPROVE_JOIN,
        target=user,
        target_repr=user.username,
        reason=reason,
    )
    _notify(
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
    reason = _reason(reason)
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
    _log(
        community=community,
        actor=actor,
        verb=Verb.REJECT_JOIN,
        target=user,
        target_repr=user.username,
        reason=reason,
    )
    _notify(
        user,
        title=_with_reason(f"Your request to join {community.name} was declined", reason),
        url=community.get_absolute_url(),
        actor=actor,
    )
    return membership


# -- posts ---------------------------------------------------------------------------------------


def _keep_out(post: Post, community: Community):
    from matching.models import MatchConstraint

    return MatchConstraint.objects.filter(
        kind=MatchConstraint.Kind.KEEP_OUT, post=post, community=community
    )


def _last_action(*, community: Community | None, verb: str, target: models.Model):
    return (
        ModerationAction.objects.filter(
            community=community,
            verb=verb,
            target_type=ContentType.objects.get_for_model(type(target)),
            target_id=str(target.pk),
        )
        .order_by("-created_at", "-pk")
        .first()
    )


@transaction.atomic
def post_remove(
    *, actor: User, post: Post, reason: str, community: Community | None = None
) -> ModerationAction:
    """Take a post out of a community (its moderators), or hide it everywhere (staff, with no
    community). The reason goes to the author; the matcher keeps the post out of the community
    from now on. Safe to repeat."""
    if community is None:
        check_moderate_site(actor)
        reason = _reason(reason)
        post = Post.objects.select_for_update().get(pk=post.pk)
        if post.moderation_status == ContentStatus.REMOVED:
            done = _last_action(community=None, verb=Verb.REMOVE, target=post)
            if done is not None:
                return done
        post.moderation_status = ContentStatus.REMOVED
        post.save(update_fields=["moderation_status", "updated_at"])
        action = _log(
            community=None,
            actor=actor,
            verb=Verb.REMOVE,
            target=post,
            target_repr=post.title,
            reason=reason,
            details={"scope": "site"},
        )
        _notify(
            post.author,
            title=_with_reason(f"A moderator removed your post “{post.title[:80]}”", reason),
            url=post.get_absolute_url(),
            actor=actor,
        )
        return action
    check_moderate_community(actor, community)
    reason = _reason(reason)
    placement = Placement.objects.select_for_update().filter(post=post, community=community).first()
    if placement is None:
        done = _last_action(community=community, verb=Verb.REMOVE, target=post)
        if done is not None and _keep_out(post, community).exists():
            return done
        raise Http404("This post is not in this community.")
    action = placement_remove(actor=actor, placement=placement, reason=reason)
    _notify(
        post.author,
        title=_with_reason(
            f"A moderator took your post “{post.title[:80]}” out of {community.name}", reason
        ),
        url=post.get_absolute_url(),
        actor=actor,
    )
    return action


@transaction.atomic
def post_restore(
    *, actor: User, post: Post, reason: str = "", community: Community | None = None
) -> ModerationAction | None:
    """Undo a removal: put the post back in the community (and let the matcher place it there
    again), or show it everywhere again (staff, with no community). Safe to repeat: returns None
    when there was nothing to restore."""
    _check_content(actor, community)
    reason = _reason(reason, required=False)
    if community is None:
        post = Post.objects.select_for_update().get(pk=post.pk)
        if post.moderation_status == ContentStatus.VISIBLE:
            return None
        post.moderation_status = ContentStatus.VISIBLE
        post.save(update_fields=["moderation_status", "updated_at"])
        action = _log(
            community=None,
            actor=actor,
            verb=Verb.RESTORE,
            target=post,
            target_repr=post.title,
            reason=reason,
            details={"scope": "site"},
        )
    else:
        _require_open(community)
        if Placement.objects.filter(post=post, community=community).exists():
            return None
        if not _keep_out(post, community).exists():
            raise Http404("This post was never removed from this community.")
        _keep_out(post, community).delete()
        Placement.objects.create(
            post=post,
            community=community,
            placed_by=Placement.PlacedBy.MODERATOR,
            placed_by_user=actor,
            reason=reason,
        )
        action = _log(
            community=community,
            actor=actor,
            verb=Verb.RESTORE,
            target=post,
            target_repr=post.title,
            reason=reason,
        )
    _notify(
        post.author,
        title=f"A moderator restored your post “{post.title[:80]}”.",
        url=post.get_absolute_url(),
        actor=actor,
    )
    return action


@transaction.atomic
def post_move(
    *, actor: User, post: Post, source: Community, destination: Community, reason: str
) -> Placement:
    """Move a post from one community to another; the actor moderates both. The matcher keeps the
    post out of the first and in the second. Safe to repeat."""
    from matching.models import MatchConstraint

    check_moderate_community(actor, source)
    check_moderate_community(actor, destination)
    reason = _reason(reason)
    if source.pk == destination.pk:
        raise ValidationError({"destination": "Choose another community."})
    _require_open(destination)
    placement = Placement.objects.select_for_update().filter(post=post, community=source).first()
    moved = Placement.objects.filter(post=post, community=destination).first()
    if placement is None:
        if moved is not None:
            return moved
        raise Http404("This post is not in this community.")
    if moved is None:
        moved = Placement.objects.create(
            post=post,
            community=destination,
            placed_by=Placement.PlacedBy.MODERATOR,
            placed_by_user=actor,
            reason=reason,
            pinned=placement.pinned,
        )
    placement.delete()
    MatchConstraint.objects.get_or_create(
        kind=MatchConstraint.Kind.KEEP_OUT,
        post=post,
        community=source,
        defaults={"created_by": actor, "reason": reason[:500]},
    )
    for community in (source, destination):
        _log(
            community=community,
            actor=actor,
            verb=Verb.MOVE,
            target=post,
            target_repr=post.title,
            reason=reason,
            details={"from": source.slug, "to": destination.slug},
        )
    _notify(
        post.author,
        title=_with_reason(
            f"A moderator moved your post “{post.title[:60]}” to {destination.name}", reason
        ),
        url=destination.get_absolute_url(),
        actor=actor,
    )
    return moved


@transaction.atomic
def placement_pin(
    *, actor: User, community: Community, post: Post, pinned: bool = True, reason: str = ""
) -> Placement:
    """Pin a post to the top of a community (or unpin it). Safe to repeat."""
    check_moderate_community(actor, community)
    reason = _reason(reason, required=False)
    placement = Placement.objects.select_for_update().filter(post=post, community=community).first()
    if placement is None:
        raise Http404("This post is not in this community.")
    if placement.pinned == pinned:
        return placement
    placement.pinned = pinned
    placement.save(update_fields=["pinned", "updated_at"])
    _log(
        community=community,
        actor=actor,
        verb=Verb.PIN if pinned else Verb.UNPIN,
        target=post,
        target_repr=post.title,
        reason=reason,
    )
    return placement


# -- threads and replies -------------------------------------------------------------------------


def _thread_community(thread: Thread) -> Community:
    return thread.community


def _reply_community(reply: Reply) -> Community | None:
    return reply.thread.community if reply.thread is not None else None


def _check_content(actor: User, community: Community | None) -> None:
    if community is None:
        check_moderate_site(actor)
    else:
        check_moderate_community(actor, community)


@transaction.atomic
def thread_pin(*, actor: User, thread: Thread, pinned: bool = True, reason: str = "") -> Thread:
    """Pin a discussion to the top of its community (or unpin it). Safe to repeat."""
    check_moderate_community(actor, thread.community)
    reason = _reason(reason, required=False)
    thread = Thread.objects.select_for_update().get(pk=thread.pk)
    if thread.pinned == pinned:
        return thread
    thread.pinned = pinned
    thread.save(update_fields=["pinned"])
    _log(
        community=thread.community,
        actor=actor,
        verb=Verb.PIN if pinned else Verb.UNPIN,
        target=thread,
        target_repr=thread.title,
        reason=reason,
    )
    return thread


@transaction.atomic
def thread_lock(*, actor: User, thread: Thread, locked: bool = True, reason: str = "") -> Thread:
    """Lock a discussion against new replies (or unlock it). Safe to repeat."""
    check_moderate_community(actor, thread.community)
    reason = _reason(reason, required=False)
    thread = Thread.objects.select_for_update().get(pk=thread.pk)
    if thread.locked == locked:
        return thread
    thread.locked = locked
    thread.save(update_fields=["locked"])
    _log(
        community=thread.community,
        actor=actor,
        verb=Verb.LOCK if locked else Verb.UNLOCK,
        target=thread,
        target_repr=thread.title,
        reason=reason,
    )
    if locked:
        _notify(
            thread.author,
            title=_with_reason(f"A moderator locked your discussion “{thread.title[:80]}”", reason),
            url=thread.get_absolute_url(),
            actor=actor,
        )
    return thread


def _set_content_status(
    *,
    actor: User,
    obj: Thread | Reply,
    community: Community | None,
    status: str,
    reason: str,
) -> ModerationAction | None:
    model = type(obj)
    obj = model.objects.select_for_update().get(pk=obj.pk)
    if obj.status == status:
        return None
    obj.status = status
    obj.save(update_fields=["status"])
    removing = status == ContentStatus.REMOVED
    label = f"“{obj.title[:80]}”" if isinstance(obj, Thread) else "reply"
    action = _log(
        community=community,
        actor=actor,
        verb=Verb.REMOVE if removing else Verb.RESTORE,
        target=obj,
        target_repr=str(obj),
        reason=reason,
    )
    what = "discussion" if isinstance(obj, Thread) else "reply"
    text = (
        _with_reason(f"A moderator removed your {what} {label}", reason)
        if removing
        else f"A moderator restored your {what} {label}."
    )
    _notify(obj.author, title=text, url=_content_url(obj), actor=actor)
    return action


def _content_url(obj: Thread | Reply) -> str:
    if isinstance(obj, Thread):
        return obj.get_absolute_url()
    if obj.thread is not None:
        return f"{obj.thread.get_absolute_url()}#reply-{obj.pk}"
    return f"{obj.post.get_absolute_url()}#reply-{obj.pk}" if obj.post is not None else ""


@transaction.atomic
def thread_remove(*, actor: User, thread: Thread, reason: str) -> ModerationAction | None:
    """Remove a discussion, with a reason sent to its author. Safe to repeat (None when done)."""
    community = _thread_community(thread)
    check_moderate_community(actor, community)
    return _set_content_status(
        actor=actor,
        obj=thread,
        community=community,
        status=ContentStatus.REMOVED,
        reason=_reason(reason),
    )


@transaction.atomic
def thread_restore(*, actor: User, thread: Thread, reason: str = "") -> ModerationAction | None:
    """Show a removed or hidden discussion again. Safe to repeat (None when nothing to do)."""
    community = _thread_community(thread)
    check_moderate_community(actor, community)
    return _set_content_status(
        actor=actor,
        obj=thread,
        community=community,
        status=ContentStatus.VISIBLE,
        reason=_reason(reason, required=False),
    )


@transaction.atomic
def reply_remove(*, actor: User, reply: Reply, reason: str) -> ModerationAction | None:
    """Remove a reply, with a reason sent to its author: in a discussion, its community's
    moderators; on a post, site staff. Safe to repeat (None when already removed)."""
    community = _reply_community(reply)
    _check_content(actor, community)
    return _set_content_status(
        actor=actor,
        obj=reply,
        community=community,
        status=ContentStatus.REMOVED,
        reason=_reason(reason),
    )


@transaction.atomic
def reply_restore(*, actor: User, reply: Reply, reason: str = "") -> ModerationAction | None:
    """Show a removed or hidden reply again. Safe to repeat (None when nothing to do)."""
    community = _reply_community(reply)
    _check_content(actor, community)
    return _set_content_status(
        actor=actor,
        obj=reply,
        community=community,
        status=ContentStatus.VISIBLE,
        reason=_reason(reason, required=False),
    )


# -- the community itself ------------------------------------------------------------------------


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
    _require_open(community)
    reason = _reason(reason, required=False)
    community = Community.objects.select_for_update().get(pk=community.pk)
    before = {
        "name": community.name,
        "purpose": community.purpose,
        "rules": community.rules,
        "tags": sorted(community.tags.values_list("slug", flat=True)),
    }
    changed: list[str] = []
    if name is not None:
        name = _clean_text(name, field="name", max_length=120, required=True)
        if name != community.name:
            community.name, changed = name, [*changed, "name"]
    if purpose is not None:
        purpose = _clean_text(purpose, field="purpose", max_length=10000, required=False)
        if purpose != community.purpose:
            community.purpose, changed = purpose, [*changed, "purpose"]
    if rules is not None:
        rules = _clean_text(rules, field="rules", max_length=10000, required=False)
        if rules != community.rules:
            community.rules, changed = rules, [*changed, "rules"]
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
    _log(
        community=community,
        actor=actor,
        verb=Verb.EDIT,
        target=community,
        reason=reason,
        details={"changed": changed, "before": {k: before[k] for k in changed}},
    )
    return community


@transaction.atomic
def community_archive(*, actor: User, community: Community, reason: str) -> Community:
    """Archive a community: it stays readable and takes no new members. Safe to repeat."""
    check_moderate_community(actor, community)
    reason = _reason(reason)
    community = Community.objects.select_for_update().get(pk=community.pk)
    if community.status == Community.Status.ARCHIVED:
        return community
    community.status = Community.Status.ARCHIVED
    community.save(update_fields=["status", "updated_at"])
    _log(community=community, actor=actor, verb=Verb.ARCHIVE, target=community, reason=reason)
    for member in _members(community):
        _notify(
            member,
            title=_with_reason(f"{community.name} was archived", reason),
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


@transaction.atomic
def community_merge(
    *, actor: User, source: Community, target: Community, reason: str
) -> ModerationAction:
    """Merge ``source`` into ``target``: its members, posts and discussions move; ``source`` is
    archived with ``merged_into`` set, so its address redirects; the matcher learns to keep the
    two together. The actor moderates both.

    Both rows are locked (in id order, so two merges cannot deadlock): of two moderators racing,
    one succeeds and the other gets ModerationConflict. Safe to repeat for the same actor: the
    first merge's log entry comes back."""
    from matching.models import MatchConstraint, MatcherSuggestion

    if source.pk == target.pk:
        raise ValidationError({"target": "A community cannot be merged into itself."})
    source = Community.objects.get(pk=source.pk)  # as it stands now, not as the caller saw it
    target = Community.objects.get(pk=target.pk)
    check_moderate_community(actor, source)
    check_moderate_community(actor, target)
    reason = _reason(reason)
    locked = Community.objects.select_for_update().filter(pk__in=[source.pk, target.pk])
    rows = {c.pk: c for c in locked.order_by("pk")}
    source, target = rows[source.pk], rows[target.pk]
    if source.merged_into_id is not None:
        done = _last_action(community=target, verb=Verb.MERGE, target=source)
        if source.merged_into_id == target.pk and done is not None and done.actor_id == actor.pk:
            return done
        raise ModerationConflict(
            f"“{source.name}” has already been merged into another community; reload the page."
        )
    if target.merged_into_id is not None or target.status == Community.Status.ARCHIVED:
        raise ModerationConflict(f"“{target.name}” is archived; reload the page.")
    if source.status == Community.Status.ARCHIVED:
        raise ModerationConflict(f"“{source.name}” is archived; reload the page.")

    moved_members = _merge_memberships(source, target)
    placements = Placement.objects.select_for_update().filter(community=source)
    in_target = set(Placement.objects.filter(community=target).values_list("post_id", flat=True))
    placements.filter(post_id__in=in_target).delete()
    moved_posts = placements.update(community=target)
    moved_threads = Thread.objects.filter(community=source).update(community=target)
    Report.objects.filter(community=source, decision=Report.Decision.PENDING).update(
        community=target
    )
    MatcherSuggestion.objects.filter(
        models.Q(community=source) | models.Q(other_community=source),
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
    details = {
        "from": source.slug,
        "into": target.slug,
        "members": len(moved_members),
        "posts": moved_posts,
        "threads": moved_threads,
    }
    # Logged once, in the community that goes on: its log includes the merged one's history.
    action = _log(
        community=target,
        actor=actor,
        verb=Verb.MERGE,
        target=source,
        reason=reason,
        details=details,
    )
    for member in User.objects.filter(pk__in=moved_members):
        _notify(
            member,
            title=_with_reason(f"{source.name} was merged into {target.name}", reason),
            url=target.get_absolute_url(),
            actor=actor,
        )
    return action


def _merge_memberships(source: Community, target: Community) -> list[int]:
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
    _require_open(community)
    reason = _reason(reason)
    name = _clean_text(name, field="name", max_length=120, required=True)
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
    now = timezone.now()
    new = Community.objects.create(
        name=name,
        slug=unique_community_slug(name),
        purpose=_clean_text(purpose, field="purpose", max_length=10000, required=False),
        status=Community.Status.ACTIVE,
        activated_at=now,
        origin=Community.Origin.MEMBER,
        visibility=community.visibility,
        join_policy=community.join_policy,
        created_by=actor,
    )
    tags_assign(new, list(community.tags.all()))
    placements.update(community=new, placed_by=Placement.PlacedBy.MODERATOR, placed_by_user=actor)
    Membership.objects.create(
        user=actor, community=new, role=Membership.Role.OWNER, state=Membership.State.ACTIVE
    )
    authors = set(
        Membership.objects.filter(
            community=community,
            state=Membership.State.ACTIVE,
            user__posts__pk__in=wanted,
        )
        .exclude(user=actor)
        .values_list("user_id", flat=True)
    )
    Membership.objects.bulk_create(
        [Membership(user_id=pk, community=new) for pk in sorted(authors)], ignore_conflicts=True
    )
    details = {"into": new.slug, "from": community.slug, "posts": wanted, "name": name}
    _log(
        community=community,
        actor=actor,
        verb=Verb.SPLIT,
        target=new,
        reason=reason,
        details=details,
    )
    _log(community=new, actor=actor, verb=Verb.SPLIT, target=new, reason=reason, details=details)
    for author in User.objects.filter(pk__in=authors):
        _notify(
            author,
            title=_with_reason(
                f"Your post moved from {community.name} to the new community {new.name}", reason
            ),
            url=new.get_absolute_url(),
            actor=actor,
        )
    return new


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
    reason = _reason(reason)
    if user.pk == actor.pk:
        raise ValidationError({"user": "You cannot ban yourself."})
    if until is not None and until <= timezone.now():
        raise ValidationError({"until": "Choose a time in the future, or none for a lasting ban."})
    membership = _lock_membership(community=community, user=user)
    outranks = membership.role == Membership.Role.OWNER or not actor.has_perm(
        "communities.own_community", community
    )
    if membership.role != Membership.Role.MEMBER and not actor.is_staff and outranks:
        raise PermissionDenied("Only an owner can ban a moderator, and only staff an owner.")
    if membership.state == Membership.State.BANNED and membership.banned_until == until:
        return membership
    membership.state = Membership.State.BANNED
    membership.role = Membership.Role.MEMBER
    membership.banned_until = until
    membership.save(update_fields=["state", "role", "banned_until", "updated_at"])
    _log(
        community=community,
        actor=actor,
        verb=Verb.BAN,
        target=user,
        target_repr=user.username,
        reason=reason,
        details={"until": until.isoformat() if until else None},
    )
    when = f" until {until:%d %B %Y %H:%M} UTC" if until else ""
    _notify(
        user,
        title=_with_reason(f"You were banned from {community.name}{when}", reason),
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
    reason = _reason(reason, required=False)
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
    _log(
        community=community,
        actor=actor,
        verb=Verb.UNBAN,
        target=user,
        target_repr=user.username,
        reason=reason,
    )
    _notify(
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
    reason = _reason(reason, required=False)
    membership = (
        Membership.objects.select_for_update().filter(community=community, user=user).first()
    )
    if membership is None or membership.state != Membership.State.ACTIVE:
        raise ValidationError({"user": "Only an active member can become a moderator."})
    if membership.role != Membership.Role.MEMBER:
        return membership
    membership.role = Membership.Role.MODERATOR
    membership.save(update_fields=["role", "updated_at"])
    _log(
        community=community,
        actor=actor,
        verb=Verb.APPOINT,
        target=user,
        target_repr=user.username,
        reason=reason,
    )
    _notify(
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
    reason = _reason(reason, required=False)
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
    _log(
        community=community,
        actor=actor,
        verb=Verb.DISMISS,
        target=user,
        target_repr=user.username,
        reason=reason,
    )
    _notify(
        user,
        title=_with_reason(f"You are no longer a moderator of {community.name}", reason),
        url=community.get_absolute_url(),
        actor=actor,
    )
    return membership


# -- the matcher's proposals and suggestions -----------------------------------------------------


@transaction.atomic
def community_proposal_approve(
    *, actor: User, community: Community, reason: str = "", name: str | None = None
) -> Community:
    """Make a community the matcher proposed active now, optionally renamed. Safe to repeat."""
    check_moderate_community(actor, community)
    reason = _reason(reason, required=False)
    if name is not None:
        community = community_charter_edit(
            actor=actor, community=community, name=name, reason=reason
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
    _log(community=community, actor=actor, verb=Verb.APPROVE, target=community, reason=reason)
    for member in _invitees(community):
        _notify(
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
def community_proposal_reject(*, actor: User, community: Community, reason: str) -> Community:
    """Turn down a community the matcher proposed: it is archived. Safe to repeat."""
    check_moderate_community(actor, community)
    reason = _reason(reason)
    community = Community.objects.select_for_update().get(pk=community.pk)
    if community.status == Community.Status.ARCHIVED:
        return community
    if community.status != Community.Status.PROPOSED:
        raise ValidationError("Only a proposed community can be rejected.", code="not_proposed")
    community.status = Community.Status.ARCHIVED
    community.save(update_fields=["status", "updated_at"])
    _log(community=community, actor=actor, verb=Verb.REJECT, target=community, reason=reason)
    for member in _invitees(community):
        _notify(
            member,
            title=_with_reason(f"The proposed community {community.name} was not started", reason),
            url=community.get_absolute_url(),
            actor=actor,
        )
    return community


@transaction.atomic
def matcher_suggestion_accept(
    *, actor: User, suggestion: Any, reason: str = "", name: str = ""
) -> Community:
    """Carry out a merge or split the matcher suggested (the actor moderates every community
    involved). Returns the community the posts are in afterwards. Safe to repeat."""
    from matching.models import MatcherSuggestion

    check_moderate_community(actor, suggestion.community)
    suggestion = MatcherSuggestion.objects.select_for_update().get(pk=suggestion.pk)
    reason = _reason(reason, required=False) or suggestion.reason[:2000]
    if suggestion.state == MatcherSuggestion.State.DISMISSED:
        raise ModerationConflict("This suggestion was dismissed.")
    if suggestion.kind == MatcherSuggestion.Kind.MERGE:
        other = suggestion.other_community
        if other is None:
            raise ValidationError("This merge suggestion names no second community.")
        if suggestion.state == MatcherSuggestion.State.ACCEPTED:
            return suggestion.community
        community_merge(actor=actor, source=other, target=suggestion.community, reason=reason)
        result = suggestion.community
    else:
        done = suggestion.state == MatcherSuggestion.State.ACCEPTED
        if done:
            last = _last_action(
                community=suggestion.community, verb=Verb.ACCEPT_SUGGESTION, target=suggestion
            )
            slug = (last.details.get("into") if last else None) or ""
            return Community.objects.filter(slug=slug).first() or suggestion.community
        placed = set(
            Placement.objects.filter(
                community=suggestion.community, post_id__in=suggestion.post_ids
            ).values_list("post_id", flat=True)
        )
        result = community_split(
            actor=actor,
            community=suggestion.community,
            post_ids=sorted(placed),
            name=name or f"{suggestion.community.name}: a new group",
            reason=reason,
        )
    suggestion.state = MatcherSuggestion.State.ACCEPTED
    suggestion.save(update_fields=["state"])
    _log(
        community=suggestion.community,
        actor=actor,
        verb=Verb.ACCEPT_SUGGESTION,
        target=suggestion,
        target_repr=f"{suggestion.get_kind_display()} ({suggestion.reason[:150]})",
        reason=reason,
        details={"kind": suggestion.kind, "into": result.slug},
    )
    return result


@transaction.atomic
def matcher_suggestion_dismiss(*, actor: User, suggestion: Any, reason: str = "") -> Any:
    """Decline a merge or split the matcher suggested. Safe to repeat."""
    from matching.models import MatcherSuggestion

    check_moderate_community(actor, suggestion.community)
    reason = _reason(reason, required=False)
    suggestion = MatcherSuggestion.objects.select_for_update().get(pk=suggestion.pk)
    if suggestion.state == MatcherSuggestion.State.DISMISSED:
        return suggestion
    if suggestion.state == MatcherSuggestion.State.ACCEPTED:
        raise ModerationConflict("This suggestion was already accepted.")
    suggestion.state = MatcherSuggestion.State.DISMISSED
    suggestion.save(update_fields=["state"])
    _log(
        community=suggestion.community,
        actor=actor,
        verb=Verb.DISMISS_SUGGESTION,
        target=suggestion,
        target_repr=f"{suggestion.get_kind_display()} ({suggestion.reason[:150]})",
        reason=reason,
    )
    return suggestion


def match_run_start(*, actor: User, community: Community | None = None) -> Any:
    """Start a full match run from a review queue (a community's moderators, or staff for the
    site), or get the one already under way. Safe to repeat: one run at a time."""
    from matching.models import MatchRun
    from matching.services import match_run_request

    if community is None:
        check_moderate_site(actor)
    else:
        check_moderate_community(actor, community)
    before = set(
        MatchRun.objects.filter(
            status__in=[MatchRun.Status.QUEUED, MatchRun.Status.RUNNING]
        ).values_list("pk", flat=True)
    )
    run = match_run_request(actor=actor, trigger=MatchRun.Trigger.MANUAL)
    if run.pk not in before:
        _log(
            community=community,
            actor=actor,
            verb=Verb.START_RUN,
            target=run,
            target_repr=f"Match run #{run.pk}",
        )
    return run


# -- reports -------------------------------------------------------------------------------------

REPORT_TARGETS: dict[str, type[models.Model]] = {
    "post": Post,
    "reply": Reply,
    "thread": Thread,
    "community": Community,
}


def report_scope(target: Reportable, community: Community | None = None) -> Community | None:
    """The community whose moderators decide a report on ``target`` (None: site staff)."""
    if isinstance(target, Community):
        return None
    if isinstance(target, Thread):
        return target.community
    if isinstance(target, Reply):
        return target.thread.community if target.thread is not None else None
    if (
        community is not None
        and Placement.objects.filter(post=target, community=community).exists()
    ):
        return community
    return None


def _visible_to(user: User, target: Reportable) -> bool:
    from communities.selectors import post_visibility_filter

    if isinstance(target, Post):
        return Post.objects.filter(post_visibility_filter(user), pk=target.pk).exists()
    if isinstance(target, Thread | Reply):
        return target.status == ContentStatus.VISIBLE or user.is_staff
    return True


@transaction.atomic
def report_create(
    *, reporter: User, target: Reportable, reason: str, community: Community | None = None
) -> Report:
    """Report a post, reply, discussion or community, with a reason. Once per person and target:
    a repeat returns the first report. When reports from KINDRED_REPORTS_TO_HIDE distinct people
    are pending, the content is hidden until a moderator decides (communities are not hidden:
    they go to staff)."""
    scope = report_scope(target, community)
    check_report_in_community(reporter, scope)
    if isinstance(target, Community):
        check_view_community(reporter, target)
    if not _visible_to(reporter, target):
        raise Http404("Nothing to report here.")
    reason = _reason(reason)
    content_type = ContentType.objects.get_for_model(type(target))
    existing = Report.objects.filter(
        reporter=reporter, target_type=content_type, target_id=target.pk
    ).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            report = Report.objects.create(
                reporter=reporter,
                community=scope,
                target_type=content_type,
                target_id=target.pk,
                reason=reason,
            )
    except IntegrityError:  # the same person, twice at once
        return Report.objects.get(reporter=reporter, target_type=content_type, target_id=target.pk)
    pending = (
        Report.objects.filter(
            target_type=content_type, target_id=target.pk, decision=Report.Decision.PENDING
        )
        .values("reporter")
        .distinct()
        .count()
    )
    if pending >= settings.KINDRED_REPORTS_TO_HIDE and not isinstance(target, Community):
        _hide_reported(target, scope, pending)
    return report


def _hide_reported(target: Post | Reply | Thread, scope: Community | None, count: int) -> None:
    model = type(target)
    field = "moderation_status" if isinstance(target, Post) else "status"
    hidden = model.objects.filter(pk=target.pk, **{field: ContentStatus.VISIBLE}).update(
        **{field: ContentStatus.HIDDEN}
    )
    if hidden:
        _log(
            community=scope,
            actor=None,
            verb=Verb.HIDE,
            target=target,
            target_repr=getattr(target, "title", None) or str(target),
            reason=f"Reported by {count} people; hidden until a moderator decides.",
        )


def report_target(report: Report) -> Reportable | None:
    model = report.target_type.model_class()
    if model not in REPORT_TARGETS.values() or model is None:
        return None
    return model._default_manager.filter(pk=report.target_id).first()  # type: ignore[return-value]


@transaction.atomic
def report_decide(*, actor: User, report: Report, uphold: bool, reason: str) -> Report:
    """Decide a report, and with it every pending report on the same content in the same place.
    Upholding removes the content (a post leaves the community; on a site-wide report, it is
    removed everywhere; a community reported to staff is archived); dismissing shows hidden
    content again. The author hears the reason. Safe to repeat: a decided report is returned."""
    scope = report.community
    if scope is None:
        check_moderate_site(actor)
    else:
        check_moderate_community(actor, scope)
    reason = _reason(reason, required=uphold)
    report = Report.objects.select_for_update().get(pk=report.pk)
    if report.decision != Report.Decision.PENDING:
        return report
    target = report_target(report)
    siblings = Report.objects.filter(
        target_type=report.target_type,
        target_id=report.target_id,
        community=scope,
        decision=Report.Decision.PENDING,
    )
    now = timezone.now()
    decision = Report.Decision.UPHELD if uphold else Report.Decision.DISMISSED
    count = siblings.update(decision=decision, decided_by=actor, decided_at=now)
    if target is not None:
        if uphold:
            _uphold(actor=actor, target=target, scope=scope, reason=reason)
        else:
            _unhide(target)
    _log(
        community=scope,
        actor=actor,
        verb=Verb.UPHOLD_REPORT if uphold else Verb.DISMISS_REPORT,
        target=target if target is not None else report,
        target_repr=(getattr(target, "title", None) or str(target)) if target else str(report),
        reason=reason,
        details={"reports": count, "first_reason": report.reason[:500]},
    )
    report.refresh_from_db()
    return report


def _unhide(target: Reportable) -> None:
    if isinstance(target, Post):
        Post.objects.filter(pk=target.pk, moderation_status=ContentStatus.HIDDEN).update(
            moderation_status=ContentStatus.VISIBLE
        )
    elif isinstance(target, Thread | Reply):
        type(target).objects.filter(pk=target.pk, status=ContentStatus.HIDDEN).update(
            status=ContentStatus.VISIBLE
        )


def _uphold(*, actor: User, target: Reportable, scope: Community | None, reason: str) -> None:
    if isinstance(target, Post):
        if scope is not None:
            _unhide(target)  # it leaves this community; elsewhere it shows again
            if Placement.objects.filter(post=target, community=scope).exists():
                post_remove(actor=actor, post=target, community=scope, reason=reason)
        else:
            post_remove(actor=actor, post=target, reason=reason)
    elif isinstance(target, Thread):
        thread_remove(actor=actor, thread=target, reason=reason)
    elif isinstance(target, Reply):
        reply_remove(actor=actor, reply=target, reason=reason)
    elif isinstance(target, Community):
        community_archive(actor=actor, community=target, reason=reason)
