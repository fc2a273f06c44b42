"""Direct messages over HTTP: the API (/api/conversations/) and the pages, status code first."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings
from rest_framework.test import APIClient

from profiles import services
from profiles.models import Block, Conversation, Message, Profile
from profiles.selectors import header_state
from tests.profiles.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada():
    return UserFactory(username="ada")


@pytest.fixture
def grace():
    return UserFactory(username="grace")


@pytest.fixture
def api(ada):
    client = APIClient()
    client.force_authenticate(ada)
    return client


def test_the_api_needs_an_account():
    client = APIClient()
    assert client.get("/api/conversations/").status_code in (401, 403)
    r = client.post("/api/conversations/", {"to": "x", "body": "y"}, format="json")
    assert r.status_code in (401, 403)


def test_writing_listing_and_reading_a_conversation(api, ada, grace):
    r = api.post("/api/conversations/", {"to": "grace", "body": "Hello Grace"}, format="json")
    assert r.status_code == 201, r.content
    sent = r.json()
    assert sent["sender"] == "ada" and sent["body"] == "Hello Grace" and sent["read"] is False
    conversation_id = sent["conversation"]
    r = api.post(
        f"/api/conversations/{conversation_id}/messages/", {"body": "Again"}, format="json"
    )
    assert r.status_code == 201, r.content

    other = APIClient()
    other.force_authenticate(grace)
    r = other.get("/api/conversations/")
    assert r.status_code == 200, r.content
    [row] = r.json()["results"]
    assert row["other"] == {"username": "ada", "name": ada.public_name}
    assert row["unread"] == 2 and row["last_message"] == "Again"
    r = other.get(f"/api/conversations/{conversation_id}/")
    assert r.status_code == 200 and r.json()["unread"] == 2
    r = other.get(f"/api/conversations/{conversation_id}/messages/")
    assert r.status_code == 200, r.content
    assert [m["body"] for m in r.json()["results"]] == ["Again", "Hello Grace"]
    assert other.get("/api/conversations/").json()["results"][0]["unread"] == 0
    assert Message.objects.filter(read_at__isnull=True).count() == 0


def test_someone_elses_conversation_is_not_found(api, grace):
    alan = UserFactory(username="alan")
    conversation = services.message_send(sender=grace, recipient=alan, body="x").conversation
    assert api.get(f"/api/conversations/{conversation.pk}/").status_code == 404
    assert api.get(f"/api/conversations/{conversation.pk}/messages/").status_code == 404
    r = api.post(f"/api/conversations/{conversation.pk}/messages/", {"body": "hi"}, format="json")
    assert r.status_code == 404
    assert api.get("/api/conversations/99999999999999999999/").status_code == 404


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"to": "grace"},
        {"to": "grace", "body": ""},
        {"to": "grace", "body": "x" * 5001},
        {"to": "nobody", "body": "hi"},
        {"to": ["grace"], "body": "hi"},
    ],
)
def test_bad_input_answers_400_with_a_reason(api, grace, payload):
    r = api.post("/api/conversations/", payload, format="json")
    assert r.status_code == 400, r.content
    assert r.json()
    assert not Message.objects.exists()


def test_a_refusal_answers_403_with_its_reason(api, ada, grace):
    Block.objects.create(blocker=grace, blocked=ada)
    r = api.post("/api/conversations/", {"to": "grace", "body": "hi"}, format="json")
    assert r.status_code == 403, r.content
    assert "does not take messages from you" in r.json()["detail"]


@override_settings(
    KINDRED_RATE_LIMITS_ENABLED=True,
    KINDRED_RATE_LIMITS={"message": {"limit": 1, "new_limit": 1, "window": 3600}},
    CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
)
def test_too_many_messages_answer_429_with_retry_after(api, grace):
    assert api.post("/api/conversations/", {"to": "grace", "body": "1"}).status_code == 201
    r = api.post("/api/conversations/", {"to": "grace", "body": "2"}, format="json")
    assert r.status_code == 429, r.content
    assert int(r["Retry-After"]) > 0


# -- pages ----------------------------------------------------------------------------------------


@pytest.fixture
def browser_of():
    def login(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return login


def test_writing_from_a_persons_page_without_javascript(browser_of, ada, grace):
    client = browser_of(ada)
    page = client.get("/people/grace/")
    assert page.status_code == 200
    assert b"/people/messages/to/grace/" in page.content
    r = client.post("/people/messages/to/grace/", {"body": "Hello from the form"})
    conversation = Conversation.objects.get()
    assert r.status_code == 302 and r["Location"] == conversation.get_absolute_url()
    # Going to write again leads to the same conversation.
    assert client.get("/people/messages/to/grace/")["Location"] == conversation.get_absolute_url()

    theirs = browser_of(grace)
    assert b'Messages <span class="count-badge">1<' in theirs.get("/").content
    listing = theirs.get("/people/messages/")
    assert listing.status_code == 200 and b"Hello from the form" in listing.content
    opened = theirs.get(conversation.get_absolute_url())
    assert opened.status_code == 200 and b"Hello from the form" in opened.content
    assert b"Messages <span" not in theirs.get("/people/messages/").content

    r = theirs.post(f"{conversation.get_absolute_url()}send/", {"body": "Hi Ada"})
    assert r.status_code == 302
    assert Message.objects.filter(sender=grace, body="Hi Ada").exists()


def test_sending_with_htmx_answers_the_messages_in_place(browser_of, ada, grace):
    conversation = services.message_send(sender=ada, recipient=grace, body="x").conversation
    r = browser_of(grace).post(
        f"{conversation.get_absolute_url()}send/", {"body": "In place"}, HTTP_HX_REQUEST="true"
    )
    assert r.status_code == 200
    assert b'id="conversation-messages"' in r.content and b"In place" in r.content
    assert b"<html" not in r.content
    r = browser_of(grace).post(
        f"{conversation.get_absolute_url()}send/", {"body": ""}, HTTP_HX_REQUEST="true"
    )
    assert r.status_code == 200 and b"field--invalid" in r.content


def test_the_start_page_says_why_someone_cannot_be_written_to(browser_of, ada, grace):
    Profile.objects.filter(user=grace).update(discoverable=False)
    r = browser_of(ada).get("/people/messages/to/grace/")
    assert r.status_code == 403
    assert b"does not let others find them" in r.content
    r = browser_of(ada).post("/people/messages/to/grace/", {"body": "hi"})
    assert r.status_code == 403 and not Message.objects.exists()


def test_blocking_and_unblocking_from_a_persons_page(browser_of, ada, grace):
    client = browser_of(grace)
    r = client.post("/people/ada/block/", {"next": "/people/ada/"}, follow=True)
    assert r.status_code == 200
    assert b"You blocked" in r.content and b"cannot send you messages" in r.content
    assert b"Unblock" in r.content
    assert Block.objects.filter(blocker=grace, blocked=ada).exists()
    assert browser_of(ada).post("/people/messages/to/grace/", {"body": "x"}).status_code == 403
    client.post("/people/ada/unblock/")
    assert not Block.objects.exists()


def test_an_unsafe_next_address_is_ignored(browser_of, ada, grace):
    r = browser_of(ada).post("/people/grace/block/", {"next": "https://evil.example/"})
    assert r.status_code == 302 and r["Location"] == "/people/grace/"


def test_pages_need_an_account_and_keep_conversations_private(browser_of, ada, grace):
    conversation = services.message_send(sender=ada, recipient=grace, body="x").conversation
    assert Client().get("/people/messages/").status_code == 302
    assert Client().get(conversation.get_absolute_url()).status_code == 302
    alan = browser_of(UserFactory(username="alan"))
    assert alan.get(conversation.get_absolute_url()).status_code == 404
    assert alan.post(f"{conversation.get_absolute_url()}send/", {"body": "x"}).status_code == 404
    assert alan.get("/people/messages/to/nobody/").status_code == 404


def test_the_header_comes_in_one_query(ada, grace, django_assert_num_queries):
    alan = UserFactory(username="alan")
    services.message_send(sender=ada, recipient=grace, body="one")
    services.message_send(sender=ada, recipient=grace, body="two")
    services.message_send(sender=alan, recipient=grace, body="three")
    with django_assert_num_queries(1):
        # Two notifications (one per unread conversation), two conversations with unread messages.
        state = header_state(user=grace)
        assert (state.unread_notifications, state.unread_messages) == (2, 2)
    assert header_state(user=ada).unread_messages == 0
