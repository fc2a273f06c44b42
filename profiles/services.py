"""Every write to accounts and profiles."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from core.queue import enqueue_on_commit
from core.text import clean_name
from profiles.models import ApiToken, Notification, Profile, User
from profiles.selectors import KIND_PREFERENCE


def profile_ensure(*, user: User) -> Profile:
    """The user's profile, created with defaults when missing. Safe to repeat."""
    profile, _ = Profile.objects.get_or_create(user=user)
    return profile


@transaction.atomic
def profile_update(
    *,
    user: User,
    display_name: str | None = None,
    bio: str | None = None,
    discoverable: bool | None = None,
    email_frequency: str | None = None,
    notify_invitations: bool | None = None,
    notify_peers: bool | None = None,
    notify_replies: bool | None = None,
    notify_proposals: bool | None = None,
) -> Profile:
    """Change one's own profile and notification preferences; arguments left as None stay as
    they are. Raises ValidationError (by field) for values the profile cannot hold. Safe to repeat.
    Interests are tags, which belong to communities: communities.services sets them
    (profile_update_with_interests)."""
    profile = profile_ensure(user=user)
    if display_name is not None:
        profile.display_name = clean_name(display_name)
    if bio is not None:
        profile.bio = bio.strip()
        if len(profile.bio) > 2000:  # a TextField's max_length is not checked by full_clean
            raise ValidationError(
                {"bio": f"Keep this under 2000 characters (it has {len(profile.bio)})."}
            )
    switches = {
        "discoverable": discoverable,
        "notify_invitations": notify_invitations,
        "notify_peers": notify_peers,
        "notify_replies": notify_replies,
        "notify_proposals": notify_proposals,
    }
    for field, value in switches.items():
        if value is not None:
            setattr(profile, field, bool(value))
    if email_frequency is not None:
        profile.email_frequency = email_frequency
    profile.full_clean(exclude=["user"])
    profile.save()
    return profile


def notify(
    *, user: User, kind: str, title: str, url: str = "", actor: User | None = None
) -> Notification | None:
    """Tell someone about something, if their preferences allow that kind. It shows in the app at
    once; by mail immediately (after commit) or in the daily digest, as they chose. Returns None
    when their preferences turn this kind off, or when they caused it themselves."""
    if actor is not None and actor.pk == user.pk:
        return None
    written = notify_many(users=[user], kind=kind, title=title, url=url, actor=actor)
    return written[0] if written else None


def notify_many(
    *, users: Sequence[User], kind: str, title: str, url: str = "", actor: User | None = None
) -> list[Notification]:
    """:func:`notify` for many people at once (a run inviting thousands of authors): profiles
    made and read in one query each, notifications written in one. Returns those written."""
    active = [u for u in users if u.is_active]
    if not active:
        return []
    profiles = {p.user_id: p for p in Profile.objects.filter(user__in=active)}
    missing = [u.pk for u in active if u.pk not in profiles]
    if missing:
        # By id: a Profile(user=u) would replace the profile cached on the caller's user object.
        Profile.objects.bulk_create([Profile(user_id=pk) for pk in missing], ignore_conflicts=True)
        profiles.update({p.user_id: p for p in Profile.objects.filter(user_id__in=missing)})
    preference = KIND_PREFERENCE.get(kind)
    wanted = [u for u in active if not preference or getattr(profiles[u.pk], preference)]
    notifications = Notification.objects.bulk_create(
        [
            Notification(user=u, kind=kind, title=title[:200], url=url[:500], actor=actor)
            for u in wanted
        ]
    )
    for notification, user in zip(notifications, wanted, strict=True):
        if profiles[user.pk].email_frequency == Profile.EmailFrequency.IMMEDIATELY and user.email:
            # By task name: profiles.tasks imports this module.
            enqueue_on_commit("profiles.mail_notification", [notification.pk])
    return notifications


