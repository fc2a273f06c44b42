"""Starting a community from the directory. It starts as proposed, with its founder as owner,
and goes live when enough people join (communities.services.community_found)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from communities import services
from communities.forms import CommunityFoundForm, add_service_error


@login_required
def community_new(request: HttpRequest) -> HttpResponse:
    assert request.user.is_authenticated  # login_required
    form = CommunityFoundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            community = services.community_found(founder=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            needed = settings.KINDRED_PROPOSED_COMMUNITY_MIN_MEMBERS
            if community.status == community.Status.ACTIVE:
                messages.success(request, f"{community.name} is started.")
            else:
                messages.success(
                    request,
                    f"{community.name} is proposed. It becomes active when {needed} people have "
                    "joined: invite the people you know.",
                )
            return redirect(community)
    context = {"form": form, "needed": settings.KINDRED_PROPOSED_COMMUNITY_MIN_MEMBERS}
    return render(request, "communities/community_form.html", context)
