"""Direct messages and blocks through their services: who may write to whom, unread state,
notifications and mail by the person's settings, blocks, bans and rate limits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import timezone

from config.celery import app as celery_app
from core.ratelimit import RateLimited
from profiles import (
    selectors,
    services,
    tasks,  # noqa: F401  (registers the tasks that eager Celery runs here)
)
from profiles.models import Conversation, Message, Notification, Profile, SiteBan
from tests.profiles.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada():
    return UserFactory(username="ada")


@pytest.fixture
def grace():
    return UserFactory(username="grace")


def test_a_first_message_starts_one_conversation_for_both(ada, grace):
    first = services.message_send(sender=ada, recipient=grace, body="  Hello Grace  ")
    second = services.message_send(sender=grace, recipient=ada, body="Hi Ada")
    assert first.conversation_id == second.conversation_id
    assert Conversation.objects.count() == 1
    assert first.body == "Hello Grace"
    assert [m.body for m in selectors.message_list(conversation=first.conversation)] == [
        "Hello Grace",
        "Hi Ada",
    ]
    listed = selectors.conversation_list(user=grace).get()
    assert listed.unread == 1 and listed.last_body == "Hi Ada" and listed.last_sender_id == grace.pk


def test_unread_counts_conversations_and_opening_marks_them_read(ada, grace):
    alan = UserFactory(username="alan")
    services.message_send(sender=ada, recipient=grace, body="one")
    services.message_send(sender=ada, recipient=grace, body="two")
    services.message_send(sender=alan, recipient=grace, body="three")
    assert selectors.header_state(user=grace).unread_messages == 2
    assert selectors.header_state(user=ada).unread_messages == 0
    conversation = selectors.conversation_between(one=grace, other=ada)
    assert services.conversation_mark_read(user=grace, conversation=conversation) == 2
    assert services.conversation_mark_read(user=grace, conversation=conversation) == 0
    assert selectors.header_state(user=grace).unread_messages == 1
    # The notification about that conversation is read with it.
    assert not Notification.objects.filter(
        user=grace, url=conversation.get_absolute_url(), read_at__isnull=True
    ).exists()


def test_only_the_two_people_mark_a_conversation_read(ada, grace):
    conversation = services.message_send(sender=ada, recipient=grace, body="x").conversation
    with pytest.raises(PermissionDenied):
        services.conversation_mark_read(user=UserFactory(), conversation=conversation)
    assert selectors.conversation_for(user=UserFactory(), pk=conversation.pk) is None


def test_the_recipient_is_notified_once_per_unread_conversation(ada, grace):
    for text in ("one", "two", "three"):
        services.message_send(sender=ada, recipient=grace, body=text)
    told = Notification.objects.filter(user=grace, kind=Notification.Kind.MESSAGE)
    assert told.count() == 1
    assert told.get().text == f"{ada.public_name} sent you a message"
    conversation = selectors.conversation_between(one=ada, other=grace)
    services.conversation_mark_read(user=grace, conversation=conversation)
    services.message_send(sender=ada, recipient=grace, body="four")
    assert told.count() == 2


@pytest.fixture
def eager_celery():
    """Run tasks in the calling process, so that mail sent "immediately" can be checked."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def test_mail_follows_the_persons_settings(
    ada, grace, eager_celery, django_capture_on_commit_callbacks
):
    Profile.objects.filter(user=grace).update(email_frequency=Profile.EmailFrequency.IMMEDIATELY)
    with django_capture_on_commit_callbacks(execute=True):
        services.message_send(sender=ada, recipient=grace, body="Mailed at once")
    assert [m.to for m in mail.outbox] == [[grace.email]]
    assert f"{ada.public_name} sent you a message" in mail.outbox[0].subject
    mail.outbox.clear()
    Profile.objects.filter(user=ada).update(email_frequency=Profile.EmailFrequency.NEVER)
    with django_capture_on_commit_callbacks(execute=True):
        services.message_send(sender=grace, recipient=ada, body="Not mailed")
    assert mail.outbox == []