def notification_mail(*, notification_id: int) -> bool:
    """Mail one notification now. Safe to run twice: a notification is mailed once."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .select_related("user")
            .filter(pk=notification_id, emailed_at__isnull=True)
            .first()
        )
        if notification is None or not notification.user.email:
            return False
        Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
    context = {
        "user": notification.user,
        "notifications": [notification],
        "site_url": settings.KINDRED_SITE_URL,
    }
    send_mail(
        subject=f"Kindred: {notification.title}",
        message=render_to_string("profiles/email/notifications.txt", context),
        from_email=None,
        recipient_list=[notification.user.email],
    )
    return True


def notifications_daily_digest() -> int:
    """Mail each person who chose the daily digest their unread, unmailed notifications, in one
    message. Safe to run twice: what was mailed is marked. Returns how many people were mailed."""
    people = (
        User.objects.filter(
            is_active=True,
            profile__email_frequency=Profile.EmailFrequency.DAILY,
            notifications__emailed_at__isnull=True,
            notifications__read_at__isnull=True,
        )
        .exclude(email="")
        .distinct()
    )
    mailed = 0
    for user in people:
        with transaction.atomic():
            pending = list(
                Notification.objects.select_for_update()
                .filter(user=user, emailed_at__isnull=True, read_at__isnull=True)
                .order_by("created_at")
            )
            if not pending:
                continue
            Notification.objects.filter(pk__in=[n.pk for n in pending]).update(
                emailed_at=timezone.now()
            )
        context = {"user": user, "notifications": pending, "site_url": settings.KINDRED_SITE_URL}
        send_mail(
            subject=f"Kindred: {len(pending)} updates for you",
            message=render_to_string("profiles/email/notifications.txt", context),
            from_email=None,
            recipient_list=[user.email],
        )
        mailed += 1
    return mailed


def notifications_mark_read(*, user: User, ids: list[int] | None = None) -> int:
    """Mark some (or all) of one's notifications read. Safe to repeat."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())


TOKENS_PER_PERSON = 50


@transaction.atomic
def token_create(*, actor: User, name: str) -> tuple[ApiToken, str]:
    """Make an API token for ``actor`` named ``name``, expiring after KINDRED_TOKEN_DAYS days.
    Returns the token and its key, which is shown this once (only a digest is kept). Each call
    makes a new key (not safe to repeat: a script should keep its key)."""
    if not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied("Log in to make a token.")
    name = clean_name(name)[:80]
    if not name:
        raise ValidationError({"name": ["Give the token a name, to tell it apart later."]})
    User.objects.select_for_update().filter(pk=actor.pk).first()  # one count at a time
    if ApiToken.objects.filter(user=actor).count() >= TOKENS_PER_PERSON:
        raise ValidationError(
            f"You have {TOKENS_PER_PERSON} tokens already; revoke one you no longer use."
        )
    token, key = ApiToken.objects.create(
        user=actor, expiry=timedelta(days=settings.KINDRED_TOKEN_DAYS), name=name
    )
    return token, key


def token_revoke(*, actor: User, token: ApiToken) -> None:
    """Revoke one of one's own tokens: it is refused from then on. Safe to repeat."""
    if token.user_id != actor.pk:
        raise PermissionDenied("Only its owner can revoke a token.")
    ApiToken.objects.filter(pk=token.pk).delete()


def tokens_revoke_all(user: User) -> int:
    """Revoke every API token of ``user`` (a password change or reset, a site-wide ban); returns
    how many there were. Safe to repeat."""
    deleted, _ = ApiToken.objects.filter(user=user).delete()
    return deleted


# Reminding people to confirm their email address ------------------------------------------

VERIFY_REMINDER_KEY = "verify-reminded:{}"


def email_verification_reminders_send(*, now: datetime | None = None) -> int:
    """Once a day (beat): each active person who signed up between one and two days ago and has
    not confirmed their email address gets one reminder with a fresh link (the banner on every
    page offers to send it again at any time). Safe to run twice: a person reminded is remembered
    in the shared cache for longer than the window. Returns how many were reminded."""
    now = now or timezone.now()
    window = settings.KINDRED_VERIFY_REMINDER_AFTER
    addresses = EmailAddress.objects.filter(
        primary=True,
        verified=False,
        user__is_active=True,
        user__date_joined__lte=now - window,
        user__date_joined__gt=now - 2 * window,
    ).select_related("user")
    reminded = 0
    for address in addresses:
        if not cache.add(VERIFY_REMINDER_KEY.format(address.user_id), 1, timeout=7 * 24 * 3600):
            continue
        key = EmailConfirmationHMAC(address).key
        context = {
            "user": address.user,
            "confirm_url": settings.KINDRED_SITE_URL + reverse("account_confirm_email", args=[key]),
            "site_url": settings.KINDRED_SITE_URL,
        }
        send_mail(
            subject="Kindred: please confirm your email address",
            message=render_to_string("profiles/email/verify_reminder.txt", context),
            from_email=None,
            recipient_list=[address.email],
        )
        reminded += 1
    return reminded
