"""Who may write to whom, read a conversation and handle API tokens, as `rules` predicates; the
services call the check_* functions first. What others may learn about a person is the privacy
rule below; every page, API route, notification and export that names a person keeps it
(tests/profiles/test_privacy_matrix.py checks it as a matrix).

The privacy rule: what others may learn about a person
------------------------------------------------------

- **A ban from the site** is told to the banned person alone (when they log in or try to write)
  and to site staff. Anyone else writing to a banned person reads the refusal a person who blocked
  them would give (NEUTRAL_MESSAGE_REFUSAL), nowhere the word "banned".
- **A block** is told to the blocker alone (their page for the person says "Unblock"). The blocked
  person cannot write to the blocker, reply to the blocker's posts or in threads the blocker
  started, and the blocker hears nothing from them (no notice of their messages, replies,
  proposals, requests to join or posts as peers; a moderator's decision still reaches the
  blocker). The blocked person is refused in neutral words, the same as for a ban: "<name> does not
  take messages from you." / "<name> does not take replies from you."
- **Findability** (Profile.discoverable) is the person's own public choice: anyone may learn it
  from what the pages offer (a reply form, a "write" button, search results).
- **A deleted account** leaves no name behind: what it wrote and did (posts, replies, threads,
  proposals, other people's notifications) names "a former member", read at the time it is
  shown; a renamed person is named as they are now.

This holds for an anonymous visitor, a member, a blocked person and a moderator of another
community alike: moderating a community gives no look at a person's bans or blocks (only site
staff see bans from the site, on the person's page).

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


def neutral_refusal(person: User, what: str = "messages") -> str:
    """The words for someone kept away by a ban they may not know of, or by a block: the same
    for both, and never naming either."""
    return f"{person.public_name} does not take {what} from you."


def message_refusal(*, sender: User, recipient: User) -> str | None:
    """Why ``sender`` may not write to ``recipient`` now, in plain words; None when they may.
    A recipient's ban or block is checked last and told neutrally (the privacy rule above), so
    that it reads exactly like a block and no other answer sets it apart."""
    name = recipient.public_name
    if sender.pk == recipient.pk:
        return "You cannot send a message to yourself."
    if not recipient.is_active:
        return f"{name} no longer has an account here."
    if is_banned_from_site(sender):
        return "You are banned from the site, so you cannot send messages."
    if block_exists(blocker=sender, blocked=recipient):
        return f"You blocked {name}. Unblock them to write to them again."
    if not (sender.is_staff or takes_messages_from(recipient, sender)):
        return (
            f"{name} does not let others find them, so they take messages only from people "
            "they have written to."
        )
    if is_banned_from_site(recipient):
        if sender.is_staff:  # staff see bans on the person's page anyway
            return f"{name} is banned from the site and cannot take messages."
        return neutral_refusal(recipient)
    if block_exists(blocker=recipient, blocked=sender):
        return neutral_refusal(recipient)
    return None


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
