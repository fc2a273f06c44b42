"""The edit history of a post, a thread or a reply, read from its django-simple-history
versions, for its author and its moderators (communities.permissions.check_view_history).

Versions that changed neither the words nor whether the content is shown (a post marked solved,
a thread pinned) are left out. Words are compared line by line as on the charter's history.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from communities.models import ContentStatus, Post, Reply, Thread
from core.diff import FieldChange, text_diff

WORDS: dict[type[models.Model], tuple[tuple[str, str], ...]] = {
    Post: (("title", "Title"), ("body", "Details")),
    Thread: (("title", "Title"),),
    Reply: (("body", "Message"),),
}
SHOWN: dict[type[models.Model], str] = {
    Post: "moderation_status",
    Thread: "status",
    Reply: "status",
}


def content_history(*, obj: Post | Thread | Reply) -> list[dict[str, Any]]:
    """Versions newest first: when, by whom (None: the system or a former member), what changed
    in the words, and the new state when it was deleted, removed or restored."""
    model = type(obj)
    words, shown = WORDS[model], SHOWN[model]
    records = list(
        obj.history.select_related("history_user__profile").order_by("-history_date", "-history_id")
    )
    entries = []
    for index, record in enumerate(records):
        older = records[index + 1] if index + 1 < len(records) else None
        changes = []
        state = ""
        if older is not None:
            for name, label in words:
                before, after = getattr(older, name) or "", getattr(record, name) or ""
                if before != after:
                    changes.append(FieldChange(name, label, lines=text_diff(before, after)))
            if getattr(older, shown) != getattr(record, shown):
                state = ContentStatus(getattr(record, shown)).label
            if not changes and not state:
                continue
        entries.append(
            {
                "when": record.history_date,
                "who": record.history_user,
                "initial": older is None,
                "changes": changes,
                "state": state,
                "words": {label: getattr(record, name) for name, label in words},
            }
        )
    return entries
