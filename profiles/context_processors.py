"""Template context for every page: the signed-in person's unread notification count, and their
email address while it is not confirmed (for the reminder banner)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from profiles.selectors import header_state


def notifications(request: HttpRequest) -> dict[str, Any]:
    """``unread_notifications`` and ``email_unverified`` (the address waiting for confirmation,
    "" when confirmed): one query for both, run only when a template asks for either and at most
    once per request however many templates do."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def state() -> tuple[int, str]:
        if not hasattr(request, "_kindred_header"):
            request._kindred_header = header_state(user=user)  # type: ignore[attr-defined]
        return request._kindred_header  # type: ignore[attr-defined]

    return {
        "unread_notifications": lambda: state()[0],
        "email_unverified": lambda: state()[1],
    }
