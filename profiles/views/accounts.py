"""The log-in and password-change pages (allauth's, answering 429 when the account is locked from
here), the admin's log-in, and one's API tokens: listed, named, made and revoked on a settings
page."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from allauth.account.views import login as allauth_login
from allauth.account.views import password_change as allauth_password_change
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST

from profiles import selectors, services
from profiles.forms import TokenForm
from profiles.views import SignedInRequest


def login(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
    """allauth's log-in page. When the lockout refused the attempt (profiles/services/lockout.py),
    the form comes back with its message as a 429 with Retry-After, so scripts and proxies see
    it."""
    return _answer_locked(request, allauth_login(request, *args, **kwargs))


def password_change(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
    """allauth's password-change page, whose current password goes through the lockout
    (profiles.forms.ChangePasswordForm): refused, the form comes back as a 429 with Retry-After."""
    return _answer_locked(request, allauth_password_change(request, *args, **kwargs))


def _answer_locked(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    locked = getattr(request, "login_locked", None)
    if locked is not None and response.status_code == 200:
        response.status_code = 429
        response["Retry-After"] = str(locked.retry_after)
    return response


def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin logs in through the site's log-in page, so that its lockout after repeated
    failures (profiles/services/lockout.py) covers the admin too. A signed-in person without staff
    rights is refused rather than sent round in a loop."""
    next_url = request.GET.get(REDIRECT_FIELD_NAME, "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    next_url = next_url or reverse("admin:index")
    if request.user.is_authenticated:
        if request.user.is_active and request.user.is_staff:
            return redirect(next_url)
        raise PermissionDenied("The admin is for site staff.")
    return redirect(f"{reverse('account_login')}?{urlencode({REDIRECT_FIELD_NAME: next_url})}")


@login_required
def token_list(request: SignedInRequest) -> HttpResponse:
    """One's API tokens, and a form to make one. A new token's key is shown once, right here."""
    form = TokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        try:
            _, new_key = services.token_create(actor=request.user, name=form.cleaned_data["name"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            form = TokenForm()
    tokens = selectors.token_list(user=request.user)
    return render(
        request,
        "profiles/tokens.html",
        {
            "form": form,
            "tokens": tokens,
            "new_key": new_key,
            "token_days": settings.KINDRED_TOKEN_DAYS,
        },
    )


@login_required
@require_POST
def token_revoke(request: SignedInRequest, public_id: UUID) -> HttpResponse:
    """Revoke one of one's tokens; scripts using it are refused from then on."""
    token = selectors.token_list(user=request.user).filter(public_id=public_id).first()
    if token is None:
        raise Http404("No such token.")
    services.token_revoke(actor=request.user, token=token)
    messages.success(request, f"Revoked the token “{token.name}”.")
    return redirect("profiles:tokens")
