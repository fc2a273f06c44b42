"""Every read of people, profiles and notifications."""

from __future__ import annotations

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from profiles.models import (
    Block,
    Conversation,
    Message,
    Notification,
    SiteBan,
    User,
)


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


def site_ban_of(user: User) -> SiteBan | None:
    """The site-wide ban on this person in force now, or None."""
    if user is None or not getattr(user, "pk", None):
        return None
    now = timezone.now()
    return (
        SiteBan.objects.filter(user_id=user.pk)
        .filter(Q(until__isnull=True) | Q(until__gt=now))
        .first()
    )


def conversation_list(*, user: User) -> QuerySet[Conversation]:
    """One's conversations, the latest message first, each with the other person (``other``),
    how many of its messages one has not read (``unread``) and its last message
    (``last_body``, ``last_sender_id``, ``last_removed``)."""
    last = Message.objects.filter(conversation=OuterRef("pk")).order_by("-created_at", "-id")
    return (
        Conversation.objects.filter(Q(first=user) | Q(second=user), last_message_at__isnull=False)
        .select_related("first__profile", "second__profile")
        .annotate(
            unread=Count("messages", filter=Q(messages__recipient=user, messages__read_at=None)),
            last_body=Subquery(last.values("body")[:1]),
            last_sender_id=Subquery(last.values("sender_id")[:1]),
            last_removed=Subquery(last.values("removed_at")[:1]),
        )
        .order_by("-last_message_at", "-id")
    )


def conversation_for(*, user: User, pk: int) -> Conversation | None:
    """One of one's own conversations (None for anyone else's: they answer 404)."""
    return (
        Conversation.objects.filter(Q(first=user) | Q(second=user), pk=pk)
        .select_related("first__profile", "second__profile")
        .first()
    )


def message_list(*, conversation: Conversation) -> QuerySet[Message]:
    """A conversation's messages, oldest first."""
    return Message.objects.filter(conversation=conversation).order_by("created_at", "id")


def unread_conversation_count(*, user: User) -> int:
    """How many conversations hold a message to ``user`` not read yet (one COUNT)."""
    return (
        Message.objects.filter(recipient=user, read_at__isnull=True)
        .values("conversation")
        .distinct()
        .count()
    )


def block_exists(*, blocker: User, blocked: User) -> bool:
    return Block.objects.filter(blocker=blocker, blocked=blocked).exists()
