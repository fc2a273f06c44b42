"""Site staff's page for banning a person from the whole site and lifting the ban. Plain forms,
so it works without JavaScript; the services check that the actor is staff, as for the API."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from moderation import services
from moderation.forms import SiteBanForm, SiteUnbanForm
from moderation.permissions import check_moderate_site
from profiles.models import User
from profiles.permissions import signed_in
from profiles.selectors import site_ban_of


def day_start(day: date | None) -> datetime | None:
    """The moment a chosen day begins, in UTC (a ban "until 9 December" ends then)."""
    return datetime.combine(day, time.min, tzinfo=UTC) if day else None


def _page(
    request: HttpRequest, person: User, ban_form: SiteBanForm, status: int = 200
) -> HttpResponse:
    context = {
        "person": person,
        "ban": site_ban_of(person),
        "form": ban_form,
        "unban_form": SiteUnbanForm(),
    }
    return render(request, "moderation/site_ban.html", context, status=status)


def site_ban(request: HttpRequest, username: str) -> HttpResponse:
    """A person's site-wide ban: see it, ban them (or change the ban), or lift it."""
    check_moderate_site(request.user)
    person = get_object_or_404(User, username=username)
    form = SiteBanForm(request.POST or None)
    if request.method != "POST":
        return _page(request, person, form)
    if not form.is_valid():
        return _page(request, person, form, status=400)
    try:
        ban = services.site_ban(
            actor=signed_in(request.user),
            user=person,
            reason=form.cleaned_data["reason"],
            until=day_start(form.cleaned_data["until"]),
        )
    except ValidationError as error:
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return _page(request, person, form, status=400)
    messages.success(request, f"{person.username} is banned from the site {ban.until_text}.")
    return redirect("moderation:site-ban", username=person.username)


@require_POST
def site_unban(request: HttpRequest, username: str) -> HttpResponse:
    check_moderate_site(request.user)
    person = get_object_or_404(User, username=username)
    form = SiteUnbanForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    lifted = services.site_unban(actor=signed_in(request.user), user=person, reason=reason)
    messages.success(
        request,
        f"{person.username}'s ban is lifted." if lifted else f"{person.username} was not banned.",
    )
    return redirect("moderation:site-ban", username=person.username)
