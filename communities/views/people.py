"""A person's page and their settings. Both show what profiles keeps (name, bio, preferences)
with what communities keeps (their open posts, their communities, their interests as tags), so
they are composed here, above profiles. Their URL names stay in the ``profiles`` namespace
(config/urls.py joins communities.urls.people_urlpatterns to profiles.urls there)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from communities import selectors, services
from communities.forms import AccountDeleteForm, ProfileSettingsForm, add_service_error
from communities.models import Post
from core.client import client_key
from profiles import selectors as profile_selectors
from profiles import services as profile_services

POSTS_SHOWN = 20
COMMUNITIES_SHOWN = 24


def person_detail(request: HttpRequest, username: str) -> HttpResponse:
    """A person's page: who they are, what they are working on, where they take part."""
    person = get_object_or_404(profile_selectors.person_detail(username=username))
    posts = (
        selectors.post_list(viewer=request.user)
        .filter(author=person, status=Post.Status.OPEN)
        .order_by("-created_at", "-id")[:POSTS_SHOWN]
    )
    communities = selectors.community_list_of_member(viewer=request.user, member=person)
    return render(
        request,
        "profiles/detail.html",
        {
            "person": person,
            "posts": posts,
            "member_of": communities.order_by("name")[:COMMUNITIES_SHOWN],
        },
    )


@login_required
def profile_settings(request: HttpRequest) -> HttpResponse:
    """Edit one's display name, bio, interests, notification preferences and discoverability."""
    assert request.user.is_authenticated  # login_required
    profile = profile_services.profile_ensure(user=request.user)
    if request.method == "POST":
        form = ProfileSettingsForm(request.POST)
        if form.is_valid():
            try:
                services.profile_update_with_interests(user=request.user, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Your settings are saved.")
                return redirect("profiles:settings")
    else:
        form = ProfileSettingsForm(initial=ProfileSettingsForm.initial_for(profile))
    return render(request, "profiles/settings.html", {"form": form})


@login_required
@require_GET
def account_download(request: HttpRequest) -> HttpResponse:
    """Download one's data as a JSON file."""
    assert request.user.is_authenticated  # login_required
    data = selectors.account_export(user=request.user)
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    name = f"kindred-{request.user.get_username()}-{timezone.now():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def account_delete(request: HttpRequest) -> HttpResponse:
    """Delete one's account, choosing what happens to what one wrote; confirmed with the
    password, whose wrong guesses count in the account's log-in lockout; logged out
    afterwards."""
    assert request.user.is_authenticated  # login_required
    form = AccountDeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.account_delete(
                user=request.user, client=client_key(request), **form.cleaned_data
            )
        except ValidationError as error:
            add_service_error(form, error)
        except profile_services.LoginLocked as locked:
            # Too many wrong passwords for this account from here (the log-in lockout): the form
            # comes back with when to try again, as a 429 with Retry-After, like the log-in page.
            form.add_error("password", str(locked))
            response = render(request, "profiles/account_delete.html", {"form": form}, status=429)
            response["Retry-After"] = str(locked.retry_after)
            return response
        else:
            logout(request)
            messages.success(request, "Your account is deleted. Thank you for being here.")
            return redirect("home")
    return render(request, "profiles/account_delete.html", {"form": form})
