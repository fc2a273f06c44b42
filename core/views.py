"""Views every deployment has: the health check and the 429 page."""

from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.health import run_checks


@never_cache
@require_GET
def healthz(request):
    """200 when the database, the broker and a worker all answer; 503 naming what failed."""
    checks = run_checks()
    healthy = all(check.ok for check in checks)
    payload = {
        "status": "ok" if healthy else "unhealthy",
        "failing": [check.name for check in checks if not check.ok],
        "checks": {check.name: {"ok": check.ok, "detail": check.detail} for check in checks},
    }
    return JsonResponse(payload, status=200 if healthy else 503)


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
