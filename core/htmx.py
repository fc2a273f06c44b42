"""htmx on the server: the request type that carries django-htmx's details, and the answer of a
page whose results htmx swaps in place (a search, a filtered list)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """A request as views see it behind django-htmx's HtmxMiddleware (settings.MIDDLEWARE):
    ``request.htmx`` is true for an htmx request and says which element it targets."""

    htmx: HtmxDetails


def render_page_or_fragment(
    request: HtmxHttpRequest,
    *,
    page: str,
    fragment: str,
    target: str,
    context: dict[str, Any],
    query_string: str,
) -> HttpResponse:
    """The whole page; or, for htmx swapping the element ``target``, only its ``fragment``, with
    the address bar set to the search as a link would write it (``query_string``, without empty
    fields)."""
    if request.htmx and request.htmx.target == target:
        response = render(request, fragment, context)
        response["HX-Push-Url"] = f"{request.path}?{query_string}" if query_string else request.path
    else:
        response = render(request, page, context)
    # The same address answers with a fragment for htmx and a page otherwise.
    patch_vary_headers(response, ["HX-Request"])
    return response
