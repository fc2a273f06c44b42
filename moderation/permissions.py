"""Who may moderate what, as `rules` predicates; every moderation service calls one check_*
function first.

Roles: site staff; in a community, its owner, moderators and members; people banned from it. A
private community does not exist for outsiders: every check answers 404 to them, not 403. The
predicates communities itself needs (seeing a community, moderating it, taking part) stay in
communities/permissions.py.
"""

from __future__ import annotations

import rules
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from communities.models import Area, Community, Membership
from communities.permissions import (
    check_moderate_community,
    check_view_community,
    is_signed_in,
    is_staff,
    surviving_community,
)


@rules.predicate
def is_community_owner(user, community: Community | None) -> bool:
    community = surviving_community(community)
    if community is None or not is_signed_in(user):
        return False
    return Membership.objects.filter(
        user=user, community=community, state=Membership.State.ACTIVE, role=Membership.Role.OWNER
    ).exists()


@rules.predicate
def is_banned_from(user, community: Community | None) -> bool:
    """Banned now: permanently, or until a time still to come."""
    community = surviving_community(community)
    if community is None or not is_signed_in(user):
        return False
    membership = Membership.objects.filter(
        user=user, community=community, state=Membership.State.BANNED
    ).first()
    return membership is not None and (
        membership.banned_until is None or membership.banned_until > timezone.now()
    )


@rules.predicate
def moderates_in_area(user, area: Area | None) -> bool:
    """An owner or moderator of a live (active or proposed) community in the area."""
    if area is None or not is_signed_in(user):
        return False
    return Membership.objects.filter(
        user=user,
        state=Membership.State.ACTIVE,
        role__in=[Membership.Role.MODERATOR, Membership.Role.OWNER],
        community__area=area,
        community__status__in=[Community.Status.ACTIVE, Community.Status.PROPOSED],
        community__merged_into__isnull=True,
    ).exists()


rules.add_perm("moderation.own_community", is_staff | is_community_owner)
rules.add_perm("moderation.rename_area", is_staff | moderates_in_area)
rules.add_perm("moderation.report_in_community", is_signed_in & ~is_banned_from)
rules.add_perm("moderation.moderate_site", is_staff)


def check_own_community(
    user, community: Community, *, what: str = "appoint and remove moderators"
) -> None:
    check_view_community(user, community)
    if not user.has_perm("moderation.own_community", community):
        raise PermissionDenied(f"Only this community's owners can {what}.")


def check_set_join_policy(user, community: Community) -> None:
    """Who may join is the owners' to decide (and staff's)."""
    check_own_community(user, community, what="change how people join")


def check_report_in_community(user, community: Community | None) -> None:
    if community is not None:
        check_view_community(user, community)
    if not is_signed_in(user):
        raise PermissionDenied("Log in to report something.")
    if community is None:
        return
    if not user.has_perm("moderation.report_in_community", community):
        raise PermissionDenied("You are banned from this community.")


def check_moderate_site(user) -> None:
    if not user.has_perm("moderation.moderate_site"):
        raise PermissionDenied("Only site staff can do that.")


def check_rename_area(user, area: Area) -> None:
    """An area spans many communities: site staff, and the moderators of one of them, name it."""
    if not user.has_perm("moderation.rename_area", area):
        raise PermissionDenied(
            "Only site staff and moderators of a community in this area can rename it."
        )


def check_moderate_content(user, community: Community | None) -> None:
    """Content in a community is its moderators' to decide; content outside any community (a
    post everywhere, a reply to a post, a community itself), site staff's."""
    if community is None:
        check_moderate_site(user)
    else:
        check_moderate_community(user, community)


__all__ = [
    "check_moderate_community",
    "check_moderate_content",
    "check_moderate_site",
    "check_own_community",
    "check_rename_area",
    "check_report_in_community",
    "check_set_join_policy",
    "check_view_community",
    "is_banned_from",
    "is_community_owner",
    "moderates_in_area",
]
