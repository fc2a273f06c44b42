"""Who may do what, as `rules` predicates; services call the check_* functions first."""

from __future__ import annotations

import rules
from django.core.exceptions import PermissionDenied

from communities.models import Community, Membership


@rules.predicate
def is_staff(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_staff)


@rules.predicate
def is_community_moderator(user, community: Community | None) -> bool:
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
    if not user.has_perm("communities.moderate_community", community):
        raise PermissionDenied("Only this community's moderators can do that.")
