"""An area's page: the communities in it, and, for the people who may, renaming it."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from communities import selectors
from communities.forms import PAGE_SIZE


def area_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The live communities of an area the viewer may see, most recently active first. An area
    with none the viewer may see does not exist for them (404)."""
    area = get_object_or_404(selectors.area_list(viewer=request.user), slug=slug)
    communities = selectors.community_directory(viewer=request.user, area=area.slug)
    page = Paginator(communities, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.communities_counted(page.object_list)
    return render(
        request,
        "communities/area_detail.html",
        {"area": area, "page": page, "next_url": request.get_full_path()},
    )
