"""Discussions: starting a thread in a community and replying in it."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q

from communities.models import Community, ContentStatus, Reply, Thread
from communities.permissions import check_reply_in_thread, check_take_part
from communities.services.communities import active_members, refuse_when_closed
from communities.services.text import clean_input
from core.ratelimit import rate_limit
from profiles.models import Notification, User
from profiles.services import notify


@transaction.atomic
def thread_start(*, author: User, community: Community, title: str, body: str) -> Thread:
    """Start a discussion in a community; the body is its first message. Preconditions: the
    author is an active member and the community is open. Not idempotent: each call adds one."""
    check_take_part(author, community)
    rate_limit(action="post", user=author)
    refuse_when_closed(community)
    title = clean_input(title, field="title", max_length=200, required=True, single_line=True)
    body = clean_input(body, field="body", max_length=10000, required=True)
    thread = Thread.objects.create(community=community, author=author, title=title)
    Reply.objects.create(thread=thread, author=author, body=body)
    Community.objects.filter(pk=community.pk).update(last_activity_at=thread.last_reply_at)
    return thread


@transaction.atomic
def thread_reply(*, author: User, thread: Thread, body: str) -> Reply:
    """Reply in a thread and tell the people who took part in it (by their preferences).
    Preconditions: the author is an active member whom the thread's author has not blocked; the
    thread is visible and not locked. Nobody who blocked the author hears of it.
    Not idempotent: each call adds a reply."""
    community = thread.community
    check_reply_in_thread(author, thread)
    rate_limit(action="reply", user=author)
    thread = Thread.objects.select_for_update().get(pk=thread.pk)
    if thread.locked:
        raise PermissionDenied("This thread is locked: it takes no more replies.")
    if thread.status != ContentStatus.VISIBLE:
        raise PermissionDenied("This thread was taken down; it takes no replies.")
    refuse_when_closed(community)
    body = clean_input(body, field="body", max_length=10000, required=True)
    reply = Reply.objects.create(thread=thread, author=author, body=body)
    Thread.objects.filter(pk=thread.pk).update(last_reply_at=reply.created_at)
    Community.objects.filter(pk=community.pk).update(last_activity_at=reply.created_at)
    participants = (
        active_members(community)
        .filter(Q(pk=thread.author_id) | Q(replies__thread=thread))
        .exclude(pk=author.pk)
        .distinct()
    )
    url = f"{thread.get_absolute_url()}#reply-{reply.pk}"
    for person in participants:
        notify(
            user=person,
            kind=Notification.Kind.REPLY,
            title=f"replied in “{thread.title[:120]}”",
            url=url,
            actor=author,
            names_actor=True,
        )
    return reply
