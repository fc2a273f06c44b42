"""Every read of people, profiles and notifications."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from profiles.models import ApiToken, Notification, User


def notification_list(*, user: User) -> QuerySet[Notification]:
    """One's own notifications, newest first, with who caused each."""
    return (
        Notification.objects.filter(user=user)
        .select_related("actor__profile")
        .order_by("-created_at", "-id")
    )


def notification_unread_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def person_detail(*, username: str) -> QuerySet[User]:
    """Active people by username, with their profile and interests (tags, in their default
    order: by slug)."""
    return (
        User.objects.filter(username=username, is_active=True)
        .select_related("profile")
        .prefetch_related("profile__interests")
    )


def token_list(*, user: User) -> QuerySet[ApiToken]:
    """One's API tokens that have not expired, newest first."""
    return ApiToken.objects.filter(user=user, expiry__gt=timezone.now()).order_by("-created")
