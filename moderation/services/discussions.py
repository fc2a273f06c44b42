"""Moderators' writes about discussions (threads) and replies: pinning, locking, removing and
restoring them.

Each service checks permission first (a private community answers 404 to outsiders, 403 to people
who see it but may not act), runs in one transaction, writes its moderation log entry through
the shared writer, tells the author, and is safe to repeat: when the work is already done it
returns None or what it returned the first time, without logging or notifying again.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from communities.models import Community, ContentStatus, Reply, Thread
from moderation.models import ModerationAction
from moderation.permissions import check_moderate_community, check_moderate_content
from moderation.services.log import (
    Verb,
    clean_reason,
    log_write,
    tell,
    with_reason,
)
from profiles.models import User


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


def thread_or_reply_remove_upheld(*, actor: User, target: Thread | Reply, reason: str) -> None:
    """Remove a reported discussion or reply once a report on it is upheld. The caller
    (report_decide) has checked that ``actor`` decides reports where it lives and cleaned the
    reason."""
    community = target.community if isinstance(target, Thread) else _reply_community(target)
    _set_content_status(
        actor=actor, obj=target, community=community, status=ContentStatus.REMOVED, reason=reason
    )
