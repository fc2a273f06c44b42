"""Every read the review queues and moderation logs make, with visibility applied here: the logs
as entries, join requests, bans, moderators, reports, the matcher's suggestions, a person's ban."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from django.utils import timezone

from communities.models import Community, Membership, Placement, Thread
from communities.selectors import Viewer, community_picker_labels
from matching.models import MatcherSuggestion, MatchRun
from moderation.models import REPORT_TARGETS, ModerationAction, Report, Reportable
from profiles.models import Message, User

Verb = ModerationAction.Verb


def moderation_log(*, community: Community) -> QuerySet[ModerationAction]:
    """A community's moderation log, newest first, with the history of the communities merged
    into it. Callers decide whether the viewer sees the private details (moderators) or the public
    version (everyone who can see the community)."""
    merged = Community.objects.filter(merged_into=community).values("pk")
    return (
        ModerationAction.objects.filter(Q(community=community) | Q(community__in=merged))
        .select_related("actor__profile", "community", "target_type")
        .order_by("-created_at", "-pk")
    )


def moderation_log_site() -> QuerySet[ModerationAction]:
    """Every moderation action, for staff."""
    return ModerationAction.objects.select_related(
        "actor__profile", "community", "target_type"
    ).order_by("-created_at", "-pk")


def join_request_list(*, community: Community) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(community=community, state=Membership.State.REQUESTED)
        .select_related("user__profile")
        .order_by("created_at", "pk")
    )


def banned_list(*, community: Community) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(community=community, state=Membership.State.BANNED)
        .select_related("user__profile")
        .order_by("-updated_at", "pk")
    )


def moderator_list(*, community: Community) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(
            community=community,
            state=Membership.State.ACTIVE,
            role__in=[Membership.Role.MODERATOR, Membership.Role.OWNER],
        )
        .select_related("user__profile")
        .order_by("-role", "user__username")
    )


def report_queue(*, community: Community | None) -> QuerySet[Report]:
    """Pending reports a community's moderators decide; with None, the ones staff decide (on
    communities, replies to posts and posts reported outside any community)."""
    return (
        Report.objects.filter(community=community, decision=Report.Decision.PENDING)
        .select_related("reporter__profile", "target_type", "community")
        .order_by("created_at", "pk")
    )


def report_list(*, viewer: Viewer) -> QuerySet[Report]:
    """Reports the viewer may see: their own, and those in the communities they moderate (staff:
    all)."""
    if not viewer.is_authenticated:
        return Report.objects.none()
    reports = Report.objects.select_related("reporter", "target_type", "community")
    if viewer.is_staff:
        return reports.order_by("-created_at", "-pk")
    moderated = Membership.objects.filter(
        user=viewer,
        state=Membership.State.ACTIVE,
        role__in=[Membership.Role.MODERATOR, Membership.Role.OWNER],
    ).values("community_id")
    return reports.filter(Q(reporter=viewer) | Q(community__in=moderated)).order_by(
        "-created_at", "-pk"
    )


def suggestion_queue(*, community: Community | None) -> QuerySet[MatcherSuggestion]:
    """Open merges and splits the matcher suggested: for one community, or all (staff)."""
    suggestions = MatcherSuggestion.objects.filter(state=MatcherSuggestion.State.OPEN)
    if community is not None:
        suggestions = suggestions.filter(Q(community=community) | Q(other_community=community))
    return suggestions.select_related("community", "other_community", "run").order_by(
        "-created_at", "-pk"
    )


def suggestion_list(*, viewer: Viewer) -> QuerySet[MatcherSuggestion]:
    """Suggestions the viewer may act on: those about communities they moderate (staff: all)."""
    suggestions = MatcherSuggestion.objects.select_related("community", "other_community")
    if not viewer.is_authenticated:
        return suggestions.none()
    if viewer.is_staff:
        return suggestions.order_by("-created_at", "-pk")
    moderated = Membership.objects.filter(
        user=viewer,
        state=Membership.State.ACTIVE,
        role__in=[Membership.Role.MODERATOR, Membership.Role.OWNER],
    ).values("community_id")
    return suggestions.filter(community__in=moderated).order_by("-created_at", "-pk")


def proposed_community_list() -> QuerySet[Community]:
    """Communities the matcher proposed that are still waiting (staff decide them)."""
    return Community.objects.filter(status=Community.Status.PROPOSED).order_by("-created_at", "-pk")


def reports_with_targets(reports: QuerySet[Report]) -> list[Report]:
    """The reports, each with ``target`` set to what it is about (None when it is gone), loaded
    in one query per kind of target (at most four), not one per report."""
    rows = list(reports)
    wanted: dict[int, set[int]] = defaultdict(set)
    for report in rows:
        wanted[report.target_type_id].add(report.target_id)
    found: dict[tuple[int, int], Reportable] = {}
    for model in REPORT_TARGETS.values():
        type_id = ContentType.objects.get_for_model(model).pk  # cached after the first time
        if ids := wanted.get(type_id):
            targets = model._default_manager.filter(pk__in=ids)
            if model is Message:  # the queue names both people
                targets = Message.objects.filter(pk__in=ids).select_related("sender", "recipient")
            for target in targets:
                found[(type_id, target.pk)] = target
    for report in rows:
        report.target = found.get((report.target_type_id, report.target_id))  # type: ignore[attr-defined]
    return rows


def queue_placements(*, community: Community) -> QuerySet[Placement]:
    """The community's posts a moderator acts on in the review queue: pinned first, then newest."""
    return (
        Placement.objects.filter(community=community)
        .select_related("post__author__profile")
        .order_by("-pinned", "-created_at", "-pk")[:30]
    )


