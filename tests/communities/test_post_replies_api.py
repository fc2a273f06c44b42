"""POST /api/posts/{id}/replies/: reaching a post's author over the API."""

import pytest
from rest_framework.test import APIClient

from communities.models import Reply
from profiles.models import Notification, Profile
from tests.communities.factories import PostFactory
from tests.profiles.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def test_replying_notifies_the_author_and_lists_the_reply(api):
    author, grace = UserFactory(username="ada"), UserFactory(username="grace")
    post = PostFactory(author=author)
    api.force_authenticate(grace)
    r = api.post(
        f"/api/posts/{post.pk}/replies/", {"body": "Have you tried gypsum?"}, format="json"
    )
    assert r.status_code == 201, r.content
    assert r.json()["body"] == "Have you tried gypsum?" and r.json()["author"] == grace.public_name
    assert Notification.objects.filter(user=author, kind="reply").count() == 1
    listed = APIClient().get(f"/api/posts/{post.pk}/replies/")
    assert listed.status_code == 200, listed.content
    assert [reply["body"] for reply in listed.json()] == ["Have you tried gypsum?"]


def test_replies_respect_the_authors_choice_and_need_an_account(api):
    author = UserFactory()
    Profile.objects.filter(user=author).update(discoverable=False)
    post = PostFactory(author=author)
    r = api.post(f"/api/posts/{post.pk}/replies/", {"body": "hello"}, format="json")
    assert r.status_code in (401, 403), r.content
    api.force_authenticate(UserFactory())
    r = api.post(f"/api/posts/{post.pk}/replies/", {"body": "hello"}, format="json")
    assert r.status_code == 403, r.content
    assert "does not take replies" in r.json()["detail"]
    api.force_authenticate(author)
    r = api.post(f"/api/posts/{post.pk}/replies/", {"body": "An update"}, format="json")
    assert r.status_code == 201, r.content
    assert Reply.objects.count() == 1 and not Notification.objects.exists()


@pytest.mark.parametrize("body", [{}, {"body": ""}, {"body": "   "}, {"body": "x" * 10001}])
def test_a_bad_reply_is_a_400(api, body):
    post = PostFactory()
    api.force_authenticate(UserFactory())
    r = api.post(f"/api/posts/{post.pk}/replies/", body, format="json")
    assert r.status_code == 400, r.content
    assert not Reply.objects.exists()


def test_no_replies_to_a_hidden_post(api):
    post = PostFactory(status="hidden")
    api.force_authenticate(UserFactory())
    r = api.post(f"/api/posts/{post.pk}/replies/", {"body": "hi"}, format="json")
    assert r.status_code == 404, r.content
