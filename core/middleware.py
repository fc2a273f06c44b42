"""Pages answer a rate limit with 429 and Retry-After, and a conflict (core.errors.Conflict)
with 409; a path with control characters is 404 before any view sees it."""

from __future__ import annotations

import re

from django.http import Http404, JsonResponse
from django.shortcuts import render

from core.errors import Conflict
from core.ratelimit import RateLimited


class AbuseAndConflictMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, RateLimited):
            response = render(request, "429.html", {"message": str(exception)}, status=429)
            response["Retry-After"] = str(exception.retry_after)
            return response
        if isinstance(exception, Conflict):
            return render(request, "409.html", {"message": str(exception)}, status=409)
        return None


_CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f]")


class ControlCharactersInPathMiddleware:
    """No URL of ours holds a control character; one that does (``/communities/a%00b/``) is 404.
    Without this a NUL reaches PostgreSQL in a slug lookup and the page answers 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _CONTROL_CHARACTERS.search(request.path):
            if request.path.startswith("/api/"):  # the API answers JSON, as its other 404s
                return JsonResponse({"detail": "Not found."}, status=404)
            raise Http404("No such page.")
        return self.get_response(request)
