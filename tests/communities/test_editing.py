"""Owning one's words: editing and deleting posts, threads and replies, through the services,
the pages and the API, and the edit history their authors and moderators see."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from rest_framework.test import APIClient

from communities import services
from communities.models import Community, ContentStatus, Membership, Post, Reply, Thread
from moderation import services as moderation
from tests.communities.factories import CommunityFactory, MembershipFactory, PlacementFactory
from tests.profiles.factories import UserFactory

pytestmark = pytest.mark.django_db


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _discussion(visibility: str = Community.Visibility.PUBLIC):
    community = CommunityFactory(visibility=visibility)
    author = MembershipFactory(community=community).user
    thread = services.thread_start(author=author, community=community, title="Mulch?", body="Hi")
    return community, author, thread, thread.replies.get()


def test_editing_a_post_keeps_a_version_marks_it_edited_and_matches_it_again(
    django_capture_on_commit_callbacks,
):
    author = UserFactory()
    post = services.post_create(author=author, title="Grinder is noisy", body="Teh burrs")
    Post.objects.filter(pk=post.pk).update(match_state=Post.MatchState.MATCHED)
    with django_capture_on_commit_callbacks() as callbacks:
        services.post_update(actor=author, post=post, body="The burrs", tags=["coffee"])
    post.refresh_from_db()
    assert post.body == "The burrs" and post.edited_at is not None
    assert post.match_state == Post.MatchState.PENDING
    assert len(callbacks) == 1  # the match task, sent on commit
    versions = list(post.history.order_by("history_date"))
    assert [v.body for v in versions] == ["Teh burrs", "The burrs"]
    assert versions[-1].history_user == author


def test_saving_the_same_words_does_not_mark_a_post_edited():
    author = UserFactory()
    post = services.post_create(author=author, title="Same", body="Words")
    services.post_update(actor=author, post=post, title="Same", body="Words")
    post.refresh_from_db()
    assert post.edited_at is None


def test_deleting_a_post_removes_it_for_everyone_with_its_replies():
    author, other = UserFactory(), UserFactory()
    post = services.post_create(author=author, title="Clay drains badly")
    services.post_reply(author=other, post=post, body="Try gypsum")
    services.post_delete(actor=author, post=post)
    services.post_delete(actor=author, post=post)  # safe to repeat
    post.refresh_from_db()
    assert post.moderation_status == ContentStatus.DELETED
    for viewer in (author, other, UserFactory(is_staff=True)):
        assert _client(viewer).get(post.get_absolute_url()).status_code == 404
    assert _api(other).get(f"/api/posts/{post.pk}/replies/").status_code == 404


def test_a_moderator_cannot_restore_what_its_author_deleted():
    author, staff = UserFactory(), UserFactory(is_staff=True)
    post = services.post_create(author=author, title="Gone")
    services.post_delete(actor=author, post=post)
    assert moderation.post_restore(actor=staff, post=post) is None
    post.refresh_from_db()
    assert post.moderation_status == ContentStatus.DELETED
    with pytest.raises(ValidationError):
        moderation.post_remove(actor=staff, post=post, reason="Spam")


def test_only_authors_edit_and_delete_threads_and_replies():
    community, author, thread, first = _discussion()
    moderator = MembershipFactory(community=community, role=Membership.Role.MODERATOR).user
    for person in (UserFactory(), moderator):
        with pytest.raises(PermissionDenied):
            services.thread_edit(actor=person, thread=thread, title="Theirs")
        with pytest.raises(PermissionDenied):
            services.reply_edit(actor=person, reply=first, body="Theirs")
        with pytest.raises(PermissionDenied):
            services.reply_delete(actor=person, reply=first)
        with pytest.raises(PermissionDenied):
            services.thread_delete(actor=person, thread=thread)
    services.thread_edit(actor=author, thread=thread, title="Mulch or bark?")
    services.reply_edit(actor=author, reply=first, body="Hello all")
    thread.refresh_from_db()
    first.refresh_from_db()
    assert (thread.title, first.body) == ("Mulch or bark?", "Hello all")
    assert thread.edited_at and first.edited_at


def test_a_removed_reply_cannot_be_edited_back():
    community, author, _thread, first = _discussion()
    moderator = MembershipFactory(community=community, role=Membership.Role.MODERATOR).user
    moderation.reply_remove(actor=moderator, reply=first, reason="Rude")
    with pytest.raises(ValidationError):
        services.reply_edit(actor=author, reply=first, body="Nice now")


def test_deleting_a_thread_takes_its_messages_with_it():
    community, author, thread, first = _discussion()
    member = MembershipFactory(community=community).user
    reply = services.thread_reply(author=member, thread=thread, body="Bark")
    services.thread_delete(actor=author, thread=thread)
    assert _client(member).get(thread.get_absolute_url()).status_code == 404
    listed = _api(member).get("/api/thread-messages/").json()
    ids = {row["id"] for row in listed["results"]}
    assert first.pk not in ids and reply.pk not in ids


def test_the_post_page_offers_the_author_edit_and_delete_and_others_see_edited():
    author = UserFactory()
    post = services.post_create(author=author, title="Sourdough too sour")
    response = _client(author).post(
        f"/posts/{post.pk}/edit/", {"title": "Sourdough too sour", "body": "Rye", "tags": "bread"}
    )
    assert response.status_code == 302, response.content
    mine = _client(author).get(post.get_absolute_url()).content.decode()
    assert f"/posts/{post.pk}/edit/" in mine and f"/posts/{post.pk}/delete/" in mine
    theirs = _client(UserFactory()).get(post.get_absolute_url()).content.decode()
    assert "edited" in theirs and f"/posts/{post.pk}/edit/" not in theirs
    assert f"/posts/{post.pk}/history/" not in theirs
    assert f"/posts/{post.pk}/history/" in mine


def test_edit_history_is_for_the_author_and_moderators():
    community, author, _thread, first = _discussion(Community.Visibility.PRIVATE)
    services.reply_edit(actor=author, reply=first, body="Hello, mulchers")
    moderator = MembershipFactory(community=community, role=Membership.Role.MODERATOR).user
    member = MembershipFactory(community=community).user
    url = f"/replies/{first.pk}/history/"
    for person in (author, moderator, UserFactory(is_staff=True)):
        page = _client(person).get(url)
        assert page.status_code == 200
        assert "Hello, mulchers" in page.content.decode() and "Hi" in page.content.decode()
    assert _client(member).get(url).status_code == 403
    assert _client(UserFactory()).get(url).status_code == 404  # private: not there for outsiders


def test_post_history_shows_to_moderators_of_communities_it_is_placed_in():
    author = UserFactory()
    post = services.post_create(author=author, title="Espresso sour")
    services.post_update(actor=author, post=post, title="Espresso too sour")
    placement = PlacementFactory(post=post)
    moderator = MembershipFactory(
        community=placement.community, role=Membership.Role.MODERATOR
    ).user
    page = _client(moderator).get(f"/posts/{post.pk}/history/")
    assert page.status_code == 200
    assert "Espresso sour" in page.content.decode()
    assert _client(UserFactory()).get(f"/posts/{post.pk}/history/").status_code == 403


def test_a_reply_is_edited_in_place_with_htmx_and_deleted_without_javascript():
    _community, author, _thread, first = _discussion()
    client = _client(author)
    form = client.get(f"/replies/{first.pk}/edit/", HTTP_HX_REQUEST="true")
    assert 'hx-post="/replies/' in form.content.decode()
    saved = client.post(f"/replies/{first.pk}/edit/", {"body": "Hi there"}, HTTP_HX_REQUEST="true")
    assert saved.status_code == 200 and "Hi there" in saved.content.decode()
    assert "edited" in saved.content.decode()
    confirm = client.get(f"/replies/{first.pk}/delete/")
    assert confirm.status_code == 200 and "cannot be undone" in confirm.content.decode()
    gone = client.post(f"/replies/{first.pk}/delete/")
    assert gone.status_code == 302
    assert Reply.objects.get(pk=first.pk).status == ContentStatus.DELETED


def test_the_api_edits_and_deletes_with_permission_checks():
    _community, author, thread, first = _discussion()
    post = services.post_create(author=author, title="Bread flat")
    stranger = _api(UserFactory())
    r = stranger.patch(f"/api/posts/{post.pk}/", {"title": "x"}, format="json")
    assert r.status_code == 403
    assert stranger.delete(f"/api/threads/{thread.pk}/").status_code == 403
    assert stranger.delete(f"/api/thread-messages/{first.pk}/").status_code == 403
    mine = _api(author)
    r = mine.patch(f"/api/posts/{post.pk}/", {"body": "Too much water"}, format="json")
    assert r.status_code == 200, r.content
    assert r.json()["body"] == "Too much water" and r.json()["match_state"] == "pending"
    r = mine.patch(f"/api/threads/{thread.pk}/", {"title": "Mulch, really"}, format="json")
    assert r.status_code == 200 and r.json()["title"] == "Mulch, really"
    r = mine.patch(f"/api/thread-messages/{first.pk}/", {"body": ""}, format="json")
    assert r.status_code == 400
    r = mine.patch(f"/api/thread-messages/{first.pk}/", {"body": "Hello"}, format="json")
    assert r.status_code == 200 and r.json()["body"] == "Hello"
    assert mine.delete(f"/api/thread-messages/{first.pk}/").status_code == 204
    assert mine.delete(f"/api/posts/{post.pk}/").status_code == 204
    assert mine.get(f"/api/posts/{post.pk}/").status_code == 404
    assert mine.delete(f"/api/threads/{thread.pk}/").status_code == 204
    assert Thread.objects.get(pk=thread.pk).status == ContentStatus.DELETED
