"""Who may moderate what, as `rules` predicates; every moderation service calls one check_*
function first.

Roles: site staff; in a community, its owner, moderators and members; people banned from it. A
private community does not exist for outsiders: every check answers 404 to them, not 403. The
predicates communities itself needs (seeing a community, moderating it, taking part) stay in
communities/permissions.py.
"""

from __future__ import annotations

import rules
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from communities import selectors as community_selectors
from communities.models import Area, Community, Membership
from communities.permissions import (
    check_moderate_community,
    check_view_community,
    is_staff,
    surviving_community,
)
from profiles.permissions import is_signed_in


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


# -- areas -----------------------------------------------------------------------------------------
# An area is seen by whoever sees a live community in it (site staff: every area); to anyone else
# it does not exist, and every check about it answers as for an area that does not exist (404, or
# the same 400 as an unknown area when it is picked as a destination), so that its name and address
# cannot be confirmed by guessing.
#
# Moving a community between areas and renaming an area are for the people the community members
# chose to trust with a live community: a proposed community is one person's until enough people
# join (anyone signed in can found one), so it gives its owner no say over areas. Site staff may
# do both for any community and area.

NO_SUCH_AREA = "No such area."


@rules.predicate
def sees_area(user, area: Area | None) -> bool:
    """The area holds a live community the user may see (staff: any area); the same rule as the
    list of areas (communities.selectors.area_list)."""
    if area is None:
        return False
    return community_selectors.area_list(viewer=user).filter(pk=area.pk).exists()


@rules.predicate
def moderates_in_area(user, area: Area | None) -> bool:
    """An owner or moderator of an active community in the area: one that went live because
    enough people joined it (not a proposed one, which may be one person's, founded a minute
    ago), not archived, not merged away."""
    if area is None or not is_signed_in(user):
        return False
    return Membership.objects.filter(
        user=user,
        state=Membership.State.ACTIVE,
        role__in=[Membership.Role.MODERATOR, Membership.Role.OWNER],
        community__area=area,
        community__status=Community.Status.ACTIVE,
        community__merged_into__isnull=True,
    ).exists()


@rules.predicate
def went_live(user, community: Community | None) -> bool:
    """Active: it went live because enough people joined (archived ones refuse moves later,
    with their own message)."""
    return community is not None and community.status != Community.Status.PROPOSED


rules.add_perm("moderation.own_community", is_staff | is_community_owner)
rules.add_perm("moderation.rename_area", is_staff | moderates_in_area)
rules.add_perm("moderation.move_community_area", is_staff | went_live)
rules.add_perm("moderation.see_area", sees_area)
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
    """An area spans many communities. Site staff rename any area; otherwise the owners and
    moderators of an active community in it (see moderates_in_area: a proposed community, which
    anyone can found alone, does not count). An area the user may not see does not exist for them
    (404, as for an unknown address)."""
    if not user.has_perm("moderation.see_area", area):
        raise Http404(NO_SUCH_AREA)
    if not user.has_perm("moderation.rename_area", area):
        raise PermissionDenied(
            "Only site staff and moderators of an active community in this area can rename it."
        )


def check_move_community_area(user, community: Community) -> None:
    """Moving a community to another area: its moderators (404 to those who may not see it, 403
    to the others), once it is active (a proposed community is one person's until enough people
    join); site staff, any community."""
    check_moderate_community(user, community)
    if not user.has_perm("moderation.move_community_area", community):
        raise PermissionDenied(
            "A community moves to another area once it is active, when enough people have "
            "joined it."
        )


def check_pick_area(user, area: Area | None) -> None:
    """The destination of a move: no area, or one the user may see. An area hidden from them is
    refused in the words used for an area that does not exist (the forms and serializers offer
    only the areas the user may see, so they answer the same)."""
    if area is not None and not user.has_perm("moderation.see_area", area):
        raise ValidationError({"area": NO_SUCH_AREA}, code="invalid")


def check_moderate_content(user, community: Community | None) -> None:
    """Content in a community is its moderators' to decide; content outside any community (a
    post everywhere, a reply to a post, a community itself), site staff's."""
    if community is None:
        check_moderate_site(user)
    else:
        check_moderate_community(user, community)


__all__ = [
    "NO_SUCH_AREA",
    "check_moderate_community",
    "check_moderate_content",
    "check_moderate_site",
    "check_move_community_area",
    "check_own_community",
    "check_pick_area",
    "check_rename_area",
    "check_report_in_community",
    "check_set_join_policy",
    "check_view_community",
    "is_banned_from",
    "is_community_owner",
    "moderates_in_area",
    "sees_area",
    "went_live",
]
