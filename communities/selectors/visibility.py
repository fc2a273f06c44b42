"""Who may see what: the visibility of posts, communities, threads and replies, as conditions
every read applies (in one place, here)."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q

from communities.models import Community, ContentStatus, Membership, Post, Thread
from profiles.models import User

Viewer = User | AnonymousUser


def post_visibility_filter(viewer: Viewer, prefix: str = "") -> Q:
    """Posts a viewer may see: every post that is neither hidden by its author nor hidden or
    removed by moderators, and their own. A post its author deleted is gone for everyone.
    ``prefix`` ("post__") applies it to a related post, as a condition of the join rather than a
    list of every visible post."""
    not_deleted = ~Q(**{f"{prefix}moderation_status": ContentStatus.DELETED})
    if viewer.is_authenticated and viewer.is_staff:
        return not_deleted
    visible = ~Q(**{f"{prefix}status": Post.Status.HIDDEN}) & Q(
        **{f"{prefix}moderation_status": ContentStatus.VISIBLE}
    )
    if viewer.is_authenticated:
        visible |= Q(**{f"{prefix}author": viewer}) & not_deleted
    return visible


def community_visibility_filter(viewer: Viewer, prefix: str = "") -> Q:
    """Communities a viewer may see: public ones, and private ones they belong to or are invited
    to (staff: all). The viewer's memberships are a subquery of their own rows, not a join over
    everyone's: a community with thousands of members costs no more than one with three.
    ``prefix`` ("community__") applies it to a related community, as a condition of the join
    rather than a list of every visible community."""
    if viewer.is_authenticated and viewer.is_staff:
        return Q()
    visible = Q(**{f"{prefix}visibility": Community.Visibility.PUBLIC})
    if viewer.is_authenticated:
        mine = Membership.objects.filter(
            user=viewer, state__in=[Membership.State.ACTIVE, Membership.State.INVITED]
        ).values("community_id")
        visible |= Q(**{f"{prefix}pk__in": mine})
    return visible


def thread_visibility_filter(viewer: Viewer) -> Q:
    """Threads a viewer may see: visible threads in communities they may see (checked in the
    join, not against a list of every visible community)."""
    visible = community_visibility_filter(viewer, prefix="community__")
    return visible & Q(status=ContentStatus.VISIBLE)


def reply_visibility_filter(viewer: Viewer) -> Q:
    """Replies a viewer may see: visible messages in threads they may see, and visible replies
    to posts they may see."""
    threads = Thread.objects.filter(thread_visibility_filter(viewer)).values("pk")
    posts = Post.objects.filter(post_visibility_filter(viewer)).values("pk")
    return Q(status=ContentStatus.VISIBLE) & (Q(thread__in=threads) | Q(post__in=posts))
