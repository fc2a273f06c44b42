"""The moderation log: a community's (private details for its moderators, the public version for
everyone else who sees it) and the whole site's (staff)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from communities.models import Community
from moderation import selectors
from moderation.permissions import check_moderate_site, check_view_community

PAGE_SIZE = 50


@require_GET
def community_log(request: HttpRequest, slug: str) -> HttpResponse:
    """The moderation log: private details for moderators, the public version for the rest."""
    community = get_object_or_404(Community, slug=slug)
    check_view_community(request.user, community)
    if community.merged_into is not None:
        return redirect("moderation:log", slug=community.merged_into.slug)
    private = request.user.has_perm("communities.moderate_community", community)
    page = Paginator(selectors.moderation_log(community=community), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "moderation/log.html",
        {
            "community": community,
            "page": page,
            "entries": selectors.log_lines(page.object_list, viewer=request.user, private=private),
            "private": private,
        },
    )


@require_GET
def site_log(request: HttpRequest) -> HttpResponse:
    """Every moderation action, in full (staff)."""
    check_moderate_site(request.user)
    page = Paginator(selectors.moderation_log_site(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "moderation/log.html",
        {
            "community": None,
            "page": page,
            "entries": selectors.log_lines(page.object_list, viewer=request.user, private=True),
            "private": True,
        },
    )
