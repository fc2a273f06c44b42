"""Every read of people, profiles and notifications."""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from profiles.models import (
    ApiToken,
    Block,
    Conversation,
    Message,
    Notification,
    Profile,
    SiteBan,
    User,
)

# The preference (a Profile field) that turns each kind of notification on or off; kinds not
# listed (a moderator's decision, news from one's communities) always reach the person.
KIND_PREFERENCE: dict[str, str] = {
    Notification.Kind.INVITATION: "notify_invitations",
    Notification.Kind.NEW_PEER: "notify_peers",
    Notification.Kind.REPLY: "notify_replies",
    Notification.Kind.PROPOSAL: "notify_proposals",
}


def notification_wanted(*, user: User | None, kind: str) -> bool:
    """Whether a notification of this kind would reach the person, by their preferences, as
    profiles.services.notify decides: what a page promises ("the author is notified") must be
    true."""
    if user is None or not user.is_active:
        return False
    preference = KIND_PREFERENCE.get(kind)
    if preference is None:
        return True
    try:
        profile = user.profile
    except Profile.DoesNotExist:
        profile = Profile()  # the defaults a profile is created with
    return bool(getattr(profile, preference))


def findable(*, user: User | None) -> bool:
    """Whether others may find the person by their posts (as peers) and reply to them."""
    if user is None or not user.is_active:
        return False
    try:
        return user.profile.discoverable
    except Profile.DoesNotExist:
        return Profile().discoverable  # the default a profile is created with


def notification_list(*, user: User) -> QuerySet[Notification]:
    """One's own notifications, newest first, with who caused each."""
    return (
        Notification.objects.filter(user=user)
        .select_related("actor__profile")
        .order_by("-created_at", "-id")
    )


def person_detail(*, username: str) -> QuerySet[User]:
    """Active people by username, with their profile and interests (tags, in their default
    order: by slug)."""
    return (
        User.objects.filter(username=username, is_active=True)
        .select_related("profile")
        .prefetch_related("profile__interests")
    )


def account_for_login(login: str) -> User | None:
    """The account a log-in name means: a username, or any email address of the account."""
    login = login.strip()
    if not login:
        return None
    if "@" in login:
        matches = User.objects.filter(Q(email__iexact=login) | Q(emailaddress__email__iexact=login))
    else:
        matches = User.objects.filter(username__iexact=login)
    return matches.order_by("pk").first()


def token_list(*, user: User) -> QuerySet[ApiToken]:
    """One's API tokens that have not expired, newest first."""
    return ApiToken.objects.filter(user=user, expiry__gt=timezone.now()).order_by("-created")


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


def conversation_between(*, one: User, other: User) -> Conversation | None:
    """The two people's conversation, or None when they have none."""
    first, second = sorted((one, other), key=lambda user: user.pk)
    return Conversation.objects.filter(first=first, second=second).first()


def message_visible_to(*, viewer: User, message: Message) -> bool:
    """Only the two people in a conversation, and site staff, see its messages."""
    return bool(
        viewer.is_authenticated
        and (viewer.is_staff or viewer.pk in (message.sender_id, message.recipient_id))
    )


def message_list(*, conversation: Conversation) -> QuerySet[Message]:
    """A conversation's messages, oldest first."""
    return Message.objects.filter(conversation=conversation).order_by("created_at", "id")


def block_exists(*, blocker: User, blocked: User) -> bool:
    return Block.objects.filter(blocker=blocker, blocked=blocked).exists()


@dataclass(frozen=True)
class HeaderState:
    """What the header of every page shows a signed-in person."""

    unread_notifications: int = 0
    unread_messages: int = 0  # conversations holding a message not read yet
    unverified_email: str = ""  # the primary address while it is not confirmed


def header_state(*, user: User) -> HeaderState:
    """The header's counts and the email-confirmation reminder, in one query."""
    unread_notifications = (
        Notification.objects.filter(user=OuterRef("pk"), read_at__isnull=True)
        .order_by()
        .values("user")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    unread_messages = (
        Message.objects.filter(recipient=OuterRef("pk"), read_at__isnull=True)
        .order_by()
        .values("recipient")
        .annotate(n=Count("conversation", distinct=True))
        .values("n")[:1]
    )
    unverified = EmailAddress.objects.filter(
        user=OuterRef("pk"), primary=True, verified=False
    ).values("email")[:1]
    row = (
        User.objects.filter(pk=user.pk)
        .annotate(
            unread_notification_count=Subquery(unread_notifications),
            unread_conversation_count=Subquery(unread_messages),
            unverified_email=Subquery(unverified),
        )
        .values_list("unread_notification_count", "unread_conversation_count", "unverified_email")
        .first()
    )
    if row is None:
        return HeaderState()
    return HeaderState(int(row[0] or 0), int(row[1] or 0), row[2] or "")
