"""Profiles and notifications: what a person's settings change, what reaches them and how."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from profiles import tasks  # noqa: F401  (registers the tasks that eager Celery runs here)
from profiles.models import Notification, Profile
from profiles.services import (
    notifications_daily_digest,
    notifications_mark_read,
    notify,
    notify_many,
    profile_update,
)
from tests.profiles.factories import UserFactory

pytestmark = pytest.mark.django_db

PREFERENCE_OF = {
    Notification.Kind.INVITATION: "notify_invitations",
    Notification.Kind.NEW_PEER: "notify_peers",
    Notification.Kind.REPLY: "notify_replies",
    Notification.Kind.PROPOSAL: "notify_proposals",
}


@pytest.fixture
def eager_celery():
    """Run tasks in the calling process, so that mail sent "immediately" can be checked."""
    from config.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def set_profile(user, **fields):
    Profile.objects.filter(user=user).update(**fields)
    user.profile.refresh_from_db()


def test_profile_update_changes_notification_preferences():
    user = UserFactory()
    profile = profile_update(
        user=user,
        email_frequency="never",
        notify_invitations=False,
        notify_peers=False,
        notify_replies=True,
        notify_proposals=False,
    )
    profile.refresh_from_db()
    assert profile.email_frequency == "never"
    assert (profile.notify_invitations, profile.notify_peers) == (False, False)
    assert (profile.notify_replies, profile.notify_proposals) == (True, False)
    # Leaving an argument out leaves the setting as it is.
    profile = profile_update(user=user, bio="Gardener")
    assert profile.email_frequency == "never" and not profile.notify_peers


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"email_frequency": "hourly"}, "email_frequency"),
        ({"display_name": "x" * 81}, "display_name"),
        ({"bio": "x" * 2001}, "bio"),
    ],
)
def test_profile_update_refuses_what_a_profile_cannot_hold(changes, field):
    user = UserFactory()
    with pytest.raises(ValidationError) as error:
        profile_update(user=user, **changes)
    assert field in error.value.message_dict
    user.profile.refresh_from_db()
    assert user.profile.email_frequency == "daily" and len(user.profile.bio) < 2001


@pytest.mark.parametrize("kind", Notification.Kind.values)
def test_each_kind_is_delivered_in_the_app(kind):
    user = UserFactory()
    notification = notify(user=user, kind=kind, title="Something happened", url="/somewhere/")
    assert notification is not None
    assert list(Notification.objects.filter(user=user).values_list("kind", "title", "url")) == [
        (kind, "Something happened", "/somewhere/")
    ]


@pytest.mark.parametrize(("kind", "preference"), list(PREFERENCE_OF.items()))
def test_a_kind_turned_off_is_not_delivered_and_others_still_are(kind, preference):
    user = UserFactory()
    set_profile(user, **{preference: False})
    assert notify(user=user, kind=kind, title="Muted") is None
    assert not Notification.objects.filter(user=user, kind=kind).exists()
    for other in set(PREFERENCE_OF) - {kind}:
        assert notify(user=user, kind=other, title="Still on") is not None


def test_no_notification_for_what_one_did_oneself():
    user = UserFactory()
    assert notify(user=user, kind=Notification.Kind.REPLY, title="x", actor=user) is None
    assert not Notification.objects.exists()


def test_mailing_immediately_sends_one_message_after_commit(
    eager_celery, django_capture_on_commit_callbacks
):
    user = UserFactory(email="ada@example.org")
    set_profile(user, email_frequency=Profile.EmailFrequency.IMMEDIATELY)
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(user=user, kind=Notification.Kind.REPLY, title="Grace replied")
        assert mail.outbox == []  # not before the transaction commits
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ada@example.org"]
    assert "Grace replied" in message.subject and "Grace replied" in message.body
    notification.refresh_from_db()
    assert notification.emailed_at is not None


@pytest.mark.parametrize("frequency", ["daily", "never"])
def test_other_frequencies_mail_nothing_at_once(
    frequency, eager_celery, django_capture_on_commit_callbacks
):
    user = UserFactory()
    set_profile(user, email_frequency=frequency)
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=user, kind=Notification.Kind.REPLY, title="Grace replied")
    assert mail.outbox == []


def test_the_daily_digest_mails_each_person_once_with_all_their_news():
    ada, grace = UserFactory(email="ada@example.org"), UserFactory(email="grace@example.org")
    at_once = UserFactory(email="now@example.org")
    set_profile(at_once, email_frequency="immediately")
    never = UserFactory(email="never@example.org")
    set_profile(never, email_frequency="never")
    done = UserFactory(email="done@example.org")
    for person in (ada, grace, never, done):
        for title in ("First news", "Second news"):
            notify(user=person, kind=Notification.Kind.NEW_PEER, title=f"{title} for {person}")
    Notification.objects.create(user=at_once, kind="reply", title="Mailed already")
    notifications_mark_read(user=done)

    assert notifications_daily_digest() == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["ada@example.org", "grace@example.org"]
    for message in mail.outbox:
        person = ada if message.to == ["ada@example.org"] else grace
        assert f"First news for {person}" in message.body
        assert f"Second news for {person}" in message.body
        assert "2 updates" in message.subject

    # A second run the same day has nothing left to send.
    assert notifications_daily_digest() == 0
    assert len(mail.outbox) == 2
    notify(user=ada, kind=Notification.Kind.PROPOSAL, title="A vote opened")
    assert notifications_daily_digest() == 1
    assert mail.outbox[-1].to == ["ada@example.org"] and "A vote opened" in mail.outbox[-1].body


def test_marking_read_touches_only_ones_own_unread_notifications():
    ada, grace = UserFactory(), UserFactory()
    mine = [notify(user=ada, kind="reply", title=f"n{i}") for i in range(3)]
    theirs = notify(user=grace, kind="reply", title="theirs")
    assert notifications_mark_read(user=ada, ids=[mine[0].pk, theirs.pk]) == 1
    assert notifications_mark_read(user=ada, ids=[mine[0].pk]) == 0  # safe to repeat
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert notifications_mark_read(user=ada) == 2
    assert not Notification.objects.filter(user=ada, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=ada, read_at__lte=timezone.now()).count() == 3


def test_notify_many_follows_each_persons_preferences_like_notify(
    eager_celery, django_capture_on_commit_callbacks
):
    """What a run uses to invite thousands at once: the same rules as ``notify``, one by one."""
    mailed = UserFactory(email="ada@example.org")
    set_profile(mailed, email_frequency=Profile.EmailFrequency.IMMEDIATELY)
    quiet = UserFactory()
    set_profile(quiet, notify_invitations=False)
    daily = UserFactory(email="grace@example.org")
    set_profile(daily, email_frequency="daily")
    gone = UserFactory(is_active=False)
    no_profile = UserFactory(profile=None)
    with django_capture_on_commit_callbacks(execute=True):
        written = notify_many(
            users=[mailed, quiet, daily, gone, no_profile],
            kind=Notification.Kind.INVITATION,
            title="3 people are working on rye bread: join them?",
            url="/c/rye/",
        )
    assert {n.user_id for n in written} == {mailed.pk, daily.pk, no_profile.pk}
    assert set(Notification.objects.values_list("user_id", flat=True)) == {
        mailed.pk,
        daily.pk,
        no_profile.pk,
    }
    assert [m.to for m in mail.outbox] == [["ada@example.org"]]
    assert Profile.objects.filter(user=no_profile).exists()
    assert daily.profile.email_frequency == "daily"  # the caller's cached profile is left alone
