"""Reads of matching results, with visibility applied in one place."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from communities.models import Community, Post, Tag
from communities.selectors import Viewer, community_visibility_filter
from matching.models import CommunityFit, MatchRun, PeerSuggestion


def post_peers(*, viewer: Viewer, post: Post) -> QuerySet[PeerSuggestion]:
    """A post's peers that may be shown: open posts by active people who let others find them.
    Checked when read, so a peer who hides a post or opts out disappears at once."""
    return (
        PeerSuggestion.objects.filter(
            post=post,
            dismissed=False,
            peer__status=Post.Status.OPEN,
            peer__moderation_status="visible",
            peer__author__is_active=True,
            peer__author__profile__discoverable=True,
        )
        .select_related("peer__author__profile")
        .prefetch_related(Prefetch("peer__tags", queryset=Tag.objects.order_by("slug")))
        .order_by("-score", "pk")
    )


def post_community_fits(*, viewer: Viewer, post: Post) -> QuerySet[CommunityFit]:
    """Communities a post fits, among those the viewer may see; never archived ones."""
    visible = Community.objects.filter(community_visibility_filter(viewer)).values("pk")
    return (
        CommunityFit.objects.filter(post=post, dismissed=False, community__in=visible)
        .exclude(community__status=Community.Status.ARCHIVED)
        .select_related("community")
        .order_by("-confidence", "pk")
    )


def match_run_list() -> QuerySet[MatchRun]:
    return MatchRun.objects.select_related("requested_by").order_by("-created_at", "-pk")


def visible_peer_suggestions() -> QuerySet[PeerSuggestion]:
    """Peer suggestions that may be shown (the rules of ``post_peers``), for prefetching the peers
    of many posts at once."""
    return (
        PeerSuggestion.objects.filter(
            dismissed=False,
            peer__status=Post.Status.OPEN,
            peer__moderation_status="visible",
            peer__author__is_active=True,
            peer__author__profile__discoverable=True,
        )
        .select_related("peer__author__profile")
        .order_by("-score", "pk")
    )
