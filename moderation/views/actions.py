"""Carrying out the review queues' actions (views.action_table), from a community's queue or the
site's, and renaming an area. Each checks permission first, lets the form validate, calls one
service and comes back with what was done, or with why nothing was changed."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from communities import selectors as community_selectors
from communities.models import Community
from moderation import services
from moderation.forms import AreaRenameForm
from moderation.permissions import check_rename_area
from moderation.views.action_table import ACTIONS, QueueAction
from profiles.permissions import signed_in


def _nothing_changed(request: HttpRequest, problems: str, url: str) -> HttpResponse:
    messages.error(request, f"Nothing was changed. {problems}")
    return redirect(url)


def _form_problems(form: forms.Form) -> str:
    return "; ".join(
        f"{'' if field == '__all__' else field + ': '}{' '.join(str(e) for e in errors)}"
        for field, errors in form.errors.items()
    )


def _carry_out(
    request: HttpRequest, action: QueueAction, community: Community | None, back: str
) -> HttpResponse:
    # The permission check comes first: outsiders learn nothing from a form's errors.
    action.check(request.user, community)
    form = action.form(request.POST, community=community, viewer=request.user)
    if not form.is_valid():
        return _nothing_changed(request, _form_problems(form), back)
    try:
        message = action.carry_out(signed_in(request.user), community, form.cleaned_data)
    except ValidationError as error:
        return _nothing_changed(request, " ".join(error.messages), back)
    messages.success(request, message)
    if community is not None and action.done is not None:
        return redirect(action.done(community, form.cleaned_data))
    return redirect(back)


@require_POST
def community_action(request: HttpRequest, slug: str, action: str) -> HttpResponse:
    """Carry out one moderator's action from a community's review queue, then come back."""
    if action not in ACTIONS:
        raise Http404("No such action.")
    community = get_object_or_404(Community, slug=slug)
    return _carry_out(request, ACTIONS[action], community, ACTIONS[action].back(community))


@require_POST
def site_action(request: HttpRequest, action: str) -> HttpResponse:
    """Staff actions from the site-wide queue, in no community: decide a report, start a match
    run, remove or restore a post everywhere."""
    if action not in ACTIONS or not ACTIONS[action].on_site:
        raise Http404("No such action.")
    return _carry_out(request, ACTIONS[action], None, reverse("moderation:site"))


@require_POST
def area_rename(request: HttpRequest, slug: str) -> HttpResponse:
    """Rename an area (staff, and moderators of an active community in it), then back to its
    page. An area the person may not see is a 404, as one that does not exist."""
    area = get_object_or_404(community_selectors.area_list(viewer=request.user), slug=slug)
    check_rename_area(request.user, area)
    form = AreaRenameForm(request.POST)
    back = area.get_absolute_url()
    if not form.is_valid():
        return _nothing_changed(request, _form_problems(form), back)
    try:
        area = services.area_rename(actor=signed_in(request.user), area=area, **form.cleaned_data)
    except ValidationError as error:
        return _nothing_changed(request, " ".join(error.messages), back)
    messages.success(request, f"The area is now called {area.name}.")
    return redirect(back)
