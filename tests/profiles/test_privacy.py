"""Bans, blocks and deleted accounts, seen from other people (issue 21, items 5-7): a ban is
told to the banned person alone; a block keeps the blocked person away from the blocker (no
messages, no replies on their posts or in their threads, no notices) without telling them so in
those words; a notification names its actor as they are now, "a former member" once gone."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from communities import services as communities
from communities.models import Membership
from profiles import services
from profiles.models import Block, Notification, Profile, SiteBan, User
from tests.communities.factories import CommunityFactory, MembershipFactory, PostFactory
from tests.profiles.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _person(username: str, name: str) -> User:
    user = UserFactory(username=username)
    Profile.objects.filter(user=user).update(display_name=name, discoverable=True)
    return User.objects.select_related("profile").get(pk=user.pk)


# -- 5. a ban is nobody else's business ---------------------------------------------------------


def test_writing_to_a_banned_person_reads_like_any_refusal():
    ada, dave, eve = _person("ada", "Ada"), _person("dave", "Dave"), _person("eve", "Eve")
    SiteBan.objects.create(user=dave, reason="Spam")
    Block.objects.create(blocker=eve, blocked=ada)
    client = Client()
    client.force_login(ada)
    to_dave = client.get("/people/messages/to/dave/")
    to_eve = client.get("/people/messages/to/eve/")
    assert to_dave.status_code == to_eve.status_code == 403
    assert b"banned" not in to_dave.content
    assert b"Dave does not take messages from you." in to_dave.content
    assert b"Eve does not take messages from you." in to_eve.content
    dave_page = client.get("/people/dave/")
    assert dave_page.status_code == 200 and b"banned" not in dave_page.content
    api = APIClient()
    api.force_authenticate(ada)
    r = api.post("/api/conversations/", {"to": "dave", "body": "Hello"}, format="json")
    assert r.status_code == 403, r.content
    assert (
        "banned" not in r.content.decode()
        and "does not take messages from you" in r.json()["detail"]
    )


def test_a_conversation_with_someone_banned_later_does_not_say_so():
    ada, dave = _person("ada", "Ada"), _person("dave", "Dave")
    message = services.message_send(sender=dave, recipient=ada, body="Hi")
    SiteBan.objects.create(user=dave, reason="Spam")
    client = Client()
    client.force_login(ada)
    page = client.get(message.conversation.get_absolute_url())
    assert page.status_code == 200
    assert b"banned" not in page.content
    assert b"Dave does not take messages from you." in page.content


def test_the_banned_person_is_told_they_are_banned():
    from profiles.permissions import message_refusal

    ada, dave = _person("ada", "Ada"), _person("dave", "Dave")
    SiteBan.objects.create(user=dave, reason="Spam")
    assert "You are banned from the site" in message_refusal(sender=dave, recipient=ada)


# -- 6. a block keeps the blocked person away -----------------------------------------------------


def test_a_blocked_person_cannot_reply_to_the_blockers_post_and_is_not_told_why_in_words():
    grace, mallory = _person("grace", "Grace"), _person("mallory", "Mallory")
    post = PostFactory(author=grace, title="Clay drains badly")
    services.person_block(actor=grace, person=mallory)
    api = APIClient()
    api.force_authenticate(mallory)
    r = api.post(f"/api/posts/{post.pk}/replies/", {"body": "Hello again"}, format="json")
    assert r.status_code == 403, r.content
    assert r.json()["detail"] == "Grace does not take replies from you."
    client = Client()
    client.force_login(mallory)
    page = client.get(f"/posts/{post.pk}/")
    assert b"Reply to Grace" not in page.content
    assert b"Grace does not take replies from you." in page.content
    assert b"block" not in page.content.lower()
    posted = client.post(f"/posts/{post.pk}/replies/", {"body": "Through the page"})
    assert posted.status_code == 403
    assert b"block" not in posted.content.lower()
    assert not Notification.objects.filter(user=grace).exists()
    # Others still may.
    api.force_authenticate(_person("ada", "Ada"))
    r = api.post(f"/api/posts/{post.pk}/replies/", {"body": "Hi"}, format="json")
    assert r.status_code == 201, r.content


def test_a_blocked_person_cannot_reply_in_the_blockers_thread():
    grace, mallory = _person("grace", "Grace"), _person("mallory", "Mallory")
    community = CommunityFactory(name="Clay gardens", slug="clay-gardens")
    for person in (grace, mallory):
        MembershipFactory(community=community, user=person, state=Membership.State.ACTIVE)
    thread = communities.thread_start(author=grace, community=community, title="Mulch?", body="Hi")
    services.person_block(actor=grace, person=mallory)
    api = APIClient()
    api.force_authenticate(mallory)
    r = api.post("/api/thread-messages/", {"thread": thread.pk, "body": "Bark"}, format="json")
    assert r.status_code == 403, r.content
    assert r.json()["detail"] == "Grace does not take replies from you."
    client = Client()
    client.force_login(mallory)
    page = client.get(thread.get_absolute_url())
    assert page.status_code == 200 and b"Grace does not take replies from you." in page.content


def test_the_blocker_hears_nothing_from_the_blocked_person_in_others_threads():
    grace, mallory, ada = (
        _person("grace", "Grace"),
        _person("mallory", "Mallory"),
        _person("ada", "Ada"),
    )
    community = CommunityFactory(name="Clay gardens", slug="clay-gardens")
    for person in (grace, mallory, ada):
        MembershipFactory(community=community, user=person, state=Membership.State.ACTIVE)
    thread = communities.thread_start(author=ada, community=community, title="Tools", body="Fork")
    communities.thread_reply(author=grace, thread=thread, body="Spade")
    services.person_block(actor=grace, person=mallory)
    communities.thread_reply(author=mallory, thread=thread, body="Hoe")
    assert not Notification.objects.filter(user=grace, actor=mallory).exists()
    assert Notification.objects.filter(user=ada, actor=mallory).exists()


# -- 7. a notification names its actor as they are now --------------------------------------------


def test_a_deleted_accounts_name_leaves_other_peoples_notifications():
    ada, gina = _person("ada", "Ada"), _person("gina", "Gina Realname")
    services.message_send(sender=gina, recipient=ada, body="Hello")
    client = Client()
    client.force_login(gina)
    r = client.post("/people/settings/delete/", {"password": DEFAULT_PASSWORD, "content": "remove"})
    assert r.status_code == 302, r.content
    assert not User.objects.filter(username="gina").exists()
    client.force_login(ada)
    page = client.get("/people/notifications/")
    assert b"Realname" not in page.content and b"A former member sent you a message" in page.content
    api = APIClient()
    api.force_authenticate(ada)
    listed = api.get("/api/notifications/").content.decode()
    assert "Realname" not in listed and "A former member sent you a message" in listed


def test_a_renamed_person_is_named_as_they_are_now():
    ada, gina = _person("ada", "Ada"), _person("gina", "Gina Realname")
    services.message_send(sender=gina, recipient=ada, body="Hello")
    Profile.objects.filter(user=gina).update(display_name="G.")
    api = APIClient()
    api.force_authenticate(ada)
    listed = api.get("/api/notifications/").json()
    titles = [n["title"] for n in listed.get("results", listed)]
    assert titles == ["G. sent you a message"]


def test_stored_notifications_lose_the_names_they_kept():
    """The data migration: rows written before names were read at the time they are shown."""
    from importlib import import_module

    from django.apps import apps

    migration = import_module("profiles.migrations.0007_notification_names_actor_when_shown")
    ada, gina = _person("ada", "Ada"), _person("gina", "Gina Realname")
    kept = Notification.objects.create(
        user=ada, kind="message", title="Gina Realname sent you a message", actor=gina
    )
    gone = Notification.objects.create(
        user=ada, kind="reply", title="Hal Gone replied to “Clay”", actor=None
    )
    other = Notification.objects.create(user=ada, kind="community", title="You are now an owner")
    migration.forwards(apps, None)
    for n in (kept, gone, other):
        n.refresh_from_db()
    assert (kept.title, kept.names_actor, kept.text) == (
        "sent you a message",
        True,
        "Gina Realname sent you a message",
    )
    assert gone.text == "A former member replied to “Clay”"
    assert (other.title, other.names_actor) == ("You are now an owner", False)
    migration.backwards(apps, None)
    kept.refresh_from_db()
    assert (kept.title, kept.names_actor) == ("Gina Realname sent you a message", True)
