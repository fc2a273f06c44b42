from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.stagekit import clear_login
from django.shortcuts import render

from profiles.selectors import site_ban_of
from profiles.services import profile_ensure


class AccountAdapter(DefaultAccountAdapter):
    """Every account made through sign-up gets its profile at once; a person banned from the site
    is told why and until when instead of being logged in."""

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
