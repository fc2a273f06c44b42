"""Every read the review queues and moderation logs make, with visibility applied here; and the
moderation log in plain words (`log_lines`), for the pages and the API."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import dateformat, timezone
from django.utils.dateparse import parse_datetime

from communities.models import (
    Community,
    ContentStatus,
    Membership,
    Placement,
    Post,
    Reply,
    Thread,
)
from communities.selectors import (
    Viewer,
    community_picker_labels,
    community_visibility_filter,
    post_visibility_filter,
    reply_list_everywhere,
    thread_list,
)
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


# -- the log in words ----------------------------------------------------------------------------
# Entries store what happened in machine form (slugs, ISO timestamps, keys such as
# ``from_community``); these say it the way a person reads it ("until 9 December 2026, 16:02",
# "from Clay soil drainage") and decide what the public version leaves out: who was let in, turned
# down, banned or unbanned, and why. Moderators see everything.

# Whom these actions affect is private: the public log says "a person", without the reason.
PERSONAL_VERBS = frozenset({Verb.APPROVE_JOIN, Verb.REJECT_JOIN, Verb.BAN, Verb.UNBAN})
SOMEONE = "a person"

# Details that the summary line already says, or that name people or posts by number.
_SUMMARISED = frozenset({"until", "from", "to", "into", "from_community", "scope"})
_LABELS = {
    "reports": "Reports",
    "first_reason": "Reason of the first report",
    "changed": "Changed",
    "before": "Before",
    "after": "After",
    "members": "Members moved",
    "posts": "Posts",
    "threads": "Threads",
    "name": "Name",
    "kind": "Kind",
    "new_area": "A new area",
}


def human_datetime(value: datetime) -> str:
    """`9 December 2026, 16:02`, in the site's time zone."""
    return dateformat.format(timezone.localtime(value), "j F Y, H:i")


