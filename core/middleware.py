"""Pages answer a rate limit with 429 and Retry-After, and a conflict (core.errors.Conflict)
with 409, and a lost database connection with 503; a path with control characters is 404 before
any view sees it; every request has an id in its log lines and its X-Request-ID header."""

from __future__ import annotations

import logging
import re
import uuid

import structlog
from django.conf import settings
from django.core.signals import request_finished
from django.db import InterfaceError, OperationalError, connections
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import get_template

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


# How long a client should wait before trying again after the database connection broke.
DATABASE_RETRY_AFTER = 2

logger = logging.getLogger("kindred.degraded")


class DatabaseUnavailableMiddleware:
    """A database connection that broke during a request (the server restarted, a failover, an
    administrator's pg_terminate_backend) answers 503 with Retry-After, not 500: the request's
    transaction was rolled back whole, so trying again is safe and nothing is half-saved. A
    broken connection is closed; the next request opens a new one (CONN_HEALTH_CHECKS checks a
    reused one before its first query)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        # Operational and interface errors are the database's state (a lost connection, a
        # failover, a statement cancelled, too many clients), not a bug in the request: a bug
        # (ProgrammingError, DataError, IntegrityError) stays a 500.
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        for connection in connections.all(initialized_only=True):
            connection.close_if_unusable_or_obsolete()
        logger.error(
            "database unavailable during %s %s", request.method, request.path, exc_info=exception
        )
        if request.path.startswith("/api/"):
            response: HttpResponse = JsonResponse(
                {"detail": "The database connection was lost; nothing was saved. Try again."},
                status=503,
            )
        else:
            response = HttpResponse(get_template("503.html").render(), status=503)
        response["Retry-After"] = str(DATABASE_RETRY_AFTER)
        return response


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
        # django-structlog forgot the id when its middleware returned; a line logged after it
        # (Django logs a 4xx or 5xx after the last middleware, were its request logger not
        # discarded: config/logs.py) keeps the id until the response is closed.
        structlog.contextvars.bind_contextvars(request_id=request_id)
        return response


def log_refusal(reason: str) -> None:
    """Names why this request is refused on its one log line, django-structlog's
    "request_finished" (method, path, status, request id, user id): a refusal is an answer, not
    an error, and logs no traceback (config/logs.py)."""
    if reason:
        structlog.contextvars.bind_contextvars(reason=reason)


def _forget_request(**kwargs) -> None:
    structlog.contextvars.clear_contextvars()
