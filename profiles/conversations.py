"""Every write of direct messages and blocks (reads are in profiles.selectors).

Who may write to whom (``message_refusal`` says why not, in words for the sender):

- nobody writes to themselves, to an account that is gone, or while either of the two is banned
  from the site;
- nobody writes to someone who blocked them, nor to someone they blocked themselves (until they
  unblock);
- a person takes messages from anyone when they let others find them (Profile.discoverable);
  otherwise only from people they have written to themselves. Site staff may write to anyone.

Shared communities are deliberately no reason: the message pages never mention communities, so
they cannot leak a private one.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.ratelimit import rate_limit
from profiles.models import Block, Conversation, Message, Notification, Profile, User
from profiles.selectors import site_ban_of
from profiles.services import notify

MESSAGE_MAX_LENGTH = 5000


def _is_blocked(*, blocker: User, blocked: User) -> bool:
    return Block.objects.filter(blocker=blocker, blocked=blocked).exists()


def message_refusal(*, sender: User, recipient: User) -> str | None:
    """Why ``sender`` may not write to ``recipient`` now, in plain words; None when they may."""
    name = recipient.public_name
    if sender.pk == recipient.pk:
        return "You cannot send a message to yourself."
    if not recipient.is_active:
        return f"{name} no longer has an account here."
    if site_ban_of(sender) is not None:
        return "You are banned from the site, so you cannot send messages."
    if site_ban_of(recipient) is not None:
        return f"{name} is banned from the site and cannot take messages."
    if _is_blocked(blocker=sender, blocked=recipient):
        return f"You blocked {name}. Unblock them to write to them again."
    if _is_blocked(blocker=recipient, blocked=sender):
        return f"{name} does not take messages from you."
    if sender.is_staff:
        return None
    profile = Profile.objects.filter(user=recipient).first()
    findable = profile is None or profile.discoverable
    if findable:
        return None
    if Message.objects.filter(sender=recipient, recipient=sender).exists():
        return None
    return (
        f"{name} does not let others find them, so they take messages only from people "
        "they have written to."
    )


def _check_may_write(sender: User, recipient: User) -> None:
    refusal = message_refusal(sender=sender, recipient=recipient)
    if refusal is not None:
        raise PermissionDenied(refusal)


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


def conversation_between(*, one: User, other: User) -> Conversation | None:
    first, second = sorted((one, other), key=lambda user: user.pk)
    return Conversation.objects.filter(first=first, second=second).first()


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
    Preconditions: ``message_refusal`` (PermissionDenied with its words otherwise); rate-limited
    (core.ratelimit: "message", and "conversation" for a new one; new accounts get less). Not
    idempotent: each call is one more message. The recipient is notified (and mailed by their
    settings) once per unread conversation, not once per message."""
    _check_may_write(sender, recipient)
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
            title=f"{sender.public_name} sent you a message",
            url=url,
            actor=sender,
        )
    return message


@transaction.atomic
def conversation_mark_read(*, user: User, conversation: Conversation) -> int:
    """Mark the messages ``user`` received in this conversation read, and the notifications
    about it. Only the two people may; safe to repeat. Returns how many messages were unread."""
    if user.pk not in (conversation.first_id, conversation.second_id):
        raise PermissionDenied("This conversation is not yours.")
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


@transaction.atomic
def person_block(*, actor: User, person: User) -> Block:
    """``actor`` takes no more messages from ``person`` (nor writes to them). Safe to repeat."""
    if actor.pk == person.pk:
        raise ValidationError("You cannot block yourself.")
    try:
        with transaction.atomic():
            block, _ = Block.objects.get_or_create(blocker=actor, blocked=person)
    except IntegrityError:  # twice at once
        block = Block.objects.get(blocker=actor, blocked=person)
    return block


@transaction.atomic
def person_unblock(*, actor: User, person: User) -> bool:
    """Lift one's block of ``person``. Safe to repeat; returns whether there was a block."""
    deleted, _ = Block.objects.filter(blocker=actor, blocked=person).delete()
    return bool(deleted)


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


def message_visible_to(*, viewer: User, message: Message) -> bool:
    """Only the two people in a conversation, and site staff, see its messages."""
    return bool(
        viewer.is_authenticated
        and (viewer.is_staff or viewer.pk in (message.sender_id, message.recipient_id))
    )
