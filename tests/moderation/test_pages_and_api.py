"""The moderators' pages and API beyond permissions: what they show, the public and private log,
conflicts, the match-run progress partial and the report form."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from communities.models import Community, Membership, Placement, Reply, Thread
from matching.models import MatchRun
from moderation import services as moderation
from moderation.models import ModerationAction
from tests.communities.factories import (
    CommunityFactory,
    MembershipFactory,
    PlacementFactory,
    PostFactory,
)
from tests.profiles.factories import UserFactory, api_token_key

pytestmark = pytest.mark.django_db


def _moderated(**kwargs):
    community = CommunityFactory(**kwargs)
    moderator = MembershipFactory(community=community, role=Membership.Role.MODERATOR).user
    return community, moderator


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _removed(community, moderator):
    post = PlacementFactory(community=community).post
    moderation.post_remove(actor=moderator, community=community, post=post, reason="Not about soil")
    return post


def test_the_public_log_leaves_out_private_details():
    community, moderator = _moderated(slug="soil")
    _removed(community, moderator)
    public = APIClient().get("/api/moderation/communities/soil/log/")
    assert public.status_code == 200, public.content
    entry = public.json()["results"][0]
    assert (entry["verb"], entry["reason"], entry["details"]) == ("remove", "Not about soil", None)
    private = _api(moderator).get("/api/moderation/communities/soil/log/")
    assert private.json()["results"][0]["details"] == {"from_community": "soil"}


def test_the_log_pages(client):
    community, moderator = _moderated(slug="soil")
    _removed(community, moderator)
    response = client.get("/communities/soil/moderation/log/")
    assert response.status_code == 200
    assert b"Not about soil" in response.content and b"from_community" not in response.content
    client.force_login(moderator)
    response = client.get("/communities/soil/moderation/log/")
    assert b"from_community" not in response.content
    assert f"from {community.name}".encode() in response.content
    CommunityFactory(slug="secret", visibility="private")
    assert client.get("/communities/secret/moderation/log/").status_code == 404


def test_merging_over_the_api_and_the_loser_of_a_race_gets_409():
    source, moderator = _moderated(slug="clay")
    target = CommunityFactory(slug="soil")
    third = CommunityFactory(slug="loam")
    late = UserFactory()
    for community in (target, third):
        MembershipFactory(community=community, user=moderator, role="moderator")
    for community in (source, target, third):
        MembershipFactory(community=community, user=late, role="moderator")
    client = _api(moderator)
    response = client.post(
        "/api/moderation/communities/clay/merge/", {"into": "soil", "reason": "Same people"}
    )
    assert response.status_code == 200, response.content
    again = client.post(
        "/api/moderation/communities/clay/merge/", {"into": "soil", "reason": "Same people"}
    )
    assert again.status_code == 200 and again.json()["id"] == response.json()["id"]
    conflict = _api(late).post(
        "/api/moderation/communities/clay/merge/", {"into": "loam", "reason": "No, here"}
    )
    assert conflict.status_code == 409, conflict.content
    assert "already been merged" in conflict.json()["detail"]
    # The old address leads to the new community.
    assert APIClient().get("/communities/clay/").status_code in (301, 302)


def test_the_merge_form_moves_the_moderator_to_the_new_queue(client):
    _, moderator = _moderated(slug="clay")
    target = CommunityFactory(slug="soil")
    MembershipFactory(community=target, user=moderator, role="moderator")
    client.force_login(moderator)
    response = client.post(
        "/communities/clay/moderation/merge/", {"into": "soil", "reason": "Same people"}
    )
    assert response.status_code == 302 and response["Location"] == "/communities/soil/moderation/"
    page = client.get(response["Location"])
    assert b"Merged communities" in page.content and b"Same people" in page.content


def test_an_invalid_form_changes_nothing_and_says_why(client):
    community, moderator = _moderated(slug="soil")
    post = PlacementFactory(community=community).post
    client.force_login(moderator)
    response = client.post(
        "/communities/soil/moderation/remove-post/", {"post": post.pk, "reason": ""}, follow=True
    )
    assert b"Nothing was changed" in response.content
    assert Placement.objects.filter(post=post, community=community).exists()


def test_the_queue_shows_what_waits(client):
    community, moderator = _moderated(slug="soil", join_policy=Community.JoinPolicy.APPROVAL)
    MembershipFactory(community=community, user__username="asker", state="requested")
    thread_author = MembershipFactory(community=community).user
    from communities.models import Thread

    thread = Thread.objects.create(community=community, author=thread_author, title="Buy pills")
    moderation.report_create(reporter=UserFactory(), target=thread, reason="Spam, plainly")
    client.force_login(moderator)
    response = client.get("/communities/soil/moderation/")
    assert response.status_code == 200
    for text in (b"asker", b"Spam, plainly", b"Start a match run", b"Buy pills"):
        assert text in response.content
    assert b"style=" not in response.content and b"<script>" not in response.content


def test_match_run_progress_is_polled_while_under_way(client):
    community, moderator = _moderated(slug="soil")
    client.force_login(moderator)
    response = client.post("/communities/soil/moderation/match-run/")
    assert response.status_code == 302
    run = MatchRun.objects.get()
    partial = client.get(f"/moderation/runs/{run.pk}/")
    assert partial.status_code == 200
    assert b'hx-trigger="every 2s"' in partial.content
    MatchRun.objects.filter(pk=run.pk).update(status="failed", error="stopped")
    assert b"hx-trigger" not in client.get(f"/moderation/runs/{run.pk}/").content
    client.force_login(UserFactory())
    assert client.get(f"/moderation/runs/{run.pk}/").status_code == 403
    assert ModerationAction.objects.filter(verb="start_run", community=community).count() == 1


def test_the_site_queue_is_for_staff(client):
    CommunityFactory(name="Proposed one", status="proposed", activated_at=None)
    moderation.report_create(reporter=UserFactory(), target=PostFactory(), reason="Scam")
    client.force_login(UserFactory())
    assert client.get("/moderation/").status_code == 403
    client.force_login(UserFactory(is_staff=True))
    response = client.get("/moderation/")
    assert response.status_code == 200
    assert b"Proposed one" in response.content and b"Scam" in response.content
    assert client.get("/moderation/log/").status_code == 200


def test_the_site_queue_carries_out_only_its_own_actions(client):
    """One table holds every action; the site's queue offers those marked for it, in no
    community: removing a post there removes it everywhere."""
    community = CommunityFactory()
    post = PlacementFactory(community=community).post
    client.force_login(UserFactory(is_staff=True))
    assert client.post("/moderation/ban/", {"username": "x", "reason": "x"}).status_code == 404
    response = client.post("/moderation/remove-post/", {"post": post.pk, "reason": "Spam"})
    assert response.status_code == 302 and response["Location"] == "/moderation/"
    post.refresh_from_db()
    assert post.moderation_status == "removed"


def test_the_report_form(client):
    post = PostFactory(title="Cheap watches")
    response = client.get(f"/report/post/{post.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(UserFactory())
    assert client.get(f"/report/post/{post.pk}/").status_code == 200
    response = client.post(f"/report/post/{post.pk}/", {"reason": "Spam"})
    assert response.status_code == 302
    assert client.get("/report/nothing/1/").status_code == 404


def test_reports_over_the_api_once_per_person():
    post = PostFactory()
    client = _api(UserFactory())
    first = client.post(
        "/api/reports/", {"target_type": "post", "target_id": post.pk, "reason": "Spam"}
    )
    second = client.post(
        "/api/reports/", {"target_type": "post", "target_id": post.pk, "reason": "Spam!"}
    )
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    missing = client.post(
        "/api/reports/", {"target_type": "post", "target_id": 10**9, "reason": "Spam"}
    )
    assert missing.status_code == 404
    staff = _api(UserFactory(is_staff=True))
    decided = staff.post(
        f"/api/reports/{first.json()['id']}/decide/", {"decision": "uphold", "reason": "Spam"}
    )
    assert decided.status_code == 200 and decided.json()["decision"] == "upheld"
    post.refresh_from_db()
    assert post.moderation_status == "removed"


def test_a_banned_persons_token_stops_working_in_that_community():
    community, moderator = _moderated(slug="soil")
    person = MembershipFactory(community=community).user
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_key(person)}")
    moderation.membership_ban(actor=moderator, community=community, user=person, reason="Spam")
    response = client.post("/api/communities/soil/join/")
    assert response.status_code == 403
    other = CommunityFactory(slug="loam")
    assert client.post(f"/api/communities/{other.slug}/join/").status_code == 200


def test_a_discussion_from_elsewhere_is_refused_after_the_permission_check():
    """Moderators hear that the discussion or reply is not in their community (400); outsiders of
    a private community learn nothing about it (404)."""
    _, moderator = _moderated(slug="hidden", visibility=Community.Visibility.PRIVATE)
    elsewhere = Thread.objects.create(community=CommunityFactory(), title="Elsewhere")
    reply = Reply.objects.create(thread=elsewhere, author=UserFactory(), body="Hi")
    for path, data, field in [
        ("threads/pin", {"thread": elsewhere.pk}, "thread"),
        ("threads/remove", {"thread": elsewhere.pk, "reason": "Spam"}, "thread"),
        ("replies/remove", {"reply": reply.pk, "reason": "Spam"}, "reply"),
    ]:
        url = f"/api/moderation/communities/hidden/{path}/"
        response = _api(moderator).post(url, data, format="json")
        assert response.status_code == 400, response.content
        assert field in response.json()
        assert _api(UserFactory()).post(url, data, format="json").status_code == 404
