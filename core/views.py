"""Views every deployment has: liveness and readiness, and the 429 page."""

import secrets

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.health import check_database, run_checks


@never_cache
@require_GET
def healthz(request):
    """Liveness: 200 while this process answers and reaches its database, else 503. Nothing of
    the internals is shown, and plain HTTP is allowed (SECURE_REDIRECT_EXEMPT), so a load
    balancer can ask it directly. A stopped worker or broker does not fail it: /readyz tells."""
    alive = check_database().ok
    return JsonResponse({"status": "ok" if alive else "unavailable"}, status=200 if alive else 503)


def _may_see_details(request: HttpRequest) -> bool:
    if request.user.is_authenticated and request.user.is_staff:
        return True
    token = settings.KINDRED_HEALTH_TOKEN
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    return bool(token) and secrets.compare_digest(given.encode(), token.encode())


@never_cache
@require_GET
def readyz(request):
    """Readiness: 200 when the database, the cache, the broker and a worker all answer, 503
    otherwise. Which part fails, and why, only for staff or with ``Authorization: Bearer
    <KINDRED_HEALTH_TOKEN>``."""
    checks = run_checks()
    ready = all(check.ok for check in checks)
    payload: dict = {"status": "ok" if ready else "unavailable"}
    if _may_see_details(request):
        payload["failing"] = [check.name for check in checks if not check.ok]
        payload["checks"] = {c.name: {"ok": c.ok, "detail": c.detail} for c in checks}
    return JsonResponse(payload, status=200 if ready else 503)


def too_many_requests(request):
    """allauth's answer when sign-up or log-in is rate limited (it looks for handler429 in the
    root URLconf): our page, with Retry-After."""
    response = render(
        request,
        "429.html",
        {"message": "Too many attempts from here for now."},
        status=429,
    )
    response["Retry-After"] = "60"
    return response
