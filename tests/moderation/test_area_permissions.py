"""Who may move a community to another area and rename an area, tried as an attacker would
(issue 21): Eve, who founded a proposed one-person community, must not move it into an area she
cannot see, nor rename an area that holds someone else's private community; and an area that
exists but is hidden from her answers exactly as an area that does not exist."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from communities.models import Area, Community, Membership
from moderation.models import ModerationAction
from tests.communities.factories import AreaFactory, CommunityFactory, MembershipFactory
from tests.profiles.factories import UserFactory, api_token_key

pytestmark = pytest.mark.django_db

REASON = "It fits there"


@pytest.fixture
def secret_area():
    """An area that holds only a private community: hidden from everyone outside it."""
    area = AreaFactory(name="Secret area", slug="secret-area")
    zebra = CommunityFactory(
        name="Private Zebra Club",
        slug="private-zebra-club",
        visibility=Community.Visibility.PRIVATE,
        area=area,
    )
    MembershipFactory(community=zebra, user__username="zed", role=Membership.Role.OWNER)
    return area


@pytest.fixture
def gardens():
    """A public area with a live public community, moderated by Gus."""
    area = AreaFactory(name="Gardens", slug="gardens")
    club = CommunityFactory(name="Garden club", slug="garden-club", area=area)
    CommunityFactory(name="Allotments", slug="allotments", area=area)
    MembershipFactory(community=club, user__username="gus", role=Membership.Role.MODERATOR)
    return area


@pytest.fixture
def eve(secret_area, gardens):
    """Eve starts a community from the directory, as anyone signed in can: proposed, with her
    as its only member and owner."""
    eve = UserFactory(username="eve")
    client = Client()
    client.force_login(eve)
    response = client.post(
        "/communities/new/",
        {
            "name": "Eve lab",
            "purpose": "Mine",
            "tags": "lab",
            "join_policy": "open",
            "visibility": "public",
        },
    )
    assert response.status_code == 302, response.content
    lab = Community.objects.get(name="Eve lab")
    assert lab.status == Community.Status.PROPOSED
    assert Membership.objects.get(community=lab).role == Membership.Role.OWNER
    return eve


def _api(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_key(user)}")
    return client


def _page(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _public_area_slugs() -> set[str]:
    response = APIClient().get("/api/areas/")
    assert response.status_code == 200
    return {area["slug"] for area in response.json()["results"]}


def _gus():
    return Membership.objects.get(user__username="gus").user


def test_the_founder_of_a_proposed_community_cannot_move_it_anywhere(eve):
    lab = Community.objects.get(name="Eve lab")
    client = _api(eve)
    for area in ("secret-area", "gardens"):
        response = client.post(
            f"/api/moderation/communities/{lab.slug}/area/",
            {"area": area, "reason": REASON},
            format="json",
        )
        assert response.status_code == 403, response.content
    response = client.post(
        f"/api/moderation/communities/{lab.slug}/area/",
        {"new_area_name": "Secret area", "reason": REASON},
        format="json",
    )
    assert response.status_code == 403, response.content
    queue = _page(eve).get(f"/communities/{lab.slug}/moderation/")
    assert queue.status_code == 200 and b"Move to another area" not in queue.content
    response = _page(eve).post(
        f"/communities/{lab.slug}/moderation/move-area/",
        {"area": Area.objects.get(slug="secret-area").pk, "reason": REASON},
    )
    assert response.status_code == 403
    assert Community.objects.get(pk=lab.pk).area is None
    assert "secret-area" not in _public_area_slugs()
    assert not ModerationAction.objects.filter(verb="move_area").exists()
    # Site staff, who decide proposed communities, may move it.
    staff = UserFactory(is_staff=True)
    response = _api(staff).post(
        f"/api/moderation/communities/{lab.slug}/area/",
        {"area": "gardens", "reason": REASON},
        format="json",
    )
    assert response.status_code == 200, response.content


def test_a_hidden_area_answers_as_one_that_does_not_exist_when_moving(secret_area, gardens):
    gus = _gus()
    client = _api(gus)
    url = "/api/moderation/communities/garden-club/area/"
    hidden = client.post(url, {"area": "secret-area", "reason": REASON}, format="json")
    missing = client.post(url, {"area": "no-such-area", "reason": REASON}, format="json")
    assert hidden.status_code == missing.status_code == 400, hidden.content
    assert hidden.json() == missing.json()
    assert "secret-area" not in _public_area_slugs()

    # The review queue offers only the areas Gus may see, and a hidden one's id is refused as
    # a made-up one is.
    page = _page(gus)
    queue = page.get("/communities/garden-club/moderation/").content.decode()
    assert "Gardens</option>" in queue and "Secret area" not in queue
    answers = []
    for area_id in (secret_area.pk, 999_999):
        response = page.post(
            "/communities/garden-club/moderation/move-area/",
            {"area": area_id, "reason": REASON},
            follow=True,
        )
        assert response.status_code == 200 and b"Nothing was changed" in response.content
        answers.append([str(m) for m in response.context["messages"]])
    assert answers[0] == answers[1]
    assert Community.objects.get(slug="garden-club").area == gardens
    assert not ModerationAction.objects.filter(verb="move_area").exists()


def test_naming_a_hidden_area_makes_a_new_area_and_leaves_the_hidden_one_alone(
    secret_area, gardens
):
    gus = _gus()
    response = _api(gus).post(
        "/api/moderation/communities/garden-club/area/",
        {"new_area_name": "secret AREA", "reason": REASON},
        format="json",
    )
    assert response.status_code == 200, response.content
    moved = Community.objects.select_related("area").get(slug="garden-club")
    assert moved.area != secret_area and moved.area.name == "secret AREA"
    assert list(secret_area.communities.values_list("slug", flat=True)) == ["private-zebra-club"]
    assert ModerationAction.objects.get(verb="move_area").details["new_area"] is True
    # An area Gus can see is reused by name, whatever its case.
    response = _api(gus).post(
        "/api/moderation/communities/garden-club/area/",
        {"new_area_name": "GARDENS", "reason": REASON},
        format="json",
    )
    assert response.json()["area"]["slug"] == "gardens"


def test_only_moderators_of_a_live_community_in_an_area_rename_it(eve, secret_area, gardens):
    # Eve's proposed community sits in Gardens (the matcher put it there): that is not enough.
    Community.objects.filter(name="Eve lab").update(area=gardens)
    client = _api(eve)
    response = client.post(
        "/api/moderation/areas/gardens/rename/", {"name": "Eve's gardens"}, format="json"
    )
    assert response.status_code == 403, response.content
    assert b"Rename this area" not in _page(eve).get("/areas/gardens/").content
    # A hidden area and a missing one answer alike, on the API and the page.
    hidden = client.post("/api/moderation/areas/secret-area/rename/", {"name": "Mine"})
    missing = client.post("/api/moderation/areas/no-such-area/rename/", {"name": "Mine"})
    assert hidden.status_code == missing.status_code == 404, hidden.content
    assert hidden.json() == missing.json()
    page = _page(eve)
    hidden = page.post("/moderation/areas/secret-area/rename/", {"name": "Mine"})
    missing = page.post("/moderation/areas/no-such-area/rename/", {"name": "Mine"})
    assert hidden.status_code == missing.status_code == 404
    assert Area.objects.get(slug="secret-area").name == "Secret area"
    assert Area.objects.get(slug="gardens").name == "Gardens"
    # Gus moderates a live community there; Zed owns the private one in the secret area.
    response = _api(_gus()).post(
        "/api/moderation/areas/gardens/rename/", {"name": "Gardens and allotments"}
    )
    assert response.status_code == 200, response.content
    zed = Membership.objects.get(user__username="zed").user
    response = _api(zed).post("/api/moderation/areas/secret-area/rename/", {"name": "Zebras"})
    assert response.status_code == 200, response.content


def test_renaming_to_the_name_of_a_hidden_area_is_not_an_oracle(secret_area, gardens):
    response = _api(_gus()).post(
        "/api/moderation/areas/gardens/rename/", {"name": "Secret Area"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert Area.objects.get(slug="gardens").name == "Secret Area"
    assert Area.objects.get(slug="secret-area").name == "Secret area"
