"""The report form: anyone signed in reports a post, reply, discussion, community, person or
direct message to the moderators who decide it, with a reason."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from communities.models import Community, Reply
from moderation import services
from moderation.forms import ReportForm
from moderation.models import REPORT_TARGETS, Reportable
from moderation.permissions import check_view_community
from profiles.models import Message, User


def _login_first(request: HttpRequest) -> HttpResponse:
    return redirect(f"{reverse('account_login')}?next={request.get_full_path()}")


def report(request: HttpRequest, target_type: str, pk: int) -> HttpResponse:
    """Report a post, reply, discussion, community, person or direct message, with a reason
    (anyone signed in)."""
    model = REPORT_TARGETS.get(target_type)
    if model is None:
        raise Http404("Nothing to report there.")
    target = cast(Reportable, get_object_or_404(model, pk=pk))
    if not request.user.is_authenticated and model in (User, Message):
        return _login_first(request)
    if not services.report_target_visible(request.user, target):
        raise Http404("Nothing to report there.")
    community = None
    if slug := request.GET.get("community") or request.POST.get("community"):
        community = Community.objects.filter(slug=slug).first()
    scope = target if isinstance(target, Community) else services.report_scope(target, community)
    if scope is not None:
        check_view_community(request.user, scope)
    if not request.user.is_authenticated:
        return _login_first(request)
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.report_create(
            reporter=request.user,
            target=target,
            community=community,
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, "Thank you. The moderators will look at it.")
        return redirect(_target_url(target))
    return render(
        request,
        "moderation/report.html",
        {"form": form, "target": target, "target_type": target_type, "community": community},
    )


def _target_url(target: Reportable) -> str:
    if isinstance(target, User):
        return reverse("profiles:detail", kwargs={"username": target.username})
    if isinstance(target, Reply):
        parent = target.thread or target.post
        return parent.get_absolute_url() if parent is not None else reverse("home")
    return target.get_absolute_url()
