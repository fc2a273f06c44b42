"""Views every deployment has: liveness and readiness, and the 403 and 429 pages."""

import secrets
import time

from allauth.core.internal import ratelimit as allauth_ratelimit
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views import defaults
from django.views.csrf import csrf_failure as django_csrf_failure
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.health import check_database, run_checks
from core.middleware import log_refusal


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


# allauth's limits, by the page they guard (allauth.account.app_settings.RATE_LIMITS).
_ALLAUTH_ACTIONS = {
    "account_login": "login",
    "account_signup": "signup",
    "account_reset_password": "reset_password",
    "account_reset_password_from_key": "reset_password_from_key",
    "account_change_password": "change_password",
    "account_set_password": "change_password",
    "account_email": "manage_email",
    "account_reauthenticate": "reauthenticate",
}


def _allauth_retry_after(request: HttpRequest) -> int:
    """Seconds until allauth lets this client through again on this page: for each limit that is
    used up, until its oldest counted attempt leaves the window. A limit per email address (which
    this page cannot know) is taken at its whole window."""
    match = getattr(request, "resolver_match", None)
    action = _ALLAUTH_ACTIONS.get((match.url_name if match else "") or "")
    if action is None:
        return 60
    now = time.time()
    waits, unknown = [], []
    for rate in allauth_ratelimit.get_rates(app="allauth.account", action=action):
        if rate.per == "key" or (rate.per == "user" and not request.user.is_authenticated):
            unknown.append(int(rate.duration))
            continue
        key = allauth_ratelimit.get_cache_key(
            request, app="allauth.account", action=action, rate=rate
        )
        history = [t for t in cache.get(key, []) if t > now - rate.duration]
        if len(history) >= rate.amount:
            waits.append(int(history[rate.amount - 1] + rate.duration - now) + 1)
    return max(waits or unknown or [1])


def too_many_requests(request):
    """allauth's answer when sign-up or log-in is rate limited (it looks for handler429 in the
    root URLconf): our page, with the real Retry-After."""
    retry_after = _allauth_retry_after(request)
    response = render(
        request,
        "429.html",
        {"message": f"Too many attempts from here for now. Try again in {retry_after} seconds."},
        status=429,
    )
    response["Retry-After"] = str(retry_after)
    return response


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The 403 page (handler403) for every PermissionDenied a page raises; its reason goes on the
    request's log line."""
    log_refusal(str(exception))
    return defaults.permission_denied(request, exception)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Django's page for a form sent without a valid CSRF token (CSRF_FAILURE_VIEW); the reason
    goes on the request's log line."""
    log_refusal(reason)
    return django_csrf_failure(request, reason=reason)
