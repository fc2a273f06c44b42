"""One's notifications: listed, opened and marked read. A person's page and settings show their
posts, communities and interests (tags): communities.views.people serves them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from profiles import selectors, services
from profiles.views import SignedInRequest


@login_required
def notification_list(request: SignedInRequest) -> HttpResponse:
    """One's notifications, newest first, a page at a time."""
    page = Paginator(selectors.notification_list(user=request.user), 30).get_page(
        request.GET.get("page")
    )
    return render(request, "profiles/notifications.html", {"page": page})


@login_required
@require_POST
def notifications_read(request: SignedInRequest) -> HttpResponse:
    """Mark one notification read (``id``), or all of them."""
    raw = request.POST.get("id", "")
    ids = [int(raw)] if raw.isdigit() and len(raw) < 19 else None
    count = services.notifications_mark_read(user=request.user, ids=ids)
    if ids is None:
        messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} read.")
    return redirect("profiles:notifications")


@login_required
def notification_open(request: SignedInRequest, pk: int) -> HttpResponse:
    """Open one of one's notifications: it is read from then on, and the page it is about is
    shown (the list, when it is about no page)."""
    notification = selectors.notification_list(user=request.user).filter(pk=pk).first()
    if notification is None:
        raise Http404("No such notification.")
    services.notifications_mark_read(user=request.user, ids=[notification.pk])
    target = notification.url
    if not target or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}
    ):
        return redirect("profiles:notifications")
    return redirect(target)
