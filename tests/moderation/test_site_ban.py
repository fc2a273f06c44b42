"""Site-wide bans: staff ban a person from the whole site (service, page, API), it is logged in
words, the person's sessions and tokens stop working, log-in says why and until when, and staff
lift it. Also: reports on people and direct messages reach site staff."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from moderation import services
from moderation.models import ModerationAction, Report
from profiles.models import ApiToken, Message, Notification, SiteBan
from profiles.services import message_send
from tests.profiles.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return UserFactory(username="staff", is_staff=True)


@pytest.fixture
def ada():
    return UserFactory(username="ada")


def _log(verb: str):
    return ModerationAction.objects.filter(verb=verb, community=None)


def test_staff_ban_a_person_and_the_log_says_so_in_words(staff, ada):
    until = timezone.now() + timedelta(days=7)
    ban = services.site_ban(actor=staff, user=ada, reason="Spam in messages", until=until)
    assert SiteBan.objects.get(user=ada) == ban
    entry = _log(ModerationAction.Verb.SITE_BAN).get()
    assert entry.get_verb_display() == "Banned"
    assert entry.target_repr == f"ada from the whole site until {until:%-d %B %Y, %H:%M} UTC"
    assert entry.reason == "Spam in messages" and entry.actor == staff
    told = Notification.objects.get(user=ada, kind=Notification.Kind.MODERATION)
    assert "You were banned from Kindred until" in told.title and "Spam in messages" in told.title


def test_banning_again_the_same_way_changes_nothing_and_another_end_is_logged(staff, ada):
    services.site_ban(actor=staff, user=ada, reason="Spam")
    services.site_ban(actor=staff, user=ada, reason="Spam")
    assert _log(ModerationAction.Verb.SITE_BAN).count() == 1
    services.site_ban(actor=staff, user=ada, reason="Spam", until=timezone.now() + timedelta(1))
    assert _log(ModerationAction.Verb.SITE_BAN).count() == 2
    assert SiteBan.objects.get(user=ada).until is not None


def test_only_staff_ban_and_not_themselves_other_staff_or_into_the_past(staff, ada):
    with pytest.raises(PermissionDenied):
        services.site_ban(actor=UserFactory(), user=ada, reason="x")
    with pytest.raises(ValidationError):
        services.site_ban(actor=staff, user=staff, reason="x")
    with pytest.raises(ValidationError):
        services.site_ban(actor=staff, user=UserFactory(is_staff=True), reason="x")
    with pytest.raises(ValidationError):
        services.site_ban(actor=staff, user=ada, reason="")
    with pytest.raises(ValidationError):
        services.site_ban(actor=staff, user=ada, reason="x", until=timezone.now())
    assert not SiteBan.objects.exists() and not ModerationAction.objects.exists()


def test_lifting_a_ban_is_logged_once(staff, ada):
    services.site_ban(actor=staff, user=ada, reason="Spam")
    assert services.site_unban(actor=staff, user=ada, reason="Apologised") is True
    assert services.site_unban(actor=staff, user=ada) is False
    assert not SiteBan.objects.exists()
    entry = _log(ModerationAction.Verb.SITE_UNBAN).get()
    assert entry.target_repr == "ada from the whole site" and entry.reason == "Apologised"
    with pytest.raises(PermissionDenied):
        services.site_unban(actor=ada, user=ada)


def test_a_banned_persons_session_stops_working(staff, ada):
    client = Client()
    client.force_login(ada)
    assert client.get("/people/messages/").status_code == 200
    services.site_ban(actor=staff, user=ada, reason="Spam")
    for path in ("/people/messages/", "/posts/new/", "/people/settings/"):
        r = client.get(path)
        assert r.status_code == 302 and r["Location"].startswith("/accounts/login/"), path
    r = client.post("/posts/new/", {"title": "x", "body": "y"})
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")


def test_a_banned_person_is_told_why_and_until_when_at_log_in(staff, ada):
    services.site_ban(
        actor=staff,
        user=ada,
        reason="Spam in messages",
        until=datetime(2999, 12, 9, 16, 2, tzinfo=UTC),
    )
    client = Client()
    r = client.post("/accounts/login/", {"login": "ada", "password": DEFAULT_PASSWORD})
    assert r.status_code == 403
    text = r.content.decode()
    assert "until 9 December 2999, 16:02 UTC" in text and "Spam in messages" in text
    assert client.get("/people/messages/").status_code == 302  # not logged in
    # A wrong password learns nothing about the ban.
    r = client.post("/accounts/login/", {"login": "ada", "password": "wrong"})
    assert "Spam in messages" not in r.content.decode()


def test_an_ended_ban_lets_the_person_in_again(staff, ada):
    SiteBan.objects.create(user=ada, reason="Spam", until=timezone.now() - timedelta(minutes=1))
    client = Client()
    r = client.post("/accounts/login/", {"login": "ada", "password": DEFAULT_PASSWORD})
    assert r.status_code == 302
    assert client.get("/people/messages/").status_code == 200


def test_a_banned_persons_tokens_stop_and_no_new_one_is_given(staff, ada):
    api = APIClient()
    token = api.post("/api/auth/token/", {"username": "ada", "password": DEFAULT_PASSWORD})
    assert token.status_code == 200
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    assert api.get("/api/conversations/").status_code == 200
    services.site_ban(actor=staff, user=ada, reason="Spam")
    assert not ApiToken.objects.filter(user=ada).exists()
    refused = api.get("/api/conversations/")
    assert refused.status_code in (401, 403) and "Invalid token" in refused.content.decode()
    assert api.post("/api/posts/", {"title": "x", "body": "y"}).status_code in (401, 403)
    again = APIClient().post("/api/auth/token/", {"username": "ada", "password": DEFAULT_PASSWORD})
    assert again.status_code == 400
    assert "banned from the site for good: Spam" in again.content.decode()


# -- the page and the API ------------------------------------------------------------------------


def test_the_ban_page_is_for_staff(staff, ada):
    client = Client()
    client.force_login(ada)
    assert client.get("/moderation/people/ada/ban/").status_code == 403
    assert client.post("/moderation/people/ada/ban/", {"reason": "x"}).status_code == 403
    assert not SiteBan.objects.exists()


def test_staff_ban_and_lift_from_the_page(staff, ada):
    client = Client()
    client.force_login(staff)
    profile = client.get("/people/ada/")
    assert b"/moderation/people/ada/ban/" in profile.content
    assert client.get("/moderation/people/ada/ban/").status_code == 200
    r = client.post(
        "/moderation/people/ada/ban/", {"reason": "Spam", "until": "2999-12-09"}, follow=True
    )
    assert r.status_code == 200
    assert "banned from the site until 9 December 2999, 00:00 UTC" in r.content.decode()
    assert SiteBan.objects.get(user=ada).until == datetime(2999, 12, 9, tzinfo=UTC)
    bad = client.post("/moderation/people/ada/ban/", {"reason": "", "until": "yesterday"})
    assert bad.status_code == 400 and b"field--invalid" in bad.content
    past = client.post("/moderation/people/ada/ban/", {"reason": "x", "until": "2000-01-01"})
    assert past.status_code == 400 and b"Choose a time in the future" in past.content
    r = client.post("/moderation/people/ada/unban/", {"reason": "Done"}, follow=True)
    assert r.status_code == 200 and b"ban is lifted" in r.content
    assert not SiteBan.objects.exists()
    log = client.get("/moderation/log/").content.decode()
    assert "ada from the whole site until 9 December 2999, 00:00 UTC" in log


def test_staff_ban_and_lift_through_the_api(staff, ada):
    api = APIClient()
    api.force_authenticate(ada)
    assert (
        api.post("/api/moderation/site/people/ban/", {"user": "ada", "reason": "x"}).status_code
        == 403
    )
    api.force_authenticate(staff)
    r = api.post(
        "/api/moderation/site/people/ban/",
        {"user": "ada", "reason": "Spam", "until": "2999-01-01T00:00:00Z"},
        format="json",
    )
    assert r.status_code == 200, r.content
    assert r.json()["banned"] is True and r.json()["until"].startswith("2999-01-01")
    r = api.post("/api/moderation/site/people/ban/", {"user": "nobody", "reason": "x"})
    assert r.status_code == 400
    r = api.post("/api/moderation/site/people/unban/", {"user": "ada"}, format="json")
    assert r.status_code == 200 and r.json()["banned"] is False
    assert not SiteBan.objects.exists()


# -- reports on people and messages ---------------------------------------------------------------


def test_staff_see_reports_on_people_and_messages_in_their_queue(staff, ada):
    grace = UserFactory(username="grace")
    message = message_send(sender=grace, recipient=ada, body="Buy my course")
    services.report_create(reporter=ada, target=grace, reason="Sells things")
    services.report_create(reporter=ada, target=message, reason="Spam")
    client = Client()
    client.force_login(staff)
    queue = client.get("/moderation/").content.decode()
    assert "Sells things" in queue and "Person:" in queue
    assert "Direct message" in queue and "Buy my course" in queue
    assert "/moderation/people/grace/ban/" in queue


def test_upholding_a_report_on_a_message_removes_its_text_and_tells_the_sender(staff, ada):
    grace = UserFactory(username="grace")
    message = message_send(sender=grace, recipient=ada, body="Rude words")
    report = services.report_create(reporter=ada, target=message, reason="Rude")
    assert report.community is None
    services.report_decide(actor=staff, report=report, uphold=True, reason="Be kind")
    message.refresh_from_db()
    assert message.removed_at is not None
    assert Notification.objects.filter(
        user=grace, title__contains="Site staff removed a message you sent: Be kind"
    ).exists()
    entry = _log(ModerationAction.Verb.UPHOLD_REPORT).get()
    assert entry.target_repr == "a message from grace to ada"
    client = Client()
    client.force_login(ada)
    page = client.get(message.conversation.get_absolute_url()).content.decode()
    assert "Rude words" not in page and "Removed by a moderator" in page


def test_a_message_report_is_decided_by_staff_only(ada):
    grace = UserFactory(username="grace")
    message = message_send(sender=grace, recipient=ada, body="x")
    report = services.report_create(reporter=ada, target=message, reason="Rude")
    with pytest.raises(PermissionDenied):
        services.report_decide(actor=ada, report=report, uphold=True, reason="x")
    assert Message.objects.get().removed_at is None
    assert Report.objects.get().target_type == ContentType.objects.get_for_model(Message)
