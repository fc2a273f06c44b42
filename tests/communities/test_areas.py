"""Areas on the community side: the directory grouped and filtered by area (with and without
htmx), an area's page, the area on a community's page, and the API (a community's area,
/api/areas/, /api/communities/?area=)."""

import re

import pytest
from django.urls import reverse

from communities.models import Community
from tests.communities.factories import (
    AreaFactory,
    CommunityFactory,
    MembershipFactory,
    PlacementFactory,
    TagFactory,
)
from tests.profiles.factories import UserFactory

pytestmark = pytest.mark.django_db

LIST = reverse("communities:list")


@pytest.fixture
def world():
    coffee = AreaFactory(name="Coffee", slug="coffee")
    garden = AreaFactory(name="Gardening", slug="gardening")
    espresso = CommunityFactory(name="Dialing in espresso", area=coffee)
    CommunityFactory(name="Pour-over ratios", area=coffee, tags=[TagFactory(name="filter")])
    CommunityFactory(name="Clay soil drainage", area=garden)
    CommunityFactory(name="Zigbee sensors")  # in no area
    CommunityFactory(name="Old coffee club", area=coffee, status=Community.Status.ARCHIVED)
    CommunityFactory(name="Secret roasters", area=coffee, visibility="private")
    return {"coffee": coffee, "garden": garden, "espresso": espresso}


def _headings(html: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", h).strip()
        for h in re.findall(r'<h2 class="directory-area__title"[^>]*>(.*?)</h2>', html)
    ]


def _cards(html: str) -> list[str]:
    return re.findall(r'<h3><a href="/communities/[^"]+/">([^<]+)</a></h3>', html)


def test_the_directory_groups_communities_by_area_with_the_others_last(client, world):
    html = client.get(LIST).content.decode()
    assert _headings(html) == ["Coffee", "Gardening", "Other communities"]
    assert _cards(html) == [
        "Pour-over ratios",
        "Dialing in espresso",
        "Clay soil drainage",
        "Zigbee sensors",
    ]
    assert 'href="/areas/coffee/"' in html
    # The area filter offers areas by name, with the communities the visitor may see in each.
    assert '<option value="coffee">Coffee (2)</option>' in html
    assert '<option value="gardening">Gardening (1)</option>' in html


def test_the_directory_filters_by_area_with_and_without_htmx(client, world):
    html = client.get(LIST, {"area": "coffee"}).content.decode()
    assert _headings(html) == ["Coffee"]
    assert sorted(_cards(html)) == ["Dialing in espresso", "Pour-over ratios"]
    assert '<option value="coffee" selected>' in html
    response = client.get(
        LIST,
        {"area": "coffee", "q": "pour"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="directory-results",
    )
    html = response.content.decode()
    assert "<html" not in html and _cards(html) == ["Pour-over ratios"]
    assert response["HX-Push-Url"] == f"{LIST}?q=pour&area=coffee"
    # Search and tags still work across areas; an unknown area lists nothing, without an error.
    assert _cards(client.get(LIST, {"tag": "filter"}).content.decode()) == ["Pour-over ratios"]
    unknown = client.get(LIST, {"area": "nowhere"})
    assert unknown.status_code == 200 and b"No communities" in unknown.content


def test_members_see_their_private_community_in_its_area(client, world):
    member = MembershipFactory(community=Community.objects.get(name="Secret roasters")).user
    client.force_login(member)
    html = client.get(LIST, {"area": "coffee"}).content.decode()
    assert "Secret roasters" in _cards(html)
    assert '<option value="coffee" selected>Coffee (3)</option>' in html


def test_an_area_page_lists_its_live_communities(client, world):
    response = client.get("/areas/coffee/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Coffee</h1>" in html
    assert "Dialing in espresso" in html and "Pour-over ratios" in html
    assert "Clay soil drainage" not in html and "Old coffee club" not in html
    assert "Secret roasters" not in html
    assert "Rename this area" not in html  # visitors may not rename it
    assert client.get("/areas/nowhere/").status_code == 404


def test_an_area_holding_only_private_communities_is_hidden_from_outsiders(client):
    hidden = AreaFactory(name="Hidden", slug="hidden")
    secret = CommunityFactory(area=hidden, visibility="private")
    assert client.get("/areas/hidden/").status_code == 404
    client.force_login(MembershipFactory(community=secret).user)
    assert client.get("/areas/hidden/").status_code == 200


def test_the_area_page_runs_a_constant_number_of_queries(client, django_assert_max_num_queries):
    area = AreaFactory(name="Coffee", slug="coffee")
    client.force_login(UserFactory())

    def fill(n):
        for _ in range(n):
            community = CommunityFactory(area=area, tags=[TagFactory(), TagFactory()])
            MembershipFactory(community=community)
            PlacementFactory(community=community)

    fill(2)
    # Session, user, profile, notifications, messages; the area, the page, its count, its
    # members and posts counted, its tags; whether the viewer may rename the area.
    with django_assert_max_num_queries(11) as few:
        assert client.get("/areas/coffee/").status_code == 200
    fill(15)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/areas/coffee/").status_code == 200


def test_a_community_page_links_its_area(client, world):
    html = client.get(world["espresso"].get_absolute_url()).content.decode()
    assert 'in <a href="/areas/coffee/" class="community-area">Coffee</a>' in html
    html = client.get(Community.objects.get(name="Zigbee sensors").get_absolute_url())
    assert b"community-area" not in html.content


def test_the_api_names_a_community_s_area_and_filters_by_it(client, world):
    response = client.get(f"/api/communities/{world['espresso'].slug}/")
    assert response.status_code == 200, response.content
    assert response.json()["area"] == {"slug": "coffee", "name": "Coffee"}
    by_area = client.get("/api/communities/", {"area": "coffee", "status": "active"}).json()
    assert sorted(c["name"] for c in by_area["results"]) == [
        "Dialing in espresso",
        "Pour-over ratios",
    ]
    none = client.get("/api/communities/", {"area": "nowhere"}).json()
    assert none["count"] == 0
    zigbee = client.get("/api/communities/", {"search": "", "tag": ""}).json()["results"]
    assert {c["name"]: c["area"] for c in zigbee}["Zigbee sensors"] is None


def test_the_areas_api_lists_areas_with_their_live_communities(client, world):
    AreaFactory(name="Empty", slug="empty")
    response = client.get("/api/areas/")
    assert response.status_code == 200, response.content
    rows = response.json()["results"]
    assert [(a["slug"], a["name"], a["community_count"]) for a in rows] == [
        ("coffee", "Coffee", 2),
        ("gardening", "Gardening", 1),
    ]
    detail = client.get("/api/areas/coffee/")
    assert detail.status_code == 200, detail.content
    assert detail.json()["url"] == "/areas/coffee/"
    assert client.get("/api/areas/empty/").status_code == 404
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    counts = {a["slug"]: a["community_count"] for a in client.get("/api/areas/").json()["results"]}
    assert counts == {"coffee": 3, "empty": 0, "gardening": 1}


def test_the_areas_api_runs_a_constant_number_of_queries(client, django_assert_max_num_queries):
    for i in range(12):
        CommunityFactory(area=AreaFactory(name=f"Area {i:02}"))
    with django_assert_max_num_queries(3):
        assert client.get("/api/areas/").status_code == 200
