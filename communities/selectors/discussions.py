"""Reads of discussions: threads and the messages in them."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from communities.models import Community, ContentStatus, Post, Reply, Thread
from communities.selectors.communities import active_community_ids, count_of
from communities.selectors.visibility import (
    Viewer,
    community_visibility_filter,
    post_visibility_filter,
    thread_visibility_filter,
)
from profiles.models import User


def thread_list_recent(*, viewer: User, limit: int = 5) -> QuerySet[Thread]:
    """Discussions lately active in the communities ``viewer`` is active in."""
    return (
        Thread.objects.filter(
            community__in=active_community_ids(viewer), status=ContentStatus.VISIBLE
        )
        .select_related("community", "author__profile")
        .order_by("-last_reply_at", "-pk")[:limit]
    )


def thread_list(*, viewer: Viewer, community: Community | None = None) -> QuerySet[Thread]:
    """Visible threads in communities the viewer may see, with message counts; pinned first,
    then the most recently active."""
    threads = Thread.objects.filter(thread_visibility_filter(viewer))
    if community is not None:
        threads = threads.filter(community=community)
    return (
        threads.select_related("community", "author__profile")
        .annotate(
            message_count=count_of(Reply.objects.filter(status=ContentStatus.VISIBLE), "thread")
        )
        .order_by("-pinned", "-last_reply_at", "-id")
    )


def thread_reply_list(*, viewer: Viewer, thread: Thread) -> QuerySet[Reply]:
    """A thread's visible messages, oldest first (the first is the opening message)."""
    return (
        Reply.objects.filter(thread=thread, status=ContentStatus.VISIBLE)
        .select_related("author__profile")
        .order_by("created_at", "pk")
    )


def reply_list(*, viewer: Viewer) -> QuerySet[Reply]:
    """Visible messages in visible threads of communities the viewer may see."""
    threads = thread_list(viewer=viewer).values("pk")
    return (
        Reply.objects.filter(thread__in=threads, status=ContentStatus.VISIBLE)
        .select_related("author__profile", "thread")
        .order_by("created_at", "pk")
    )


def reply_list_everywhere(*, viewer: Viewer) -> QuerySet[Reply]:
    """Visible replies the viewer may see: in visible threads of communities they may see, and
    on posts they may see."""
    threads = Thread.objects.filter(
        community__in=Community.objects.filter(community_visibility_filter(viewer)).values("pk"),
        status=ContentStatus.VISIBLE,
    ).values("pk")
    posts = Post.objects.filter(post_visibility_filter(viewer)).values("pk")
    return (
        Reply.objects.filter(status=ContentStatus.VISIBLE)
        .filter(Q(thread__in=threads) | Q(post__in=posts))
        .select_related("author__profile", "thread__community", "post")
    )