@pytest.mark.parametrize("body", ["", "   ", "x" * 5001, "nul\x00byte"])
def test_bad_messages_are_refused_with_a_reason(ada, grace, body):
    with pytest.raises(ValidationError) as error:
        services.message_send(sender=ada, recipient=grace, body=body)
    assert "body" in error.value.message_dict
    assert not Message.objects.exists()


def test_nobody_writes_to_themselves(ada):
    with pytest.raises(PermissionDenied, match="yourself"):
        services.message_send(sender=ada, recipient=ada, body="me")


def test_people_who_are_not_findable_take_messages_only_from_people_they_wrote_to(ada, grace):
    Profile.objects.filter(user=grace).update(discoverable=False)
    with pytest.raises(PermissionDenied, match="does not let others find them"):
        services.message_send(sender=ada, recipient=grace, body="Hello?")
    services.message_send(sender=grace, recipient=ada, body="I write first")
    assert services.message_send(sender=ada, recipient=grace, body="Now I may").pk


def test_staff_may_write_to_people_who_are_not_findable(grace):
    Profile.objects.filter(user=grace).update(discoverable=False)
    staff = UserFactory(username="staff", is_staff=True)
    assert services.message_send(sender=staff, recipient=grace, body="From staff").pk


def test_a_block_stops_messages_both_ways_and_is_said_plainly(ada, grace):
    services.message_send(sender=ada, recipient=grace, body="before")
    services.person_block(actor=grace, person=ada)
    services.person_block(actor=grace, person=ada)  # safe to repeat
    with pytest.raises(PermissionDenied, match="does not take messages from you"):
        services.message_send(sender=ada, recipient=grace, body="after")
    with pytest.raises(PermissionDenied, match="You blocked"):
        services.message_send(sender=grace, recipient=ada, body="after")
    assert services.person_unblock(actor=grace, person=ada) is True
    assert services.person_unblock(actor=grace, person=ada) is False
    assert services.message_send(sender=ada, recipient=grace, body="again").pk


def test_nobody_blocks_themselves(ada):
    with pytest.raises(ValidationError):
        services.person_block(actor=ada, person=ada)


def test_a_person_banned_from_the_site_cannot_write_or_be_written_to(ada, grace):
    SiteBan.objects.create(user=grace, reason="Spam")
    # Only Grace is told of her ban; Ada reads what a block would say (issue 21).
    with pytest.raises(PermissionDenied, match="does not take messages from you"):
        services.message_send(sender=ada, recipient=grace, body="x")
    with pytest.raises(PermissionDenied, match="You are banned from the site"):
        services.message_send(sender=grace, recipient=ada, body="x")


def test_an_ended_site_ban_no_longer_stops_messages(ada, grace):
    SiteBan.objects.create(user=grace, reason="Spam", until=timezone.now() - timedelta(hours=1))
    assert services.message_send(sender=ada, recipient=grace, body="x").pk


def test_accounts_that_are_gone_take_no_messages(ada, grace):
    grace.is_active = False
    grace.save()
    with pytest.raises(PermissionDenied, match="no longer has an account"):
        services.message_send(sender=ada, recipient=grace, body="x")


LIMITS = {
    "message": {"limit": 5, "new_limit": 2, "window": 3600},
    "conversation": {"limit": 3, "new_limit": 1, "window": 3600},
}


@pytest.fixture
def limits_on(own_cache):
    with override_settings(KINDRED_RATE_LIMITS_ENABLED=True, KINDRED_RATE_LIMITS=LIMITS):
        yield


def test_new_accounts_start_few_conversations(limits_on, ada):
    services.message_send(sender=ada, recipient=UserFactory(), body="one")
    with pytest.raises(RateLimited) as limited:
        services.message_send(sender=ada, recipient=UserFactory(), body="two")
    assert limited.value.retry_after > 0


def test_new_accounts_send_fewer_messages_than_older_ones(limits_on, ada, grace):
    for _ in range(2):
        services.message_send(sender=ada, recipient=grace, body="hi")
    with pytest.raises(RateLimited):
        services.message_send(sender=ada, recipient=grace, body="hi")
    old = UserFactory(date_joined=timezone.now() - timedelta(days=30))
    for _ in range(5):
        services.message_send(sender=old, recipient=grace, body="hi")
    with pytest.raises(RateLimited):
        services.message_send(sender=old, recipient=grace, body="hi")