def placed_post_ids(*, community: Community) -> QuerySet[Placement, int]:
    """Every post in the community, by id: the choices a split may take."""
    return Placement.objects.filter(community=community).values_list("post_id", flat=True)


def queue_threads(*, community: Community) -> QuerySet[Thread]:
    return Thread.objects.filter(community=community).order_by("-last_reply_at")[:20]


def community_report_count() -> int:
    """Pending reports that communities' moderators decide (shown to staff as a count)."""
    return Report.objects.filter(decision=Report.Decision.PENDING).exclude(community=None).count()


def match_run_latest() -> MatchRun | None:
    return MatchRun.objects.order_by("-created_at", "-pk").first()


@dataclass(frozen=True)
class BanNotice:
    """What a banned person is told about their own ban: until when, and the reason given."""

    until: datetime | None
    reason: str


def ban_of(*, viewer: Viewer, community: Community) -> BanNotice | None:
    """The viewer's ban from the community, if one is in force (an ended ban is None: they may
    join again). The reason is the one the moderator gave when banning, which the person was
    already told in their notification."""
    if not viewer.is_authenticated:
        return None
    membership = Membership.objects.filter(
        user=viewer, community=community, state=Membership.State.BANNED
    ).first()
    if membership is None:
        return None
    until = membership.banned_until
    if until is not None and until <= timezone.now():
        return None
    entry = (
        ModerationAction.objects.filter(
            community=community,
            verb=Verb.BAN,
            target_type=ContentType.objects.get_for_model(User),
            target_id=str(viewer.pk),
        )
        .order_by("-created_at", "-pk")
        .first()
    )
    return BanNotice(until=until, reason=entry.reason if entry else "")


def community_destination_labels(*, viewer: User, community: Community) -> list[str]:
    """The communities a moderator may move a post to or merge this one into, as a picker
    offers them by name: the other live ones they moderate (staff: every one)."""
    others = Community.objects.exclude(pk=community.pk)
    if not viewer.is_staff:
        moderated = Membership.objects.filter(
            user=viewer,
            state=Membership.State.ACTIVE,
            role__in=[Membership.Role.MODERATOR, Membership.Role.OWNER],
        ).values("community_id")
        others = others.filter(pk__in=moderated)
    return community_picker_labels(others)
