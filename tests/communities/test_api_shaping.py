"""The API for discussions and proposals: status code first, then the payload."""

from datetime import timedelta

import pytest
from django.utils import timezone

from communities import services
from communities.models import Community, Membership, Proposal
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.profiles.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def community():
    return CommunityFactory(name="Clay soil", slug="clay-soil", purpose="Draining clay.")


@pytest.fixture
def member(community):
    return MembershipFactory(community=community, state=Membership.State.ACTIVE).user


def test_a_member_starts_a_thread_and_replies(client, community, member):
    client.force_login(member)
    r = client.post(
        "/api/threads/",
        {"community": "clay-soil", "title": "Raised beds?", "body": "Worth it?"},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    thread = r.json()
    assert (thread["community"], thread["title"], thread["message_count"]) == (
        "clay-soil",
        "Raised beds?",
        1,
    )
    r = client.post(
        "/api/thread-messages/",
        {"thread": thread["id"], "body": "Yes, **deep** ones."},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    r = client.get("/api/thread-messages/", {"thread": thread["id"]})
    assert r.status_code == 200, r.content
    assert [m["body"] for m in r.json()["results"]] == ["Worth it?", "Yes, **deep** ones."]
    r = client.get("/api/threads/", {"community": "clay-soil"})
    assert r.json()["results"][0]["message_count"] == 2


def test_outsiders_are_refused_and_private_communities_stay_hidden(client, community, member):
    thread = services.thread_start(author=member, community=community, title="t", body="b")
    client.force_login(UserFactory())
    r = client.post(
        "/api/thread-messages/",
        {"thread": thread.pk, "body": "hi"},
        content_type="application/json",
    )
    assert r.status_code == 403, r.content
    Community.objects.filter(pk=community.pk).update(visibility=Community.Visibility.PRIVATE)
    assert client.get("/api/threads/").json()["count"] == 0
    assert client.get(f"/api/threads/{thread.pk}/").status_code == 404
    r = client.post(
        "/api/threads/",
        {"community": "clay-soil", "title": "t", "body": "b"},
        content_type="application/json",
    )
    assert r.status_code == 400 and "community" in r.json()


def test_signed_out_callers_cannot_write(client, community):
    r = client.post(
        "/api/threads/",
        {"community": "clay-soil", "title": "t", "body": "b"},
        content_type="application/json",
    )
    assert r.status_code in (401, 403)


def test_propose_vote_and_see_the_tally(client, community, member):
    client.force_login(member)
    r = client.post(
        "/api/proposals/",
        {"community": "clay-soil", "kind": "purpose", "value": "Draining and planting clay."},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    proposal = r.json()
    assert (proposal["state"], proposal["value"], proposal["my_vote"]) == (
        "open",
        "Draining and planting clay.",
        None,
    )
    r = client.post(
        f"/api/proposals/{proposal['id']}/vote/", {"approve": True}, content_type="application/json"
    )
    assert r.status_code == 200, r.content
    assert (r.json()["yes_count"], r.json()["no_count"], r.json()["my_vote"]) == (1, 0, True)
    r = client.post(
        f"/api/proposals/{proposal['id']}/vote/",
        {"approve": False},
        content_type="application/json",
    )
    assert (r.json()["yes_count"], r.json()["no_count"]) == (0, 1)
    assert (
        client.get("/api/proposals/", {"community": "clay-soil", "state": "open"}).json()["count"]
        == 1
    )


def test_invalid_proposals_answer_400_with_the_field(client, community, member):
    client.force_login(member)
    for body, field in [
        ({"community": "clay-soil", "kind": "name", "value": ["not", "text"]}, "value"),
        ({"community": "clay-soil", "kind": "name", "value": "bad\u0000"}, "value"),
        ({"community": "clay-soil", "kind": "merge", "target": "nowhere"}, "target"),
        ({"community": "nowhere", "kind": "name", "value": "X"}, "community"),
        ({"community": "clay-soil", "kind": "colour", "value": "X"}, "kind"),
    ]:
        r = client.post("/api/proposals/", body, content_type="application/json")
        assert r.status_code == 400, (body, r.content)
        assert field in r.json(), (body, r.json())


def test_voting_after_it_closed_is_refused(client, community, member):
    proposal = services.proposal_open(author=member, community=community, kind="name", value="X")
    Proposal.objects.filter(pk=proposal.pk).update(closes_at=timezone.now() - timedelta(hours=1))
    client.force_login(member)
    r = client.post(
        f"/api/proposals/{proposal.pk}/vote/", {"approve": True}, content_type="application/json"
    )
    assert r.status_code == 400 and "closed" in r.json()["detail"]


def test_withdraw_by_the_author_only(client, community, member):
    proposal = services.proposal_open(author=member, community=community, kind="name", value="X")
    other = MembershipFactory(community=community, state=Membership.State.ACTIVE).user
    client.force_login(other)
    assert client.post(f"/api/proposals/{proposal.pk}/withdraw/").status_code == 403
    client.force_login(member)
    r = client.post(f"/api/proposals/{proposal.pk}/withdraw/")
    assert r.status_code == 200 and r.json()["state"] == "withdrawn"


def test_api_lists_run_a_constant_number_of_queries(
    client, community, member, django_assert_max_num_queries
):
    for i in range(12):
        thread = services.thread_start(author=member, community=community, title=f"t{i}", body="b")
        services.thread_reply(author=member, thread=thread, body="r")
        services.proposal_open(author=member, community=community, kind="name", value=f"N{i}")
    client.force_login(member)
    for url in ("/api/threads/", "/api/thread-messages/", "/api/proposals/"):
        with django_assert_max_num_queries(6):
            assert client.get(url).status_code == 200
