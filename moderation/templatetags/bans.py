"""What a banned person is told on the pages of communities (`{% load bans %}`): the pages live in
the communities app, below moderation, so they reach the ban's reason through this tag rather
than an import."""

from django import template

from moderation import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def ban_notice(context, community) -> selectors.BanNotice | None:
    """The viewer's ban from this community while it is in force, or None
    (`{% ban_notice community as ban %}`)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None:
        return None
    return selectors.ban_of(viewer=user, community=community)
