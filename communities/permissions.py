"""Who may do what, as `rules` predicates; services call the check_* functions first."""

from __future__ import annotations

import rules
from django.core.exceptions import PermissionDenied
from django.http import Http404

from communities.models import Community, Membership


@rules.predicate
def is_staff(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_staff)


def surviving_community(community: Community | None) -> Community | None:
    """A merged community is run by the community it was merged into (its members moved)."""
    seen = 0
    while community is not None and community.merged_into_id is not None and seen < 5:
        community, seen = community.merged_into, seen + 1
    return community


@rules.predicate
def is_community_moderator(user, community: Community | None) -> bool:
    community = surviving_community(community)
    if community is None or not (user and user.is_authenticated and user.is_active):
        return False
    return Membership.objects.filter(
        user=user,
        community=community,
        state=Membership.State.ACTIVE,
        role__in=[Membership.Role.MODERATOR, Membership.Role.OWNER],
    ).exists()


can_moderate = is_staff | is_community_moderator
rules.add_perm("communities.moderate_community", can_moderate)


def check_moderate_community(user, community: Community) -> None:
    """404 when the user may not even see the community (a private one, to outsiders); 403 when
    they see it but do not moderate it."""
    check_view_community(user, community)
    if not user.has_perm("communities.moderate_community", community):
        raise PermissionDenied("Only this community's moderators can do that.")


@rules.predicate
def is_post_author(user, post) -> bool:
    return bool(user and user.is_authenticated and post.author_id == user.pk)


@rules.predicate
def post_author_reachable(user, post) -> bool:
    """The post's author lets others reach them through their posts."""
    author = post.author
    if author is None or not author.is_active:
        return False
    profile = getattr(author, "profile", None)
    return bool(profile and profile.discoverable)


@rules.predicate
def post_is_visible(user, post) -> bool:
    """Neither hidden by its author nor by moderators."""
    return post.status != "hidden" and post.moderation_status == "visible"


can_reply_to_post = is_post_author | (post_is_visible & post_author_reachable)
rules.add_perm("communities.reply_to_post", can_reply_to_post)


def check_reply_to_post(user, post) -> None:
    if not (user and user.is_authenticated and user.is_active):
        raise PermissionDenied("Log in to reply.")
    if not user.has_perm("communities.reply_to_post", post):
        raise PermissionDenied("The author of this post does not take replies from others.")


@rules.predicate
def is_active_member(user, community: Community | None) -> bool:
    if community is None or not (user and user.is_authenticated and user.is_active):
        return False
    return Membership.objects.filter(
        user=user, community=community, state=Membership.State.ACTIVE
    ).exists()


rules.add_perm("communities.take_part", is_active_member)


def check_take_part(user, community: Community) -> None:
    """Discussions, proposals and votes belong to a community's active members."""
    if not (user and user.is_authenticated and user.is_active):
        raise PermissionDenied("Log in and join this community to take part.")
    if not user.has_perm("communities.take_part", community):
        raise PermissionDenied("Only this community's members can do that. Join it first.")


# -- seeing a community ------------------------------------------------------------------------
# A private community does not exist for outsiders: every check answers 404 to them, not 403.
# The moderators' own rules (owners, bans, site staff) live in moderation/permissions.py.


@rules.predicate
def is_signed_in(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


@rules.predicate
def is_public_community(user, community: Community | None) -> bool:
    return community is not None and community.visibility == Community.Visibility.PUBLIC


@rules.predicate
def is_listed_in(user, community: Community | None) -> bool:
    """A member, or invited: the people a private community shows itself to."""
    community = surviving_community(community)
    if community is None or not is_signed_in(user):
        return False
    return Membership.objects.filter(
        user=user,
        community=community,
        state__in=[Membership.State.ACTIVE, Membership.State.INVITED],
    ).exists()


can_view_community = is_staff | is_public_community | is_listed_in
rules.add_perm("communities.view_community", can_view_community)


def check_view_community(user, community: Community) -> None:
    if not user.has_perm("communities.view_community", community):
        raise Http404("No such community.")
