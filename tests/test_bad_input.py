"""Bad input gets a 4xx, never a 500, and strange text does not reach the pages: control
characters in paths, JSON nested too deep or too large, bidi overrides and control characters in
names and titles. Hidden content stays hidden on the report pages, and a private community's tags
stay private."""

from __future__ import annotations

import json

import pytest
from django.urls import get_resolver, reverse
from rest_framework.parsers import JSONParser
from rest_framework.test import APIClient

from communities.models import Community, ContentStatus, Post, Reply, Thread
from core.parsers import LimitedJSONParser
from profiles.models import Profile
from tests.communities.factories import (
    CommunityFactory,
    MembershipFactory,
    PostFactory,
    TagFactory,
)
from tests.profiles.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

DEEP = "[" * 5000 + "]" * 5000


def _api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.mark.parametrize(
    "path",
    [
        "/communities/a%00b/",
        "/people/a%00b/",
        "/communities/a%1bb/join/",
        "/api/communities/a%00b/",
        "/api/tags/a%00b/",
        "/report/post/1%00/",
    ],
)
def test_control_characters_in_a_path_answer_404(client, path):
    CommunityFactory(slug="ab")
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    "path",
    ["/api/posts/", "/api/threads/", "/api/reports/", "/api/notifications/mark-read/"],
)
def test_json_nested_too_deep_answers_400_with_the_reason(path):
    client = _api(UserFactory())
    deep_inside = '{"title": ' + "[" * 25 + "1" + "]" * 25 + "}"
    for body in (DEEP, "[" * 30 + "]" * 30, deep_inside):
        response = client.post(path, body, content_type="application/json")
        assert response.status_code == 400, (path, response.content[:300])
        assert "nests deeper than" in response.json()["detail"]


def test_json_nested_too_deep_answers_400_to_anyone_on_the_token_endpoint():
    response = _api().post("/api/auth/token/", DEEP, content_type="application/json")
    assert response.status_code == 400, response.content[:300]
    assert "nests deeper than" in response.json()["detail"]


def test_every_api_view_parses_json_with_the_limits():
    def views(patterns):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                yield from views(pattern.url_patterns)
            else:
                yield getattr(pattern.callback, "cls", None)

    api_views = {view for view in views(get_resolver().url_patterns) if view is not None}
    assert len(api_views) > 10
    for view in api_views:
        for parser in getattr(view, "parser_classes", ()):
            assert not issubclass(parser, JSONParser) or issubclass(parser, LimitedJSONParser), view


def test_a_json_body_too_large_answers_400_with_the_reason(settings):
    body = json.dumps({"title": "Big", "body": "x" * (settings.KINDRED_JSON_MAX_BYTES + 10)})
    response = _api(UserFactory()).post("/api/posts/", body, content_type="application/json")
    assert response.status_code == 400, response.content[:300]
    assert "larger than" in response.json()["detail"]
    assert not Post.objects.exists()


def test_ordinary_json_still_parses():
    person = UserFactory(username="ada")
    response = _api().post(
        "/api/auth/token/", {"username": "ada", "password": DEFAULT_PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    response = _api(person).post(
        "/api/posts/", {"title": "Clay", "tags": ["soil", "pots"]}, format="json"
    )
    assert response.status_code == 201, response.content


SPOOFED = "\u202eexe.txt \u2066invoice\u2069\x1b[31m red\x07 \u202a\u202b\u202c\u202d"


def test_bidi_overrides_and_control_characters_leave_titles_sent_to_the_api():
    response = _api(UserFactory()).post("/api/posts/", {"title": SPOOFED}, format="json")
    assert response.status_code == 201, response.content
    assert Post.objects.get().title == "exe.txt invoice [31m red"


def test_bidi_overrides_and_control_characters_leave_titles_typed_in_the_form(client):
    client.force_login(UserFactory())
    response = client.post(reverse("communities:post-new"), {"title": SPOOFED, "kind": "problem"})
    assert response.status_code == 302, response.content
    assert Post.objects.get().title == "exe.txt invoice [31m red"


def test_a_title_of_control_characters_alone_is_refused():
    response = _api(UserFactory()).post("/api/posts/", {"title": "\u202e\x1b\u2066"}, format="json")
    assert response.status_code == 400, response.content
    assert "title" in response.json()


def test_bidi_overrides_leave_discussion_titles_display_names_and_tags():
    community = CommunityFactory()
    member = MembershipFactory(community=community).user
    response = _api(member).post(
        "/api/threads/",
        {"community": community.slug, "title": "\u202eKiln\x1b talk", "body": "Hello"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert Thread.objects.get().title == "Kiln talk"
    response = _api(member).patch(
        "/api/me/",
        {"display_name": "Gr\u202eace\x07", "interests": ["\u2066clay\u2069"]},
        format="json",
    )
    assert response.status_code == 200, response.content
    profile = Profile.objects.get(user=member)
    assert profile.display_name == "Gr ace"
    assert list(profile.interests.values_list("name", flat=True)) == ["clay"]


@pytest.mark.parametrize(
    "hide",
    [
        {"moderation_status": ContentStatus.HIDDEN},
        {"moderation_status": ContentStatus.REMOVED},
        {"status": Post.Status.HIDDEN},
    ],
)
def test_the_report_page_of_a_hidden_post_is_404_like_the_post(client, hide):
    post = PostFactory(title="Secret title", **hide)
    client.force_login(UserFactory())
    assert client.get(post.get_absolute_url()).status_code == 404
    response = client.get(f"/report/post/{post.pk}/")
    assert response.status_code == 404
    assert b"Secret title" not in response.content
    reply = Reply.objects.create(post=post, author=UserFactory(), body="Under it")
    assert client.get(f"/report/reply/{reply.pk}/").status_code == 404


def test_the_report_page_of_a_visible_post_still_shows_it(client):
    post = PostFactory(title="Open title")
    client.force_login(UserFactory())
    response = client.get(f"/report/post/{post.pk}/")
    assert response.status_code == 200
    assert b"Open title" in response.content


def test_a_private_communitys_tags_stay_private(client):
    secret = TagFactory(name="witness protection")
    shared = TagFactory(name="witness statements")
    private = CommunityFactory(visibility=Community.Visibility.PRIVATE, tags=[secret, shared])
    PostFactory(tags=[shared])
    outsider, member = UserFactory(), MembershipFactory(community=private).user

    assert _api(outsider).get(f"/api/tags/{secret.slug}/").status_code == 404
    assert _api().get(f"/api/tags/{secret.slug}/").status_code == 404
    listed = [t["slug"] for t in _api(outsider).get("/api/tags/").json()["results"]]
    assert secret.slug not in listed and shared.slug in listed
    client.force_login(outsider)
    options = client.get(reverse("communities:tag-options"), {"tags": "witn"}).content.decode()
    assert "witness statements" in options and "witness protection" not in options

    assert _api(member).get(f"/api/tags/{secret.slug}/").status_code == 200
    client.force_login(member)
    options = client.get(reverse("communities:tag-options"), {"tags": "witn"}).content.decode()
    assert "witness protection" in options
