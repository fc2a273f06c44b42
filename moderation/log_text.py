"""The moderation log in plain words, for the pages and the API.

Entries store what happened in machine form (slugs, ISO timestamps, keys such as
``from_community``); this module says it the way a person reads it ("until 9 December 2026,
16:02", "from Clay soil drainage") and decides what the public version leaves out: who was let
in, turned down, banned or unbanned, and why. Moderators see everything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import dateformat, timezone
from django.utils.dateparse import parse_datetime

from communities.models import Community
from moderation.models import ModerationAction

Verb = ModerationAction.Verb

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


@dataclass
class LogLine:
    """One entry as a page shows it."""

    entry: ModerationAction
    target: str
    summary: str
    reason: str
    details: list[tuple[str, str]] = field(default_factory=list)


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


def _community_names(entries: list[ModerationAction]) -> dict[str, str]:
    slugs = {
        details[key]
        for entry in entries
        if entry.verb != Verb.MOVE_AREA
        for details in [entry.details or {}]
        for key in ("from_community", "from", "to", "into")
        if isinstance(details.get(key), str)
    }
    if not slugs:
        return {}
    return dict(Community.objects.filter(slug__in=slugs).values_list("slug", "name"))


def log_lines(entries: Iterable[ModerationAction], *, private: bool) -> list[LogLine]:
    """The entries in plain words; the public version (private=False) names nobody affected by
    a decision about a person and leaves out those reasons and every private detail. One query
    at most (the names of the communities mentioned), whatever the number of entries."""
    entries = list(entries)
    communities = _community_names(entries)
    lines = []
    for entry in entries:
        hidden = not private and entry.verb in PERSONAL_VERBS
        details = []
        if private:
            details = [
                (_LABELS.get(key, key.replace("_", " ").capitalize()), _detail_text(key, v))
                for key, v in (entry.details or {}).items()
                if key not in _SUMMARISED
            ]
        lines.append(
            LogLine(
                entry=entry,
                target=SOMEONE if hidden else entry.target_repr,
                summary=_summary(entry, communities),
                reason="" if hidden else entry.reason,
                details=details,
            )
        )
    return lines
