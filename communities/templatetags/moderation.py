"""Template checks for the moderators' links, by the same rules the services apply."""

from django import template

register = template.Library()


@register.filter
def can_moderate(user, community) -> bool:
    return bool(user and user.has_perm("communities.moderate_community", community))


@register.filter
def can_rename_area(user, area) -> bool:
    """Staff, and moderators of an active community in the area (moderation/permissions.py)."""
    return bool(user and user.has_perm("moderation.rename_area", area))


@register.filter
def can_own(user, community) -> bool:
    """Owners and staff (moderation/permissions.py): they change how people join."""
    return bool(user and user.has_perm("moderation.own_community", community))
