"""Leaving Kindred: deleting one's account (what one wrote kept anonymised, or removed) and
downloading one's data as JSON."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.test import Client, override_settings

from communities import services
from communities.models import Membership, Post, Reply, Tag, Thread, Vote
from config.settings import base
from moderation import services as moderation
from moderation.models import ModerationAction
from profiles.models import ApiToken, Message, Notification, Profile, User
from profiles.services import message_send, token_create
from tests.communities.factories import MembershipFactory
from tests.profiles.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _a_life_in_kindred():
    """Ada posts, starts a thread, replies, votes, is notified and runs a community."""
    ada, grace = UserFactory(username="ada"), UserFactory(username="grace")
    community = services.community_found(founder=ada, name="Clay gardens", tags=["clay"])
    MembershipFactory(community=community, user=grace)
    post = services.post_create(author=ada, title="Clay drains badly", tags=["clay"])
    services.post_reply(author=grace, post=post, body="Gypsum helps")
    services.post_update(actor=ada, post=post, body="Beds stay wet")
    thread = services.thread_start(author=ada, community=community, title="Mulch?", body="Hi")
    grace_reply = services.thread_reply(author=grace, thread=thread, body="Bark")
    other = services.thread_start(author=grace, community=community, title="Tools", body="Fork")
    ada_reply = services.thread_reply(author=ada, thread=other, body="Spade")
    proposal = services.proposal_open(
        author=grace, community=community, kind="name", value="Heavy clay gardens"
    )
    services.proposal_vote(voter=ada, proposal=proposal, approve=True)
    moderation.membership_ban(actor=ada, community=community, user=UserFactory(), reason="Spam")
    token_create(actor=ada, name="garden script")
    message_send(sender=grace, recipient=ada, body="Hello Ada, about the clay")
    message_send(sender=ada, recipient=grace, body="Hi Grace")
    return {
        "ada": ada,
        "grace": grace,
        "community": community,
        "post": post,
        "thread": thread,
        "grace_reply": grace_reply,
        "other": other,
        "ada_reply": ada_reply,
    }


def test_keeping_posts_anonymised_erases_the_person_and_keeps_their_words():
    world = _a_life_in_kindred()
    ada = world["ada"]
    ada_id = ada.pk
    services.account_delete(
        user=ada, password=DEFAULT_PASSWORD, content="anonymise", client="192.0.2.1"
    )
    assert not User.objects.filter(username="ada").exists()
    assert not Profile.objects.filter(user_id=ada_id).exists()
    assert not Membership.objects.filter(user_id=ada_id).exists()
    assert not Vote.objects.filter(user_id=ada_id).exists()
    assert not Notification.objects.filter(user_id=ada_id).exists()
    assert not ApiToken.objects.filter(user_id=ada_id).exists()
    assert not Message.objects.filter(sender_id=ada_id).exists()  # conversations go (CASCADE)
    post = Post.objects.get(pk=world["post"].pk)
    assert post.author is None and post.body == "Beds stay wet"
    assert Thread.objects.get(pk=world["thread"].pk).author is None
    assert Reply.objects.get(pk=world["ada_reply"].pk).author is None
    assert not post.history.filter(author_id=ada_id).exists()
    assert not post.history.filter(history_user_id=ada_id).exists()
    # The log keeps the ban, without its actor; the community passes to Grace.
    assert ModerationAction.objects.filter(verb="ban", actor=None).exists()
    grace = Membership.objects.get(community=world["community"], user=world["grace"])
    assert grace.role == Membership.Role.OWNER
    assert Notification.objects.filter(user=world["grace"], title__contains="now an owner").exists()
    page = Client().get(post.get_absolute_url()).content.decode()
    assert "a former member" in page


def test_removing_everything_takes_the_words_and_their_history():
    world = _a_life_in_kindred()
    services.account_delete(
        user=world["ada"], password=DEFAULT_PASSWORD, content="remove", client="192.0.2.1"
    )
    assert not Post.objects.filter(pk=world["post"].pk).exists()
    assert not Post.history.filter(id=world["post"].pk).exists()
    assert not Thread.objects.filter(pk=world["thread"].pk).exists()
    assert not Thread.history.filter(id=world["thread"].pk).exists()
    assert not Reply.objects.filter(pk=world["ada_reply"].pk).exists()
    assert not Reply.history.filter(id=world["ada_reply"].pk).exists()
    # Grace's own thread stays; her reply in Ada's thread went with the thread.
    assert Thread.objects.filter(pk=world["other"].pk).exists()
    assert not Reply.objects.filter(pk=world["grace_reply"].pk).exists()
    assert Tag.objects.get(slug="clay").usage_count == 1  # the community's, not the post's


def test_a_wrong_password_or_no_choice_deletes_nothing():
    ada = UserFactory()
    with pytest.raises(ValidationError) as error:
        services.account_delete(user=ada, password="guess", content="anonymise", client="192.0.2.1")
    assert "password" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.account_delete(
            user=ada, password=DEFAULT_PASSWORD, content="maybe", client="192.0.2.1"
        )
    assert User.objects.filter(pk=ada.pk).exists()


def test_the_settings_page_deletes_the_account_and_logs_out():
    ada = UserFactory()
    ada_id = ada.pk
    client = Client()
    client.force_login(ada)
    assert "/people/settings/delete/" in client.get("/people/settings/").content.decode()
    wrong = client.post("/people/settings/delete/", {"content": "anonymise", "password": "nope"})
    assert wrong.status_code == 200 and "not your password" in wrong.content.decode()
    done = client.post(
        "/people/settings/delete/", {"content": "remove", "password": DEFAULT_PASSWORD}
    )
    assert done.status_code == 302
    assert not User.objects.filter(pk=ada_id).exists()
    assert client.get("/people/settings/").status_code == 302  # logged out: to the log-in page


def test_download_your_data_as_json():
    world = _a_life_in_kindred()
    client = Client()
    client.force_login(world["ada"])
    response = client.get("/people/settings/download/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["account"]["username"] == "ada"
    assert [p["title"] for p in data["posts"]] == ["Clay drains badly"]
    assert data["posts"][0]["body"] == "Beds stay wet" and data["posts"][0]["edited_at"]
    assert [t["title"] for t in data["threads"]] == ["Mulch?"]
    assert {r["body"] for r in data["replies"]} == {"Hi", "Spade"}
    assert data["memberships"][0]["role"] == "owner"
    assert data["votes"][0]["approve"] is True
    assert isinstance(data["notifications"], list) and "profile" in data
    assert [(m["from"], m["body"]) for m in data["messages"]] == [
        ("grace", "Hello Ada, about the clay"),
        ("ada", "Hi Grace"),
    ]
    assert data["api_tokens"][0]["name"] == "garden script"
    assert "digest" not in response.content.decode()
    assert "Bark" not in response.content.decode()  # nobody else's words
    assert Client().get("/people/settings/download/").status_code == 302


# Wrong passwords on the delete form count in the account's log-in lockout ----------------------

real_lockout = override_settings(
    KINDRED_RATE_LIMITS_ENABLED=True, KINDRED_LOGIN_LOCKOUT=base.KINDRED_LOGIN_LOCKOUT
)
LOCK_AT = base.KINDRED_LOGIN_LOCKOUT["account_and_address"]["limit"]


def _delete(client: Client, password: str):
    return client.post("/people/settings/delete/", {"content": "remove", "password": password})


@real_lockout
def test_a_session_holder_cannot_guess_the_password_on_the_delete_form(own_cache):
    ada = UserFactory()
    thief = Client()
    thief.force_login(ada)
    for _ in range(LOCK_AT):
        wrong = _delete(thief, "guess")
        assert wrong.status_code == 200 and "not your password" in wrong.content.decode()
    locked = _delete(thief, "guess")
    assert locked.status_code == 429, locked.content.decode()[:2000]
    assert 0 < int(locked["Retry-After"]) <= 15 * 60
    assert "Try again in" in locked.content.decode()
    # Locked means locked: the right password is refused too, and nothing is deleted.
    right = _delete(thief, DEFAULT_PASSWORD)
    assert right.status_code == 429
    assert User.objects.filter(pk=ada.pk).exists()
    # One set of counters per account: the log-in page, from the same address, is locked as well.
    login = Client().post("/accounts/login/", {"login": ada.username, "password": DEFAULT_PASSWORD})
    assert login.status_code == 429


@real_lockout
def test_failed_log_ins_from_here_lock_the_delete_form_too(own_cache):
    ada = UserFactory()
    holder = Client()
    holder.force_login(ada)
    for _ in range(LOCK_AT):
        Client().post("/accounts/login/", {"login": ada.username, "password": "guess"})
    assert _delete(holder, DEFAULT_PASSWORD).status_code == 429
    assert User.objects.filter(pk=ada.pk).exists()


@real_lockout
def test_the_right_password_still_deletes_and_takes_its_attempt_back(own_cache):
    ada = UserFactory()
    holder = Client()
    holder.force_login(ada)
    for _ in range(LOCK_AT - 1):
        assert _delete(holder, "guess").status_code == 200
    done = _delete(holder, DEFAULT_PASSWORD)
    assert done.status_code == 302
    assert not User.objects.filter(pk=ada.pk).exists()
