"""Differences between two versions of a text, line by line, as plain data for a page.

The result is lines marked added, removed or unchanged; templates render it with autoescaping, so
nobody's text becomes markup.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field


@dataclass
class FieldChange:
    """How one field changed between two versions: its text line by line, or for a list (tags)
    what was added and removed."""

    name: str
    label: str
    lines: list[tuple[str, str]] = field(default_factory=list)  # (added|removed|same|gap, text)
    added: list[str] = field(default_factory=list)  # lists only
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
