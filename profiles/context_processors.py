"""Template context for every page: the signed-in person's unread notification count, and how
many of their conversations hold a message they have not read."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from profiles.selectors import notification_unread_count, unread_conversation_count


def notifications(request: HttpRequest) -> dict[str, Any]:
    """``unread_notifications``: one COUNT query, run only when a template asks for it and at
    most once per request however many templates do."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def unread() -> int:
        if not hasattr(request, "_kindred_unread"):
            request._kindred_unread = notification_unread_count(user=user)  # type: ignore[attr-defined]
        return request._kindred_unread  # type: ignore[attr-defined]

    def unread_messages() -> int:
        if not hasattr(request, "_kindred_unread_messages"):
            request._kindred_unread_messages = unread_conversation_count(user=user)  # type: ignore[attr-defined]
        return request._kindred_unread_messages  # type: ignore[attr-defined]

    return {"unread_notifications": unread, "unread_messages": unread_messages}
