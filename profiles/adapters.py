"""Kindred's hooks into allauth: the account adapter, and the password-change form (allauth's
forms are set in ACCOUNT_FORMS; they live here, not in profiles.forms, which allauth's own forms
module imports for sign-up)."""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter, get_adapter
from allauth.account.forms import ChangePasswordForm as AllauthChangePasswordForm
from allauth.account.internal.stagekit import clear_login
from allauth.core import context
from django import forms
from django.http import HttpRequest
from django.shortcuts import render

from core.client import client_address, client_key
from profiles.selectors import site_ban_of
from profiles.services import (
    LoginAttempt,
    LoginLocked,
    login_attempt_begin,
    login_attempt_succeeded,
    login_lockout_clear,
    password_confirm,
    profile_ensure,
    tokens_revoke_all,
)


class AccountAdapter(DefaultAccountAdapter):
    """Every account made through sign-up gets its profile at once; a person banned from the site
    is told why and until when instead of being logged in. Log-ins go through Kindred's lockout
    (profiles/services/lockout.py: one per account, whatever the door), and allauth's own limits
    count per client behind the trusted proxies (core/client.py)."""

    _attempt: LoginAttempt | None  # the log-in under way, counted by pre_authenticate

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            profile_ensure(user=user)
        return user

    def pre_login(self, request, user, **kwargs):
        ban = site_ban_of(user)
        if ban is not None:
            clear_login(request)
            return render(request, "profiles/banned.html", {"ban": ban}, status=403)
        return super().pre_login(request, user, **kwargs)

    def set_password(self, user, password: str) -> None:
        """Every way allauth sets a password (the change and set pages, a reset link) ends the
        account's API tokens, so a leaked key does not outlive the password, and lifts its log-in
        lockout, so that its owner always gets back in with a reset."""
        super().set_password(user, password)
        tokens_revoke_all(user)
        login_lockout_clear(user=user)

    def get_client_ip(self, request: HttpRequest) -> str:
        return client_address(request)

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        login = str(credentials.get("email") or credentials.get("username") or "")
        try:
            self._attempt = login_attempt_begin(request, login=login)
        except LoginLocked as locked:
            # The log-in page answers 429 with Retry-After (profiles.views.accounts.login); the
            # token endpoint, 429 too.
            request.login_locked = locked  # type: ignore[attr-defined]
            raise forms.ValidationError(str(locked), code="too_many_login_attempts") from None

    def authenticate(self, request: HttpRequest, **credentials: Any):
        self._attempt = None
        user = super().authenticate(request, **credentials)
        if user is not None and self._attempt is not None:
            login_attempt_succeeded(self._attempt)
        return user


class ChangePasswordForm(AllauthChangePasswordForm):
    """allauth's password change, with the current password checked through the log-in lockout
    (profiles/services/lockout.py): a session holder's guesses count in the account's counters
    like failed log-ins from that address, and once they are used up the page refuses even the
    right password until the window ends (a 429 with Retry-After:
    profiles.views.accounts.password_change)."""

    def clean_oldpassword(self) -> str:
        assert self.user  # allauth's view gives the signed-in person
        request = context.request
        password = self.cleaned_data.get("oldpassword", "")
        try:
            right = password_confirm(user=self.user, password=password, client=client_key(request))
        except LoginLocked as locked:
            request.login_locked = locked
            raise forms.ValidationError(str(locked), code="too_many_login_attempts") from None
        if not right:
            raise get_adapter().validation_error("enter_current_password")
        return password
