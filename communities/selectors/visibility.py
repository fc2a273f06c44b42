"""Who may see what: the visibility of posts, communities, threads and replies, as conditions
every read applies (in one place, here). What outsiders may learn about a private community is
the rule below; every page, API route, log, notification, search and export that names a
community keeps it (tests/communities/test_private_community_matrix.py checks it as a matrix).

The privacy rule: what outsiders may learn about a private community
--------------------------------------------------------------------

- **Who sees it**: its members (and people invited to it) and site staff. Everyone else is an
  outsider: an anonymous visitor, a signed-in person, someone a member blocked, and a moderator
  of another community alike (moderating one community gives no look into another).
- **Outsiders never see** its name, its slug, that it is in an area (an area's count and list
  leave it out; an area holding nothing else they may see does not exist for them), its threads
  and their replies, or which posts are placed in it. A post belongs to its author and stays as
  public as any other post; only its place in the community is private.
- **Its address answers 404** to outsiders, never 403: the community page, its threads, its
  charter, its moderation log and the API's detail routes answer as if it did not exist, and a
  filter by its slug finds nothing (or is refused like an unknown slug).
- **Where it must be mentioned** to an outsider, in a public moderation log or a notice to the
  author of a post moved into or out of it, it is "a private community" (PRIVATE_COMMUNITY),
  with no link to it.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q

from communities.models import Community, ContentStatus, Membership, Post, Thread
from profiles.models import User

Viewer = User | AnonymousUser

PRIVATE_COMMUNITY = "a private community"


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


def community_name_for(viewer: Viewer, community: Community) -> str:
    """What ``viewer`` may call ``community``: its name, or "a private community" (the rule
    above). One query for a private community, none for a public one."""
    if community.visibility == Community.Visibility.PUBLIC:
        return community.name
    visible = Community.objects.filter(community_visibility_filter(viewer), pk=community.pk)
    return community.name if visible.exists() else PRIVATE_COMMUNITY
