"""Reads of matching results, with visibility applied in one place."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from communities.models import Community, Post, Tag
from communities.selectors import (
    Viewer,
    community_visibility_filter,
    placement_list_for_post,
    post_list,
)
from matching.models import CommunityFit, MatchRun, PeerSuggestion
from profiles import selectors as profile_selectors
from profiles.models import Notification, User


def post_peers(*, viewer: Viewer, post: Post) -> QuerySet[PeerSuggestion]:
    """A post's peers that may be shown: open posts by active people who let others find them.
    Checked when read, so a peer who hides a post or opts out disappears at once."""
    return (
        PeerSuggestion.objects.filter(
            post=post,
            declined=False,
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
    visible = community_visibility_filter(viewer, prefix="community__")
    return (
        CommunityFit.objects.filter(visible, post=post, declined=False)
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
            declined=False,
            peer__status=Post.Status.OPEN,
            peer__moderation_status="visible",
            peer__author__is_active=True,
            peer__author__profile__discoverable=True,
        )
        .select_related("peer__author__profile")
        .order_by("-score", "pk")
    )


def post_list_open_with_peers(*, viewer: Viewer, author: User, peers: int = 3) -> QuerySet[Post]:
    """``author``'s open posts, newest first, each with its best visible peers prefetched into
    ``top_peers`` (at most ``peers``), in a fixed number of queries."""
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


def post_matches_panel(*, viewer: Viewer, post: Post) -> dict:
    """What the peers and communities panel of a post page shows: its peers, the communities it
    is in, and the other communities it fits."""
    placements = list(placement_list_for_post(viewer=viewer, post=post))
    placed = {placement.community_id for placement in placements}
    fits = post_community_fits(viewer=viewer, post=post)
    author = viewer if isinstance(viewer, User) and post.author_id == viewer.pk else None
    return {
        "post": post,
        "is_author": author is not None,
        # Only the author hears of new peers, and only when their settings say so.
        "author_hears_peers": author is not None
        and profile_selectors.notification_wanted(user=author, kind=Notification.Kind.NEW_PEER),
        "author_findable": author is not None and profile_selectors.findable(user=author),
        "peers": post_peers(viewer=viewer, post=post),
        "placements": placements,
        "fits": [fit for fit in fits if fit.community_id not in placed],
    }
