"""Search over posts, threads and replies, and the list of recent posts. Both work without
JavaScript; with htmx the results are swapped in place as people type and the address bar
follows the search (each response says which address to show, without empty fields)."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.utils.http import urlencode

from communities import selectors
from communities.forms import (
    POSTS_PAGE_SIZE,
    SEARCH_PAGE_SIZE,
    RecentPostsForm,
    SearchForm,
)
from communities.models import Community, Placement
from core.htmx import HtmxHttpRequest, render_page_or_fragment

GROUP_SIZE = 5  # results of each kind when showing everything


def _filters(request: HtmxHttpRequest, criteria: dict[str, str]) -> dict[str, Any]:
    """The community and tag lists, with the chosen ones in them even if they are not popular."""
    communities = list(selectors.community_filter_choices(viewer=request.user))
    tags = list(selectors.tag_filter_choices(viewer=request.user))
    community = selectors.community_for_filter(viewer=request.user, slug=criteria["community"])
    if community is not None and community not in communities:
        communities.append(community)
    if criteria["tag"] and criteria["tag"] not in {tag.slug for tag in tags}:
        chosen = selectors.tag_list(viewer=request.user).filter(slug=criteria["tag"]).first()
        if chosen is not None:
            tags.append(chosen)
    return {"community": community, "communities": communities, "tags": tags}


def _search_results(
    request: HtmxHttpRequest, criteria: dict[str, str], community: Community | None
) -> dict[str, Any]:
    """Each kind's count; one page of the chosen kind, or the best few of every kind."""
    found = {
        kind: selectors.search_results(
            viewer=request.user,
            kind=kind,
            query=criteria["q"],
            community=community,
            tag=criteria["tag"],
        )
        for kind in selectors.SEARCH_KINDS
    }
    counts = {kind: rows.count() for kind, rows in found.items()}
    kind = criteria["kind"]
    if kind:
        page = Paginator(found[kind], SEARCH_PAGE_SIZE).get_page(request.GET.get("page"))
        hits = selectors.search_hits(list(page.object_list), kind, criteria["q"])
        groups = [(kind, selectors.SEARCH_KIND_NAMES[kind], counts[kind], hits)]
    else:
        page = None
        groups = [
            (
                each,
                selectors.SEARCH_KIND_NAMES[each],
                counts[each],
                selectors.search_hits(
                    list(found[each][:GROUP_SIZE]) if counts[each] else [], each, criteria["q"]
                ),
            )
            for each in selectors.SEARCH_KINDS
        ]
    return {"page": page, "groups": groups, "counts": counts, "total": sum(counts.values())}


def search_page(request: HtmxHttpRequest) -> HttpResponse:
    """/search/?q=...: posts, threads and replies the viewer may see, best first, grouped by
    kind (or one kind, paginated), filtered by community and tag."""
    form = SearchForm(request.GET or None)
    criteria = form.criteria()
    filters = _filters(request, criteria)
    unknown_community = bool(criteria["community"]) and filters["community"] is None
    query_string = urlencode({k: v for k, v in criteria.items() if v})
    context: dict[str, Any] = {
        "form": form,
        "criteria": criteria,
        **filters,
        "unknown_community": unknown_community,
        "query_string": query_string,
        "filters_string": urlencode(
            {k: v for k, v in criteria.items() if v and k in ("q", "community", "tag")}
        ),
        "total": 0,
    }
    if criteria["q"] and not unknown_community:
        context.update(_search_results(request, criteria, filters["community"]))
    counts = context.get("counts", {})
    context["kinds"] = [
        (k, selectors.SEARCH_KIND_NAMES[k], counts.get(k, 0)) for k in selectors.SEARCH_KINDS
    ]
    return render_page_or_fragment(
        request,
        page="communities/search.html",
        fragment="communities/_search_results.html",
        target="search-results",
        context=context,
        query_string=query_string,
    )


def post_recent(request: HtmxHttpRequest) -> HttpResponse:
    """/posts/: the posts the viewer may see, newest first, filtered by community and tag."""
    form = RecentPostsForm(request.GET or None)
    criteria = form.criteria()
    filters = _filters(request, criteria)
    posts = selectors.post_list(viewer=request.user).order_by("-created_at", "-id")
    if filters["community"] is not None:
        placed = Placement.objects.filter(community=filters["community"]).values("post_id")
        posts = posts.filter(pk__in=placed)
    elif criteria["community"]:
        posts = posts.none()  # no such community, or not one the viewer may see
    if criteria["tag"]:
        posts = posts.filter(tags__slug=criteria["tag"])
    page = Paginator(posts, POSTS_PAGE_SIZE).get_page(request.GET.get("page"))
    query_string = urlencode({k: v for k, v in criteria.items() if v})
    context = {
        "form": form,
        "criteria": criteria,
        **filters,
        "page": page,
        "query_string": query_string,
    }
    return render_page_or_fragment(
        request,
        page="communities/post_list.html",
        fragment="communities/_post_list.html",
        target="post-list",
        context=context,
        query_string=query_string,
    )
