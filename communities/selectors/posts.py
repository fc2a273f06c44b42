"""Reads of tags, posts, the replies to a post and where a post is placed."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from communities.models import Community, ContentStatus, Placement, Post, Reply, Tag
from communities.selectors.communities import active_community_ids
from communities.selectors.visibility import (
    Viewer,
    community_visibility_filter,
    post_visibility_filter,
)
from profiles.models import User


def tag_list(*, viewer: Viewer) -> QuerySet[Tag]:
    """Tags the viewer may know of: all but those used only by communities they may not see (a
    private community's tags would tell what it is about). A tag is known once a post they may
    see, a community they may see or someone's interests carry it."""
    if viewer.is_authenticated and viewer.is_staff:
        return Tag.objects.all()
    seen = Community.objects.filter(community_visibility_filter(viewer)).values("pk")
    unseen_only = Tag.objects.filter(communities__isnull=False).exclude(communities__in=seen)
    posts = Post.objects.filter(post_visibility_filter(viewer)).values("pk")
    public = Tag.objects.filter(Q(posts__in=posts) | Q(interested__isnull=False))
    return Tag.objects.exclude(Q(pk__in=unseen_only.values("pk")) & ~Q(pk__in=public.values("pk")))


def post_list(*, viewer: Viewer) -> QuerySet[Post]:
    return (
        Post.objects.filter(post_visibility_filter(viewer))
        .select_related("author__profile")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("slug")))
    )


def post_reply_list(*, viewer: Viewer, post: Post) -> QuerySet[Reply]:
    """The visible replies to a post, oldest first, with their authors."""
    return (
        Reply.objects.filter(post=post, status=ContentStatus.VISIBLE)
        .select_related("author__profile")
        .order_by("created_at", "pk")
    )


def placement_list_for_post(*, viewer: Viewer, post: Post) -> QuerySet[Placement]:
    """The communities a post is in, among those the viewer may see, best fit first."""
    visible = community_visibility_filter(viewer, prefix="community__")
    return (
        Placement.objects.filter(visible, post=post)
        .exclude(community__status=Community.Status.ARCHIVED)
        .select_related("community")
        .order_by("-pinned", "-score", "pk")
    )


def placement_list_recent(*, viewer: User, limit: int = 10) -> QuerySet[Placement]:
    """Posts placed lately in the communities ``viewer`` is active in, newest first."""
    return (
        Placement.objects.filter(community__in=active_community_ids(viewer))
        .filter(post__status=Post.Status.OPEN, post__moderation_status=ContentStatus.VISIBLE)
        .exclude(post__author=viewer)
        .select_related("post__author__profile", "community")
        .order_by("-created_at", "-pk")[:limit]
    )
