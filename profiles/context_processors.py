"""Template context for every page: the signed-in person's unread notification count, how many
of their conversations hold a message they have not read, and their email address while it is
not confirmed (for the reminder banner)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from profiles.selectors import HeaderState, header_state


def notifications(request: HttpRequest) -> dict[str, Any]:
    """``unread_notifications``, ``unread_messages`` and ``email_unverified`` (the address waiting
    for confirmation, "" when confirmed): one query, run only when a template asks for one of them
    and at most once per request however many templates do."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def state() -> HeaderState:
        if not hasattr(request, "_kindred_header"):
            request._kindred_header = header_state(user=user)  # type: ignore[attr-defined]
        return request._kindred_header  # type: ignore[attr-defined]

    return {
        "unread_notifications": lambda: state().unread_notifications,
        "unread_messages": lambda: state().unread_messages,
        "email_unverified": lambda: state().unverified_email,
    }
