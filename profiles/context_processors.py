"""Template context for every page: the signed-in person's unread notification count, how many
of their conversations hold a message they have not read, and their email address while it is
not confirmed (for the reminder banner)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from profiles.selectors import email_unverified, header_counts


def notifications(request: HttpRequest) -> dict[str, Any]:
    """``unread_notifications`` and ``unread_messages``: both from one query; ``email_unverified``:
    the address waiting for confirmation ("" when confirmed), one query; each run only when a
    template asks for it and at most once per request however many templates do."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def counts() -> tuple[int, int]:
        if not hasattr(request, "_kindred_header_counts"):
            request._kindred_header_counts = header_counts(user=user)  # type: ignore[attr-defined]
        return request._kindred_header_counts  # type: ignore[attr-defined]

    def unverified() -> str:
        if not hasattr(request, "_kindred_unverified"):
            request._kindred_unverified = email_unverified(user=user)  # type: ignore[attr-defined]
        return request._kindred_unverified  # type: ignore[attr-defined]

    return {
        "unread_notifications": lambda: counts()[0],
        "unread_messages": lambda: counts()[1],
        "email_unverified": unverified,
    }
