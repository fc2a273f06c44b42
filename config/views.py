from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.health import run_checks


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


def admin_login(request):
    """The admin logs in through the site's log-in page, so that its lockout after repeated
    failures (allauth's rate limits) covers the admin too. A signed-in person without staff
    rights is refused rather than sent round in a loop."""
    from django.contrib.auth import REDIRECT_FIELD_NAME
    from django.core.exceptions import PermissionDenied
    from django.shortcuts import redirect
    from django.urls import reverse
    from django.utils.http import url_has_allowed_host_and_scheme, urlencode

    next_url = request.GET.get(REDIRECT_FIELD_NAME, "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    next_url = next_url or reverse("admin:index")
    if request.user.is_authenticated:
        if request.user.is_active and request.user.is_staff:
            return redirect(next_url)
        raise PermissionDenied("The admin is for site staff.")
    return redirect(f"{reverse('account_login')}?{urlencode({REDIRECT_FIELD_NAME: next_url})}")


def too_many_requests(request):
    """allauth's answer when sign-up or log-in is rate limited (it looks for handler429 in the
    root URLconf): our page, with Retry-After."""
    from django.shortcuts import render

    response = render(
        request,
        "429.html",
        {"message": "Too many attempts from here for now."},
        status=429,
    )
    response["Retry-After"] = "60"
    return response
