"""Reminding people to confirm their email address."""

from __future__ import annotations

from datetime import datetime

from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

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
