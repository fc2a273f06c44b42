"""Moderators' writes about content: posts in a community or everywhere, their placements,
discussions and replies.

Each service checks permission first (a private community answers 404 to outsiders, 403 to people
who see it but may not act), runs in one transaction, writes its moderation log entries through
the shared writer, tells the author, and is safe to repeat: when the work is already done it
returns what it returned the first time without logging or notifying again.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404

from communities.models import Community, ContentStatus, Placement, Post, Reply, Thread
from matching.models import MatchConstraint
from moderation.models import ModerationAction
from moderation.permissions import check_moderate_community, check_moderate_content
from moderation.services.log import (
    Verb,
    clean_reason,
    log_last,
    log_write,
    require_open,
    tell,
    with_reason,
)
from profiles.models import User

# -- posts ---------------------------------------------------------------------------------------


def _keep_out(post: Post, community: Community) -> QuerySet[MatchConstraint]:
    return MatchConstraint.objects.filter(
        kind=MatchConstraint.Kind.KEEP_OUT, post=post, community=community
    )


@transaction.atomic
def placement_remove(*, actor: User, placement: Placement, reason: str) -> ModerationAction:
    """A moderator takes a post out of a community, with a reason. The matcher learns from it:
    later runs keep the post out. Safe to repeat (the constraint is recorded once)."""
    check_moderate_community(actor, placement.community)
    return _placement_take_out(actor=actor, placement=placement, reason=clean_reason(reason))


def _placement_take_out(*, actor: User, placement: Placement, reason: str) -> ModerationAction:
    community, post = placement.community, placement.post
    if placement.pk is not None:
        Placement.objects.filter(pk=placement.pk).delete()
    MatchConstraint.objects.get_or_create(
        kind=MatchConstraint.Kind.KEEP_OUT,
        post=post,
        community=community,
        defaults={"created_by": actor, "reason": reason[:500]},
    )
    return log_write(
        community=community,
        actor=actor,
        verb=Verb.REMOVE,
        target=post,
        target_repr=post.title,
        reason=reason,
        details={"from_community": community.slug},
    )


@transaction.atomic
def post_remove(
    *, actor: User, post: Post, reason: str, community: Community | None = None
) -> ModerationAction:
    """Take a post out of a community (its moderators), or hide it everywhere (staff, with no
    community). The reason goes to the author; the matcher keeps the post out of the community
    from now on. Safe to repeat."""
    check_moderate_content(actor, community)
    reason = clean_reason(reason)
    if community is None:
        return _post_remove_everywhere(actor=actor, post=post, reason=reason)
    return _post_take_out(actor=actor, post=post, community=community, reason=reason)


def _post_remove_everywhere(*, actor: User, post: Post, reason: str) -> ModerationAction:
    post = Post.objects.select_for_update().get(pk=post.pk)
    if post.moderation_status == ContentStatus.DELETED:
        raise ValidationError("Its author deleted this post.", code="deleted")
    if post.moderation_status == ContentStatus.REMOVED:
        done = log_last(community=None, verb=Verb.REMOVE, target=post)
        if done is not None:
            return done
    post.moderation_status = ContentStatus.REMOVED
    post.save(update_fields=["moderation_status", "updated_at"])
    action = log_write(
        community=None,
        actor=actor,
        verb=Verb.REMOVE,
        target=post,
        target_repr=post.title,
        reason=reason,
        details={"scope": "site"},
    )
    tell(
        post.author,
        title=with_reason(f"A moderator removed your post “{post.title[:80]}”", reason),
        url=post.get_absolute_url(),
        actor=actor,
    )
    return action


def _post_take_out(
    *, actor: User, post: Post, community: Community, reason: str
) -> ModerationAction:
    placement = Placement.objects.select_for_update().filter(post=post, community=community).first()
    if placement is None:
        done = log_last(community=community, verb=Verb.REMOVE, target=post)
        if done is not None and _keep_out(post, community).exists():
            return done
        raise Http404("This post is not in this community.")
    action = _placement_take_out(actor=actor, placement=placement, reason=reason)
    tell(
        post.author,
        title=with_reason(
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
    check_moderate_content(actor, community)
    reason = clean_reason(reason, required=False)
    if community is None:
        action = _post_show_everywhere(actor=actor, post=post, reason=reason)
    else:
        action = _post_put_back(actor=actor, post=post, community=community, reason=reason)
    if action is not None:
        tell(
            post.author,
            title=f"A moderator restored your post “{post.title[:80]}”.",
            url=post.get_absolute_url(),
            actor=actor,
        )
    return action


def _post_show_everywhere(*, actor: User, post: Post, reason: str) -> ModerationAction | None:
    post = Post.objects.select_for_update().get(pk=post.pk)
    if post.moderation_status in (ContentStatus.VISIBLE, ContentStatus.DELETED):
        return None  # nothing to restore, or its author's deletion stands
    post.moderation_status = ContentStatus.VISIBLE
    post.save(update_fields=["moderation_status", "updated_at"])
    return log_write(
        community=None,
        actor=actor,
        verb=Verb.RESTORE,
        target=post,
        target_repr=post.title,
        reason=reason,
        details={"scope": "site"},
    )


def _post_put_back(
    *, actor: User, post: Post, community: Community, reason: str
) -> ModerationAction | None:
    require_open(community)
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
    return log_write(
        community=community,
        actor=actor,
        verb=Verb.RESTORE,
        target=post,
        target_repr=post.title,
        reason=reason,
    )


@transaction.atomic
def post_move(
    *, actor: User, post: Post, source: Community, destination: Community, reason: str
) -> Placement:
    """Move a post from one community to another; the actor moderates both. The matcher keeps the
    post out of the first and in the second. Safe to repeat."""
    check_moderate_community(actor, source)
    check_moderate_community(actor, destination)
    reason = clean_reason(reason)
    if source.pk == destination.pk:
        raise ValidationError({"destination": "Choose another community."})
    require_open(destination)
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
        log_write(
            community=community,
            actor=actor,
            verb=Verb.MOVE,
            target=post,
            target_repr=post.title,
            reason=reason,
            details={"from": source.slug, "to": destination.slug},
        )
    tell(
        post.author,
        title=with_reason(
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
    reason = clean_reason(reason, required=False)
    placement = Placement.objects.select_for_update().filter(post=post, community=community).first()
    if placement is None:
        raise Http404("This post is not in this community.")
    if placement.pinned == pinned:
        return placement
    placement.pinned = pinned
    placement.save(update_fields=["pinned", "updated_at"])
    log_write(
        community=community,
        actor=actor,
        verb=Verb.PIN if pinned else Verb.UNPIN,
        target=post,
        target_repr=post.title,
        reason=reason,
    )
    return placement


# -- threads and replies -------------------------------------------------------------------------


def _reply_community(reply: Reply) -> Community | None:
    return reply.thread.community if reply.thread is not None else None


def _check_thread(actor: User, thread: Thread, community: Community | None) -> Community:
    """Check that ``actor`` moderates where they act (``community``, when a page or the API names
    one; else the thread's), then that the thread is there. Returns the community."""
    scope = community if community is not None else thread.community
    check_moderate_community(actor, scope)
    if thread.community_id != scope.pk:
        raise ValidationError({"thread": "Not a discussion of this community."})
    return scope


def _check_reply(actor: User, reply: Reply, community: Community | None) -> Community | None:
    """Like _check_thread; a reply to a post (in no discussion) is site staff's. Returns the
    community, or None for staff's."""
    scope = community if community is not None else _reply_community(reply)
    check_moderate_content(actor, scope)
    if community is not None and (
        reply.thread is None or reply.thread.community_id != community.pk
    ):
        raise ValidationError({"reply": "Not a reply in this community."})
    return scope


@transaction.atomic
def thread_pin(
    *,
    actor: User,
    thread: Thread,
    pinned: bool = True,
    reason: str = "",
    community: Community | None = None,
) -> Thread:
    """Pin a discussion to the top of its community (or unpin it). ``community``, when given, is
    where the moderator acts; the discussion must be there. Safe to repeat."""
    _check_thread(actor, thread, community)
    reason = clean_reason(reason, required=False)
    thread = Thread.objects.select_for_update().get(pk=thread.pk)
    if thread.pinned == pinned:
        return thread
    thread.pinned = pinned
    thread.save(update_fields=["pinned"])
    log_write(
        community=thread.community,
        actor=actor,
        verb=Verb.PIN if pinned else Verb.UNPIN,
        target=thread,
        target_repr=thread.title,
        reason=reason,
    )
    return thread


@transaction.atomic
def thread_lock(
    *,
    actor: User,
    thread: Thread,
    locked: bool = True,
    reason: str = "",
    community: Community | None = None,
) -> Thread:
    """Lock a discussion against new replies (or unlock it). ``community``, when given, is where
    the moderator acts; the discussion must be there. Safe to repeat."""
    _check_thread(actor, thread, community)
    reason = clean_reason(reason, required=False)
    thread = Thread.objects.select_for_update().get(pk=thread.pk)
    if thread.locked == locked:
        return thread
    thread.locked = locked
    thread.save(update_fields=["locked"])
    log_write(
        community=thread.community,
        actor=actor,
        verb=Verb.LOCK if locked else Verb.UNLOCK,
        target=thread,
        target_repr=thread.title,
        reason=reason,
    )
    if locked:
        tell(
            thread.author,
            title=with_reason(f"A moderator locked your discussion “{thread.title[:80]}”", reason),
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
    if obj.status in (status, ContentStatus.DELETED):  # its author's deletion stands
        return None
    obj.status = status
    obj.save(update_fields=["status"])
    removing = status == ContentStatus.REMOVED
    label = f"“{obj.title[:80]}”" if isinstance(obj, Thread) else "reply"
    action = log_write(
        community=community,
        actor=actor,
        verb=Verb.REMOVE if removing else Verb.RESTORE,
        target=obj,
        target_repr=str(obj),
        reason=reason,
    )
    what = "discussion" if isinstance(obj, Thread) else "reply"
    text = (
        with_reason(f"A moderator removed your {what} {label}", reason)
        if removing
        else f"A moderator restored your {what} {label}."
    )
    tell(obj.author, title=text, url=_content_url(obj), actor=actor)
    return action


def _content_url(obj: Thread | Reply) -> str:
    if isinstance(obj, Thread):
        return obj.get_absolute_url()
    if obj.thread is not None:
        return f"{obj.thread.get_absolute_url()}#reply-{obj.pk}"
    return f"{obj.post.get_absolute_url()}#reply-{obj.pk}" if obj.post is not None else ""


@transaction.atomic
def thread_remove(
    *, actor: User, thread: Thread, reason: str, community: Community | None = None
) -> ModerationAction | None:
    """Remove a discussion, with a reason sent to its author. Safe to repeat (None when done)."""
    community = _check_thread(actor, thread, community)
    return _set_content_status(
        actor=actor,
        obj=thread,
        community=community,
        status=ContentStatus.REMOVED,
        reason=clean_reason(reason),
    )


@transaction.atomic
def thread_restore(
    *, actor: User, thread: Thread, reason: str = "", community: Community | None = None
) -> ModerationAction | None:
    """Show a removed or hidden discussion again. Safe to repeat (None when nothing to do)."""
    community = _check_thread(actor, thread, community)
    return _set_content_status(
        actor=actor,
        obj=thread,
        community=community,
        status=ContentStatus.VISIBLE,
        reason=clean_reason(reason, required=False),
    )


@transaction.atomic
def reply_remove(
    *, actor: User, reply: Reply, reason: str, community: Community | None = None
) -> ModerationAction | None:
    """Remove a reply, with a reason sent to its author: in a discussion, its community's
    moderators; on a post, site staff. Safe to repeat (None when already removed)."""
    community = _check_reply(actor, reply, community)
    return _set_content_status(
        actor=actor,
        obj=reply,
        community=community,
        status=ContentStatus.REMOVED,
        reason=clean_reason(reason),
    )


@transaction.atomic
def reply_restore(
    *, actor: User, reply: Reply, reason: str = "", community: Community | None = None
) -> ModerationAction | None:
    """Show a removed or hidden reply again. Safe to repeat (None when nothing to do)."""
    community = _check_reply(actor, reply, community)
    return _set_content_status(
        actor=actor,
        obj=reply,
        community=community,
        status=ContentStatus.VISIBLE,
        reason=clean_reason(reason, required=False),
    )


# -- after a report ------------------------------------------------------------------------------


def content_unhide(target: Post | Thread | Reply) -> None:
    """Show content that reports hid again (a dismissed report); removed content stays removed."""
    if isinstance(target, Post):
        Post.objects.filter(pk=target.pk, moderation_status=ContentStatus.HIDDEN).update(
            moderation_status=ContentStatus.VISIBLE
        )
    else:
        type(target).objects.filter(pk=target.pk, status=ContentStatus.HIDDEN).update(
            status=ContentStatus.VISIBLE
        )


def content_remove_upheld(
    *, actor: User, target: Post | Thread | Reply, scope: Community | None, reason: str
) -> None:
    """Remove reported content once a report on it is upheld: a post leaves the community the
    report was made in (elsewhere it shows again), or is removed everywhere on a site-wide report.
    The caller (report_decide) has checked that ``actor`` decides reports in ``scope``, which is
    where this content lives, and cleaned the reason."""
    if isinstance(target, Post):
        if scope is None:
            _post_remove_everywhere(actor=actor, post=target, reason=reason)
            return
        content_unhide(target)
        if Placement.objects.filter(post=target, community=scope).exists():
            _post_take_out(actor=actor, post=target, community=scope, reason=reason)
        return
    community = target.community if isinstance(target, Thread) else _reply_community(target)
    _set_content_status(
        actor=actor, obj=target, community=community, status=ContentStatus.REMOVED, reason=reason
    )
