"""The review queues: a community's (its moderators and staff) and the whole site's (staff), and
the progress of a match run, which htmx polls from either."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from communities.models import Community
from matching.models import MatchRun
from matching.services import can_start_runs
from moderation import selectors
from moderation.forms import AreaMoveForm, BanForm, CharterForm, SplitForm
from moderation.permissions import check_moderate_community, check_moderate_site
from profiles.models import User
from profiles.permissions import signed_in


def _queue_context(request: HttpRequest, community: Community) -> dict[str, Any]:
    placements = selectors.queue_placements(community=community)
    return {
        "community": community,
        "is_owner": request.user.has_perm("moderation.own_community", community),
        "can_move_area": request.user.has_perm("moderation.move_community_area", community),
        "join_requests": selectors.join_request_list(community=community),
        "reports": selectors.reports_with_targets(selectors.report_queue(community=community)),
        "suggestions": selectors.suggestion_queue(community=community),
        "bans": selectors.banned_list(community=community),
        "moderators": selectors.moderator_list(community=community),
        "placements": placements,
        "threads": selectors.queue_threads(community=community),
        "log": selectors.log_lines(
            selectors.moderation_log(community=community)[:10], viewer=request.user, private=True
        ),
        "run": selectors.match_run_latest(),
        "ban_form": BanForm(auto_id="ban-%s"),
        "charter_form": CharterForm(
            auto_id="charter-%s",
            initial={
                "name": community.name,
                "purpose": community.purpose,
                "rules": community.rules,
                "tags": ", ".join(community.tags.values_list("name", flat=True)),
            },
        ),
        "split_form": SplitForm(post_choices=[(p.post_id, p.post.title) for p in placements]),
        "area_form": AreaMoveForm(
            auto_id="area-%s", initial={"area": community.area_id}, viewer=request.user
        ),
        "destinations": selectors.community_destination_labels(
            viewer=signed_in(request.user), community=community
        ),
    }


@require_GET
def community_queue(request: HttpRequest, slug: str) -> HttpResponse:
    """A community's review queue (its moderators and staff)."""
    community = get_object_or_404(Community, slug=slug)
    check_moderate_community(request.user, community)
    if community.merged_into is not None:
        return redirect("moderation:queue", slug=community.merged_into.slug)
    return render(request, "moderation/queue.html", _queue_context(request, community))


@require_GET
def site_queue(request: HttpRequest) -> HttpResponse:
    """The site-wide review queue (staff)."""
    check_moderate_site(request.user)
    return render(
        request,
        "moderation/site_queue.html",
        {
            "reports": selectors.reports_with_targets(selectors.report_queue(community=None)),
            "community_reports": selectors.community_report_count(),
            "proposed": selectors.proposed_community_list()[:50],
            "suggestions": selectors.suggestion_queue(community=None)[:50],
            "log": selectors.log_lines(
                selectors.moderation_log_site()[:10], viewer=request.user, private=True
            ),
            "run": selectors.match_run_latest(),
        },
    )


@require_GET
def run_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress of a match run; htmx polls this partial while the run is under way."""
    if not isinstance(request.user, User) or not can_start_runs(request.user):
        raise PermissionDenied("Only staff and community moderators can follow match runs.")
    run = get_object_or_404(MatchRun, pk=pk)
    return render(request, "moderation/_run_progress.html", {"run": run})
