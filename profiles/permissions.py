"""Who may write to whom, read a conversation and handle API tokens, as `rules` predicates; the
services call the check_* functions first.

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

import rules
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from profiles.models import ApiToken, Conversation, Message, Profile, User
from profiles.selectors import block_exists, site_ban_of


@rules.predicate
def is_signed_in(user: User | AnonymousUser | None) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def signed_in(user: User | AnonymousUser) -> User:
    """The person acting, as a signed-in user, for code past a check that refuses anonymous
    visitors first (login_required, an API permission class, a check_* function)."""
    if not isinstance(user, User):
        raise PermissionDenied("Log in first.")
    return user


@rules.predicate
def is_banned_from_site(user: User) -> bool:
    return site_ban_of(user) is not None


@rules.predicate
def takes_messages_from(recipient: User, sender: User) -> bool:
    """``recipient`` lets others find them, or has written to ``sender`` before."""
    profile = Profile.objects.filter(user=recipient).first()
    if profile is None or profile.discoverable:
        return True
    return Message.objects.filter(sender=recipient, recipient=sender).exists()


@rules.predicate
def is_in_conversation(user: User, conversation: Conversation) -> bool:
    return user.pk in (conversation.first_id, conversation.second_id)


@rules.predicate
def is_token_owner(user: User, token: ApiToken) -> bool:
    return token.user_id == user.pk


def message_refusal(*, sender: User, recipient: User) -> str | None:
    """Why ``sender`` may not write to ``recipient`` now, in plain words; None when they may."""
    name = recipient.public_name
    if sender.pk == recipient.pk:
        return "You cannot send a message to yourself."
    if not recipient.is_active:
        return f"{name} no longer has an account here."
    if is_banned_from_site(sender):
        return "You are banned from the site, so you cannot send messages."
    if is_banned_from_site(recipient):
        return f"{name} is banned from the site and cannot take messages."
    if block_exists(blocker=sender, blocked=recipient):
        return f"You blocked {name}. Unblock them to write to them again."
    if block_exists(blocker=recipient, blocked=sender):
        return f"{name} does not take messages from you."
    if sender.is_staff or takes_messages_from(recipient, sender):
        return None
    return (
        f"{name} does not let others find them, so they take messages only from people "
        "they have written to."
    )


def check_send_message(sender: User, recipient: User) -> None:
    refusal = message_refusal(sender=sender, recipient=recipient)
    if refusal is not None:
        raise PermissionDenied(refusal)


def check_read_conversation(user: User, conversation: Conversation) -> None:
    if not is_in_conversation(user, conversation):
        raise PermissionDenied("This conversation is not yours.")


def check_make_token(user: User) -> None:
    if not is_signed_in(user):
        raise PermissionDenied("Log in to make a token.")


def check_revoke_token(user: User, token: ApiToken) -> None:
    if not is_token_owner(user, token):
        raise PermissionDenied("Only its owner can revoke a token.")
