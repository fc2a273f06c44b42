"""Notifications: written by preference, mailed at once or in the daily digest, marked read."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from core.queue import enqueue_on_commit
from profiles.models import Block, Notification, Profile, User
from profiles.selectors import KIND_PREFERENCE


def notify(
    *,
    user: User,
    kind: str,
    title: str,
    url: str = "",
    actor: User | None = None,
    names_actor: bool = False,
) -> Notification | None:
    """Tell someone about something, if their preferences allow that kind. It shows in the app at
    once; by mail immediately (after commit) or in the daily digest, as they chose. Returns None
    when their preferences turn this kind off, when they caused it themselves, or when they
    blocked the person who did (a moderator's decision reaches them all the same).

    With ``names_actor``, ``title`` is what follows the actor's name ("sent you a message"): the
    name is not stored but put before it when shown (Notification.text), as the actor is named
    then."""
    if actor is not None and actor.pk == user.pk:
        return None
    written = notify_many(
        users=[user], kind=kind, title=title, url=url, actor=actor, names_actor=names_actor
    )
    return written[0] if written else None


def notify_many(
    *,
    users: Sequence[User],
    kind: str,
    title: str,
    url: str = "",
    actor: User | None = None,
    names_actor: bool = False,
) -> list[Notification]:
    """:func:`notify` for many people at once (a run inviting thousands of authors): profiles
    made and read in one query each, notifications written in one. Returns those written."""
    if names_actor and actor is None:
        raise ValueError("A notification that names its actor needs one.")
    active = [u for u in users if u.is_active]
    if actor is not None and kind != Notification.Kind.MODERATION:
        # Blocking someone means hearing nothing from them (profiles/permissions.py).
        blockers = set(
            Block.objects.filter(blocked=actor, blocker__in=active).values_list(
                "blocker_id", flat=True
            )
        )
        active = [u for u in active if u.pk not in blockers]
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
            Notification(
                user=u,
                kind=kind,
                title=title[:200],
                url=url[:500],
                actor=actor,
                names_actor=names_actor,
            )
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
            Notification.objects.select_for_update(of=("self",))
            .select_related("user", "actor__profile")
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
        subject=f"Kindred: {notification.text}",
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
                Notification.objects.select_for_update(of=("self",))
                .select_related("actor__profile")
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
