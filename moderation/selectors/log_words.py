"""The moderation log in plain words (`log_lines`), for the pages and the API, as its reader may
read it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import dateformat, timezone
from django.utils.dateparse import parse_datetime

from communities.models import Community, ContentStatus, Membership, Post, Reply, Thread
from communities.selectors import (
    PRIVATE_COMMUNITY,
    Viewer,
    community_visibility_filter,
    post_visibility_filter,
    reply_list_everywhere,
    thread_list,
)
from moderation.models import ModerationAction

Verb = ModerationAction.Verb

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
