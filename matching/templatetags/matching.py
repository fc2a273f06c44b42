"""Matching's part of pages that communities renders: ``{% load matching %}``.

communities sits below matching and may not import it; its templates ask for matching's data
through these tags instead (the post page's peers and communities panel, the home page's peers
for one's open posts). Each renders or returns exactly what the page showed before.
"""

from __future__ import annotations

from django import template
from django.db.models import QuerySet

from communities.models import Post
from matching import selectors

register = template.Library()

OPEN_POSTS_SHOWN = 10


@register.inclusion_tag("matching/_post_matches.html", takes_context=True)
def post_matches(context: template.Context, post: Post) -> dict:
    """The peers and communities panel of a post page, for the viewer (``user``, as when the
    panel is rendered alone, for its "Message" links)."""
    viewer = context["request"].user
    return {**selectors.post_matches_panel(viewer=viewer, post=post), "user": viewer}


@register.simple_tag(takes_context=True)
def open_posts_with_peers(context: template.Context) -> QuerySet[Post]:
    """The viewer's open posts, newest first, each with its best peers in ``top_peers``:
    ``{% open_posts_with_peers as my_posts %}``."""
    user = context["request"].user
    return selectors.post_list_open_with_peers(viewer=user, author=user)[:OPEN_POSTS_SHOWN]
