"""People with an unconfirmed email address see a banner that sends the link again, and get one
reminder by mail a day after signing up."""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from profiles import services
from profiles.services import VERIFY_REMINDER_KEY
from tests.profiles.factories import UserFactory

pytestmark = pytest.mark.django_db


def _signed_up(username, *, hours_ago, verified=False):
    user = UserFactory(username=username)
    user.date_joined = timezone.now() - timedelta(hours=hours_ago)
    user.save(update_fields=["date_joined"])
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=verified)
    cache.delete(VERIFY_REMINDER_KEY.format(user.pk))
    return user


def test_an_unconfirmed_person_sees_the_banner_and_can_have_the_link_sent_again(client):
    user = _signed_up("newcomer", hours_ago=1)
    client.force_login(user)
    html = client.get(reverse("home")).content.decode()
    assert "Please confirm your email address, newcomer@example.org" in html
    assert "Send the link again" in html
    response = client.post(
        reverse("account_email"), {"email": user.email, "action_send": "1"}, follow=True
    )
    assert response.status_code == 200
    assert [m.to for m in mail.outbox] == [[user.email]]

    EmailAddress.objects.filter(user=user).update(verified=True)
    assert "Please confirm your email" not in client.get(reverse("home")).content.decode()


def test_one_reminder_a_day_after_signing_up():
    yesterday = _signed_up("yesterday", hours_ago=30)
    _signed_up("today", hours_ago=3)
    _signed_up("lastweek", hours_ago=24 * 7)
    _signed_up("confirmed", hours_ago=30, verified=True)

    assert services.email_verification_reminders_send() == 1
    assert [m.to for m in mail.outbox] == [[yesterday.email]]
    message = mail.outbox[0]
    assert "confirm your email address" in message.subject
    assert "/accounts/confirm-email/" in message.body

    # Run again (a redelivered task, or beat twice): nobody is reminded twice.
    assert services.email_verification_reminders_send() == 0
    assert len(mail.outbox) == 1
