"""Direct messages: sent, read, and removed or restored by moderators' report decisions. Who may
write to whom: profiles.permissions."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.ratelimit import rate_limit
from profiles.models import MESSAGE_MAX_LENGTH, Conversation, Message, Notification, User
from profiles.permissions import check_read_conversation, check_send_message
from profiles.selectors import conversation_between
from profiles.services.notifications import notify


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write a message first."})
    if len(body) > MESSAGE_MAX_LENGTH:
        raise ValidationError(
            {"body": f"Keep a message under {MESSAGE_MAX_LENGTH} characters (it has {len(body)})."}
        )
    if "\x00" in body:
        raise ValidationError({"body": "The message holds a character that cannot be stored."})
    return body


def _conversation_get_or_create(one: User, other: User) -> tuple[Conversation, bool]:
    first, second = sorted((one, other), key=lambda user: user.pk)
    try:
        with transaction.atomic():
            return Conversation.objects.get_or_create(first=first, second=second)
    except IntegrityError:  # started by both at once
        return Conversation.objects.get(first=first, second=second), False


@transaction.atomic
def message_send(*, sender: User, recipient: User, body: str) -> Message:
    """Send a direct message, starting the two people's conversation if they have none.
    Preconditions: ``profiles.permissions.message_refusal`` (PermissionDenied with its words
    otherwise); rate-limited (core.ratelimit: "message", and "conversation" for a new one; new
    accounts get less). Not idempotent: each call is one more message. The recipient is notified
    (and mailed by their settings) once per unread conversation, not once per message."""
    check_send_message(sender, recipient)
    body = _clean_body(body)
    if conversation_between(one=sender, other=recipient) is None:
        rate_limit(action="conversation", user=sender)
    rate_limit(action="message", user=sender)
    conversation, _ = _conversation_get_or_create(sender, recipient)
    message = Message.objects.create(
        conversation=conversation, sender=sender, recipient=recipient, body=body
    )
    Conversation.objects.filter(pk=conversation.pk).update(last_message_at=message.created_at)
    url = conversation.get_absolute_url()
    already_told = Notification.objects.filter(
        user=recipient, kind=Notification.Kind.MESSAGE, url=url, read_at__isnull=True
    ).exists()
    if not already_told:
        notify(
            user=recipient,
            kind=Notification.Kind.MESSAGE,
            title="sent you a message",
            url=url,
            actor=sender,
            names_actor=True,
        )
    return message


@transaction.atomic
def conversation_mark_read(*, user: User, conversation: Conversation) -> int:
    """Mark the messages ``user`` received in this conversation read, and the notifications
    about it. Only the two people may; safe to repeat. Returns how many messages were unread."""
    check_read_conversation(user, conversation)
    now = timezone.now()
    count = Message.objects.filter(
        conversation=conversation, recipient=user, read_at__isnull=True
    ).update(read_at=now)
    Notification.objects.filter(
        user=user,
        kind=Notification.Kind.MESSAGE,
        url=conversation.get_absolute_url(),
        read_at__isnull=True,
    ).update(read_at=now)
    return count


def message_remove_upheld(*, message: Message) -> bool:
    """A moderator upheld a report on this message: its text is no longer shown. For moderation's
    report decisions (they check permission and log). Safe to repeat."""
    return bool(
        Message.objects.filter(pk=message.pk, removed_at__isnull=True).update(
            removed_at=timezone.now()
        )
    )


def message_restore(*, message: Message) -> bool:
    """Undo ``message_remove_upheld``. Safe to repeat."""
    return bool(
        Message.objects.filter(pk=message.pk, removed_at__isnull=False).update(removed_at=None)
    )
