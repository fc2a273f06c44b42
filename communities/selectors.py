"""Every read of tags, posts and communities, with visibility applied in one place."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Prefetch, Q, QuerySet

from communities.models import (
    Community,
    ContentStatus,
    Membership,
    Placement,
    Post,
    Reply,
    Tag,
    Thread,
)
from profiles.models import User

Viewer = User | AnonymousUser


def tag_list() -> QuerySet[Tag]:
    return Tag.objects.all()


def post_visibility_filter(viewer: Viewer) -> Q:
    """Posts a viewer may see: every post that is not hidden, and their own hidden ones."""
    if viewer.is_authenticated and viewer.is_staff:
        return Q()
    visible = ~Q(status=Post.Status.HIDDEN)
    if viewer.is_authenticated:
        visible |= Q(author=viewer)
    return visible


def post_list(*, viewer: Viewer) -> QuerySet[Post]:
    return (
        Post.objects.filter(post_visibility_filter(viewer))
        .select_related("author__profile")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("slug")))
    )


def community_visibility_filter(viewer: Viewer) -> Q:
    """Communities a viewer may see: public ones, and private ones they belong to (staff: all)."""
    if viewer.is_authenticated and viewer.is_staff:
        return Q()
    visible = Q(visibility=Community.Visibility.PUBLIC)
    if viewer.is_authenticated:
        visible |= Q(
            memberships__user=viewer,
            memberships__state__in=[Membership.State.ACTIVE, Membership.State.INVITED],
        )
    return visible


def community_list(*, viewer: Viewer) -> QuerySet[Community]:
    active = Q(memberships__state=Membership.State.ACTIVE)
    visible_ids = Community.objects.filter(community_visibility_filter(viewer)).values("pk")
    return (
        Community.objects.filter(pk__in=visible_ids)
        .annotate(
            member_count=Count("memberships", filter=active, distinct=True),
            post_count=Count("placements", distinct=True),
        )
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("slug")))
    )


def _active_community_ids(user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user, state=Membership.State.ACTIVE).values(
        "community_id"
    )


def community_list_of_member(*, viewer: Viewer, member: User) -> QuerySet[Community]:
    """The communities ``member`` is active in, among those ``viewer`` may see."""
    return community_list(viewer=viewer).filter(pk__in=_active_community_ids(member))


def community_invitations(*, user: User) -> QuerySet[Community]:
    """Proposed communities ``user`` was invited to and has not answered yet."""
    invited = Membership.objects.filter(user=user, state=Membership.State.INVITED).values(
        "community_id"
    )
    return community_list(viewer=user).filter(pk__in=invited, status=Community.Status.PROPOSED)


def post_list_open_with_peers(*, viewer: Viewer, author: User, peers: int = 3) -> QuerySet[Post]:
    """``author``'s open posts, newest first, each with its best visible peers prefetched into
    ``top_peers`` (at most ``peers``), in a fixed number of queries."""
    from matching.selectors import visible_peer_suggestions

    return (
        post_list(viewer=viewer)
        .filter(author=author, status=Post.Status.OPEN)
        .prefetch_related(
            Prefetch(
                "peer_suggestions",
                queryset=visible_peer_suggestions()[:peers],
                to_attr="top_peers",
            )
        )
    )


def placement_list_recent(*, viewer: User, limit: int = 10) -> QuerySet[Placement]:
    """Posts placed lately in the communities ``viewer`` is active in, newest first."""
    return (
        Placement.objects.filter(community__in=_active_community_ids(viewer))
        .filter(post__status=Post.Status.OPEN)
        .exclude(post__author=viewer)
        .select_related("post__author__profile", "community")
        .order_by("-created_at", "-pk")[:limit]
    )


def thread_list_recent(*, viewer: User, limit: int = 5) -> QuerySet[Thread]:
    """Discussions lately active in the communities ``viewer`` is active in."""
    return (
        Thread.objects.filter(
            community__in=_active_community_ids(viewer), status=ContentStatus.VISIBLE
        )
        .select_related("community", "author__profile")
        .order_by("-last_reply_at", "-pk")[:limit]
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
    visible = Community.objects.filter(community_visibility_filter(viewer)).values("pk")
    return (
        Placement.objects.filter(post=post, community__in=visible)
        .exclude(community__status=Community.Status.ARCHIVED)
        .select_related("community")
        .order_by("-pinned", "-score", "pk")
    )
