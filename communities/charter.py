"""Differences between two versions of a community's charter, for the history and proposal pages.

The result is plain data (lines marked added, removed or unchanged); templates render it with
autoescaping, so nobody's text becomes markup.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

FIELDS = (("name", "Name"), ("purpose", "Purpose"), ("rules", "Rules"), ("tags", "Tags"))


@dataclass
class Change:
    name: str
    label: str
    lines: list[tuple[str, str]] = field(default_factory=list)  # (added|removed|same|gap, text)
    added: list[str] = field(default_factory=list)  # tags only
    removed: list[str] = field(default_factory=list)


def text_diff(before: str, after: str) -> list[tuple[str, str]]:
    """Line by line, with two lines of context around each change."""
    lines: list[tuple[str, str]] = []
    diff = difflib.unified_diff(
        before.splitlines(), after.splitlines(), lineterm="", n=2, fromfile="a", tofile="b"
    )
    for line in list(diff)[2:]:  # skip the ---/+++ file header
        if line.startswith("@@"):
            if lines:
                lines.append(("gap", "…"))
        elif line.startswith("+"):
            lines.append(("added", line[1:]))
        elif line.startswith("-"):
            lines.append(("removed", line[1:]))
        else:
            lines.append(("same", line[1:]))
    return lines


def _value(version: Any, name: str) -> Any:
    if isinstance(version, dict):
        return version.get(name)
    return getattr(version, name)


def charter_changes(older: Any, newer: Any) -> list[Change]:
    """What changed from one charter version to the next (objects or dicts with name, purpose,
    rules and tags); unchanged fields are left out."""
    changes = []
    for name, label in FIELDS:
        before, after = _value(older, name), _value(newer, name)
        if name == "tags":
            before_tags, after_tags = list(before or []), list(after or [])
            added = [tag for tag in after_tags if tag not in before_tags]
            removed = [tag for tag in before_tags if tag not in after_tags]
            if added or removed:
                changes.append(Change(name, label, added=added, removed=removed))
        elif (before or "") != (after or ""):
            changes.append(Change(name, label, lines=text_diff(before or "", after or "")))
    return changes


def history(revisions: list[Any]) -> list[dict[str, Any]]:
    """Revisions newest first, each with its changes from the one before it (the oldest, the
    charter as it began, has none)."""
    entries = []
    for index, revision in enumerate(revisions):
        older = revisions[index + 1] if index + 1 < len(revisions) else None
        entries.append(
            {
                "revision": revision,
                "changes": charter_changes(older, revision) if older is not None else [],
                "initial": older is None,
            }
        )
    return entries
