from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST

from communities import selectors as community_selectors
from profiles import selectors, services
from profiles.forms import SettingsForm


def profile_detail(request, username: str):
    """A person's page: who they are, what they are working on, where they take part."""
    person = get_object_or_404(selectors.person_detail(username=username))
    posts = (
        community_selectors.post_list(viewer=request.user)
        .filter(author=person, status="open")
        .order_by("-created_at", "-id")[:20]
    )
    communities = community_selectors.community_list_of_member(
        viewer=request.user, member=person
    ).order_by("name")[:24]
    return render(
        request,
        "profiles/detail.html",
        {"person": person, "posts": posts, "member_of": communities},
    )


@login_required
def profile_settings(request):
    """Edit one's display name, bio, interests, notification preferences and discoverability."""
    profile = services.profile_ensure(user=request.user)
    if request.method == "POST":
        form = SettingsForm(request.POST)
        if form.is_valid():
            try:
                services.profile_update(user=request.user, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Your settings are saved.")
                return redirect("profiles:settings")
    else:
        form = SettingsForm(initial=SettingsForm.initial_for(profile))
    return render(request, "profiles/settings.html", {"form": form})


@login_required
def notification_list(request):
    """One's notifications, newest first, a page at a time."""
    page = Paginator(selectors.notification_list(user=request.user), 30).get_page(
        request.GET.get("page")
    )
    return render(request, "profiles/notifications.html", {"page": page})


@login_required
@require_POST
def notifications_read(request):
    """Mark one notification read (``id``), or all of them."""
    raw = request.POST.get("id", "")
    ids = [int(raw)] if raw.isdigit() and len(raw) < 19 else None
    count = services.notifications_mark_read(user=request.user, ids=ids)
    if ids is None:
        messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} read.")
    return redirect("profiles:notifications")


def admin_login(request):
    """The admin logs in through the site's log-in page, so that its lockout after repeated
    failures (allauth's rate limits) covers the admin too. A signed-in person without staff
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