def _detail_text(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if key == "posts" and isinstance(value, list):
        return str(len(value))
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "none"
    if isinstance(value, dict):
        return "; ".join(
            f"{_LABELS.get(k, k.replace('_', ' ')).lower()}: {_detail_text(k, v)}"
            for k, v in value.items()
        )
    if value is None:
        return "none"
    return str(value)


def _summary(entry: ModerationAction, communities: dict[str, str]) -> str:
    details = entry.details or {}
    if entry.verb == Verb.BAN:
        until = parse_datetime(details["until"]) if details.get("until") else None
        return f"until {human_datetime(until)}" if until else "for good"
    if entry.verb == Verb.MOVE_AREA:
        return ""  # the target already reads "X from area A to area B"
    parts = []
    source = details.get("from_community") or details.get("from")
    if source:
        parts.append(f"from {communities.get(source, source)}")
    destination = details.get("to") or details.get("into")
    if destination:
        word = "to" if "to" in details else "into"
        parts.append(f"{word} {communities.get(destination, destination)}")
    if details.get("scope") == "site":
        parts.append("across the site")
    return " ".join(parts)


# -- what the log may name, for this reader --------------------------------------------------------
# An entry keeps what its target was called when the moderator acted (``target_repr``), and the
# addresses of the communities involved (``details``). The log is append-only, so what a reader
# may learn from them is decided here, when it is read:
# - a community the reader may not see is "a private community", in every version of the log;
# - the public version says what a post, discussion or reply is called now, if the reader may see
#   it, and otherwise only what it is ("a deleted post", "a reply"): its author may have renamed or
#   deleted it since, and removed words are not repeated. Moderators see what was there.

PRIVATE_COMMUNITY = "a private community"

# The detail keys that hold a community's address; the verbs whose "from" and "to" are not
# communities (areas are named in the target; a join policy is a word).
_COMMUNITY_KEYS = ("from_community", "from", "to", "into")
_NOT_COMMUNITIES = frozenset({Verb.MOVE_AREA, Verb.JOIN_POLICY})

# What a post, discussion or reply the reader may not see is called, deleted by its author or not.
_UNSEEN_CONTENT: dict[type[models.Model], tuple[str, str]] = {
    Post: ("a deleted post", "a post"),
    Thread: ("a deleted discussion", "a discussion"),
    Reply: ("a deleted reply", "a reply"),
}


@dataclass
class _Names:
    """What the entries mention, as this reader may see it."""

    community_names: dict[str, str]  # slug: name, or PRIVATE_COMMUNITY
    hidden_community_slugs: set[str]
    hidden_community_ids: set[str]
    content: dict[tuple[int, str], str]  # (content type id, target id): what to call it now


def _entries_of(entries: list[ModerationAction], model: type[models.Model]) -> set[str]:
    type_id = ContentType.objects.get_for_model(model).pk  # cached after the first time
    return {entry.target_id for entry in entries if entry.target_type_id == type_id}


def _ids(values: Iterable[str]) -> list[int]:
    return [int(value) for value in values if value.isdigit()]


def _communities_seen(viewer: Viewer, communities: QuerySet[Community]) -> set[int]:
    """The ones the viewer may see: public ones, private ones they are in (staff: all), and the
    communities merged into one they moderate (whose history they answer for; a merged community
    has no members of its own left)."""
    seen = communities.filter(community_visibility_filter(viewer))
    if viewer.is_authenticated and not viewer.is_staff:
        moderated = Membership.objects.filter(
            user=viewer,
            state=Membership.State.ACTIVE,
            role__in=[Membership.Role.MODERATOR, Membership.Role.OWNER],
        ).values("community_id")
        seen = seen | communities.filter(merged_into__in=moderated)
    return set(seen.values_list("pk", flat=True))


def _names_for(entries: list[ModerationAction], *, viewer: Viewer, private: bool) -> _Names:
    slugs = {
        details[key]
        for entry in entries
        if entry.verb not in _NOT_COMMUNITIES
        for details in [entry.details or {}]
        for key in _COMMUNITY_KEYS
        if isinstance(details.get(key), str)
    }
    # The communities entries are logged in too: a community's log carries the history of the
    # communities merged into it, which may be private.
    target_ids = _ids(_entries_of(entries, Community)) + [
        entry.community_id for entry in entries if entry.community_id is not None
    ]
    names: dict[str, str] = {}
    hidden_slugs: set[str] = set()
    hidden_ids: set[str] = set()
    if slugs or target_ids:
        mentioned = Community.objects.filter(Q(slug__in=slugs) | Q(pk__in=target_ids))
        seen = _communities_seen(viewer, mentioned)
        for pk, slug, name in mentioned.values_list("pk", "slug", "name"):
            if pk in seen:
                names[slug] = name
            else:
                names[slug] = PRIVATE_COMMUNITY
                hidden_slugs.add(slug)
                hidden_ids.add(str(pk))
    content: dict[tuple[int, str], str] = {}
    if not private:
        content = _content_now(entries, viewer=viewer)
    return _Names(names, hidden_slugs, hidden_ids, content)


def _content_now(entries: list[ModerationAction], *, viewer: Viewer) -> dict[tuple[int, str], str]:
    """What the public log calls each post, discussion and reply it mentions: its title (a
    reply: its first words) as it is now, if the viewer may see it; else what it is. Two queries
    per kind mentioned."""
    visible: dict[type[models.Model], QuerySet[Any]] = {
        Post: Post.objects.filter(post_visibility_filter(viewer)),
        Thread: thread_list(viewer=viewer),
        Reply: reply_list_everywhere(viewer=viewer),
    }
    content: dict[tuple[int, str], str] = {}
    for model, (deleted, unseen) in _UNSEEN_CONTENT.items():
        ids = _ids(_entries_of(entries, model))
        if not ids:
            continue
        type_id = ContentType.objects.get_for_model(model).pk
        seen = set(visible[model].filter(pk__in=ids).values_list("pk", flat=True))
        status_field = "moderation_status" if model is Post else "status"
        for obj in model._default_manager.filter(pk__in=ids):
            if obj.pk in seen:
                text = str(obj)
            elif getattr(obj, status_field) == ContentStatus.DELETED:
                text = deleted
            else:
                text = unseen
            content[(type_id, str(obj.pk))] = text
        for missing in {str(pk) for pk in ids} - {key[1] for key in content if key[0] == type_id}:
            content[(type_id, missing)] = deleted
    return content


def _target_text(entry: ModerationAction, names: _Names, *, private: bool) -> str:
    if not private and entry.verb in PERSONAL_VERBS:
        return SOMEONE
    if entry.target_type_id == ContentType.objects.get_for_model(Community).pk:
        if entry.target_id in names.hidden_community_ids:
            return PRIVATE_COMMUNITY
        return entry.target_repr
    return names.content.get((entry.target_type_id, entry.target_id), entry.target_repr)


def _details_seen(entry: ModerationAction, names: _Names) -> dict[str, Any]:
    """The entry's details, with the address of every community the reader may not see left
    out (None)."""
    details = dict(entry.details or {})
    if entry.verb in _NOT_COMMUNITIES:
        return details
    for key in _COMMUNITY_KEYS:
        if details.get(key) in names.hidden_community_slugs:
            details[key] = None
    return details


@dataclass
class LogLine:
    """One entry as this reader may read it: ``target`` and ``summary`` in words, ``reason``,
    ``details`` as labelled words (moderators only) and ``data``, the details as stored less what
    the reader may not learn (for the API; moderators only). ``target_hidden``: the target is
    not named (a person, a private community); ``community_hidden``: nor is the community the
    entry was logged in (one merged into this one, private)."""

    entry: ModerationAction
    target: str
    summary: str
    reason: str
    details: list[tuple[str, str]] = field(default_factory=list)
    data: dict[str, Any] | None = None
    target_hidden: bool = False
    community_hidden: bool = False


def log_lines(
    entries: Iterable[ModerationAction], *, viewer: Viewer, private: bool
) -> list[LogLine]:
    """The entries in plain words, for ``viewer``. The private version (private=True: the
    community's moderators, staff) has every reason and detail and what each target was called
    when the moderator acted; the public version names nobody affected by a decision about a
    person, leaves out those reasons and every detail, and calls posts, discussions and replies
    by what they are called now (or only what they are, when the reader may not see them). Both
    call a community the reader may not see "a private community". A few queries, whatever the
    number of entries (the communities mentioned; two per kind of content in the public version).
    """
    entries = list(entries)
    names = _names_for(entries, viewer=viewer, private=private)
    lines = []
    for entry in entries:
        hidden = not private and entry.verb in PERSONAL_VERBS
        details: list[tuple[str, str]] = []
        data = None
        if private:
            data = _details_seen(entry, names)
            details = [
                (_LABELS.get(key, key.replace("_", " ").capitalize()), _detail_text(key, v))
                for key, v in data.items()
                if key not in _SUMMARISED
            ]
        target = _target_text(entry, names, private=private)
        lines.append(
            LogLine(
                entry=entry,
                target=target,
                summary=_summary(entry, names.community_names),
                reason="" if hidden else entry.reason,
                details=details,
                data=data,
                target_hidden=target in (SOMEONE, PRIVATE_COMMUNITY),
                community_hidden=str(entry.community_id) in names.hidden_community_ids,
            )
        )
    return lines
