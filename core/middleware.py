"""Pages answer a rate limit with 429 and Retry-After, and a conflict (core.errors.Conflict)
with 409; a path with control characters is 404 before any view sees it; every request has an id
in its log lines and its X-Request-ID header."""

from __future__ import annotations

import re
import uuid

import structlog
from django.conf import settings
from django.core.signals import request_finished
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


_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")


class RequestIdMiddleware:
    """Every request has an id, logged on each of its lines (django-structlog, the next middleware)
    and answered as ``X-Request-ID``, so a user's report or a proxy's log finds our lines.

    A well-formed id from the proxy in front is kept; anything else is replaced by a new one, so a
    client cannot put arbitrary text into the logs."""

    def __init__(self, get_response):
        self.get_response = get_response
        request_finished.connect(_forget_request, dispatch_uid="kindred-forget-request-id")

    def __call__(self, request):
        given = request.META.get("HTTP_X_REQUEST_ID", "")
        if not (settings.KINDRED_TRUST_UPSTREAM_REQUEST_ID and _REQUEST_ID.fullmatch(given)):
            request.META["HTTP_X_REQUEST_ID"] = str(uuid.uuid4())
        response = self.get_response(request)
        request_id = request.META["HTTP_X_REQUEST_ID"]
        response["X-Request-ID"] = request_id
        # django-structlog forgot the id when its middleware returned; Django still logs a 4xx or
        # 5xx after the last middleware ("Not Found: ..."), so the id stays until the response is
        # closed.
        structlog.contextvars.bind_contextvars(request_id=request_id)
        return response


def _forget_request(**kwargs) -> None:
    structlog.contextvars.clear_contextvars()
