"""Every read of tags, posts and communities, with visibility applied in one place."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Prefetch, Q, QuerySet

from communities.models import Community, Membership, Post, Tag
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
