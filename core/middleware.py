"""Pages answer a rate limit with 429 and Retry-After, and a conflict (core.errors.Conflict)
with 409."""

from __future__ import annotations

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
