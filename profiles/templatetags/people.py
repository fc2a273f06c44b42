"""``{% person_actions person %}``: on a person's page, what the viewer can do about them: write
to them (or why not), block or unblock them, report them, and for site staff, ban them from the
site. Profiles owns messages and blocks; the page itself is communities' (people.person_detail)."""

from __future__ import annotations

from typing import Any

from django import template

from profiles import selectors
from profiles.models import User
from profiles.permissions import message_refusal

register = template.Library()


@register.inclusion_tag("profiles/_person_actions.html", takes_context=True)
def person_actions(context: template.Context, person: User) -> dict[str, Any]:
    request = context.get("request")
    viewer = getattr(request, "user", None)
    shown: dict[str, Any] = {
        "request": request,
        "person": person,
        "viewer": viewer,
        "others": False,
        "refusal": None,
        "blocked": False,
        "site_ban": None,
        "csrf_token": context.get("csrf_token"),
    }
    if viewer is None or not viewer.is_authenticated or viewer.pk == person.pk:
        return shown
    return {
        **shown,
        "others": True,
        "refusal": message_refusal(sender=viewer, recipient=person),
        "blocked": selectors.block_exists(blocker=viewer, blocked=person),
        "site_ban": selectors.site_ban_of(person) if viewer.is_staff else None,
    }
