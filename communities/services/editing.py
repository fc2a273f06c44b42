"""One's own words in discussions: editing and deleting a thread or a reply (a reply in a thread
or on a post). Posts are edited and deleted in posts.py.

Each edit that changes the words is a new version in the object's history (django-simple-history,
with the author as the version's user) and marks it edited; a deletion is the author's own
"deleted" status (ContentStatus.DELETED): the row stays for the moderation log and the history,
and every list and page leaves it out. Moderators take content down with moderation's "remove".
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from communities.models import ContentStatus, Reply, Thread
from communities.permissions import check_delete_content, check_edit_content
from communities.services.text import clean_input
from profiles.models import User


def _refuse_unless_visible(obj: Thread | Reply) -> None:
    if obj.status == ContentStatus.DELETED:
        raise ValidationError("This was deleted.", code="deleted")
    if obj.status != ContentStatus.VISIBLE:
        raise ValidationError(
            "A moderator took this down; it cannot be edited now.", code="taken_down"
        )
    if isinstance(obj, Reply) and obj.thread is not None:
        _refuse_unless_visible(obj.thread)


@transaction.atomic
def thread_edit(*, actor: User, thread: Thread, title: str) -> Thread:
    """The thread's author renames it. Safe to repeat: the same title records nothing new."""
    check_edit_content(actor, thread)
    thread = Thread.objects.select_for_update().get(pk=thread.pk)
    _refuse_unless_visible(thread)
    title = clean_input(title, field="title", max_length=200, required=True, single_line=True)
    if title == thread.title:
        return thread
    thread.title, thread.edited_at = title, timezone.now()
    thread._history_user = actor  # type: ignore[attr-defined]
    thread.save(update_fields=["title", "edited_at"])
    return thread


@transaction.atomic
def thread_delete(*, actor: User, thread: Thread) -> Thread:
    """The thread's author deletes it: the discussion, with every message in it, is gone from the
    community for everyone (people who replied keep their words in their data download). Safe to
    repeat."""
    check_delete_content(actor, thread)
    thread = Thread.objects.select_for_update().get(pk=thread.pk)
    if thread.status == ContentStatus.DELETED:
        return thread
    thread.status = ContentStatus.DELETED
    thread._history_user = actor  # type: ignore[attr-defined]
    thread.save(update_fields=["status"])
    return thread


@transaction.atomic
def reply_edit(*, actor: User, reply: Reply, body: str) -> Reply:
    """The reply's author changes its words. Safe to repeat: the same words record nothing new."""
    check_edit_content(actor, reply)
    reply = Reply.objects.select_for_update().get(pk=reply.pk)
    _refuse_unless_visible(reply)
    body = clean_input(body, field="body", max_length=10000, required=True)
    if body == reply.body:
        return reply
    reply.body, reply.edited_at = body, timezone.now()
    reply._history_user = actor  # type: ignore[attr-defined]
    reply.save(update_fields=["body", "edited_at", "updated_at"])
    return reply


@transaction.atomic
def reply_delete(*, actor: User, reply: Reply) -> Reply:
    """The reply's author deletes it: it is gone for everyone. Safe to repeat."""
    check_delete_content(actor, reply)
    reply = Reply.objects.select_for_update().get(pk=reply.pk)
    if reply.status == ContentStatus.DELETED:
        return reply
    reply.status = ContentStatus.DELETED
    reply._history_user = actor  # type: ignore[attr-defined]
    reply.save(update_fields=["status", "updated_at"])
    return reply
