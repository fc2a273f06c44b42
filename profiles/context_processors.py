"""Template context for every page: the signed-in person's unread notification count, and how
many of their conversations hold a message they have not read."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from profiles.selectors import header_counts


def notifications(request: HttpRequest) -> dict[str, Any]:
    """``unread_notifications`` and ``unread_messages``: both from one query, run only when a
    template asks for either and at most once per request however many templates do."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def counts() -> tuple[int, int]:
        if not hasattr(request, "_kindred_header_counts"):
            request._kindred_header_counts = header_counts(user=user)  # type: ignore[attr-defined]
        return request._kindred_header_counts  # type: ignore[attr-defined]

    return {
        "unread_notifications": lambda: counts()[0],
        "unread_messages": lambda: counts()[1],
    }
