"""Every read of people, profiles and notifications."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from profiles.models import Notification, Profile, User

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


def email_unverified(*, user: User) -> str:
    """The person's primary email address while it is not confirmed, else ""."""
    return header_state(user=user)[1]


def header_state(*, user: User) -> tuple[int, str]:
    """What the header and the banner of every page need, in one query: the person's unread
    notification count, and their primary email address while it is not confirmed ("" when it
    is, or when they have none)."""
    unread = (
        Notification.objects.filter(user=OuterRef("pk"), read_at__isnull=True)
        .order_by()
        .values("user")
        .annotate(n=Count("pk"))
        .values("n")
    )
    unverified = EmailAddress.objects.filter(
        user=OuterRef("pk"), primary=True, verified=False
    ).values("email")[:1]
    row = (
        User.objects.filter(pk=user.pk)
        .annotate(unread=Coalesce(Subquery(unread), 0), unverified=Subquery(unverified))
        .values_list("unread", "unverified")
        .first()
    )
    if row is None:
        return 0, ""
    return row[0], row[1] or ""
