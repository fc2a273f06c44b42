"""Moderators and areas: moving a community to another area, to a new one or to none, and
renaming an area; through the services, the pages and the API, and what the log says. Who may
do it is in the permission matrix (tests/communities/test_permissions.py)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from communities.models import Area, Community, Membership
from moderation import services as moderation
from moderation.models import ModerationAction
from tests.communities.factories import AreaFactory, CommunityFactory, MembershipFactory
from tests.profiles.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def espresso():
    coffee = AreaFactory(name="Coffee", slug="coffee")
    # A moderator picks among the areas they can see: those with a live community they see.
    CommunityFactory(name="Bread", slug="bread", area=AreaFactory(name="Kitchen", slug="kitchen"))
    return CommunityFactory(name="Espresso at home", slug="espresso", area=coffee)


@pytest.fixture
def moderator(espresso):
    return MembershipFactory(community=espresso, role=Membership.Role.MODERATOR).user


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _moves(community):
    return ModerationAction.objects.filter(community=community, verb="move_area")


def test_moving_a_community_logs_it_in_plain_words_and_pins_the_area(espresso, moderator):
    kitchen = Area.objects.get(slug="kitchen")
    moved = moderation.community_area_move(
        actor=moderator, community=espresso, area=kitchen, reason="It is about cooking"
    )
    assert (moved.area, moved.area_pinned) == (kitchen, True)
    [entry] = _moves(espresso)
    assert entry.get_verb_display() + " " + entry.target_repr == (
        "Moved Espresso at home from area “Coffee” to area “Kitchen”"
    )
    assert entry.reason == "It is about cooking" and entry.actor == moderator
    assert entry.details == {"from": "coffee", "to": "kitchen", "new_area": False}
    # Again: nothing changes and nothing more is logged.
    moderation.community_area_move(actor=moderator, community=espresso, area=kitchen, reason="x")
    assert _moves(espresso).count() == 1


def test_moving_to_a_new_area_by_name_or_to_none(espresso, moderator):
    moved = moderation.community_area_move(
        actor=moderator,
        community=espresso,
        area=None,
        new_area_name="  Home   baristas ",
        reason="Its own field",
    )
    assert moved.area.name == "Home baristas" and moved.area.slug == "home-baristas"
    assert _moves(espresso).get().details["new_area"] is True
    # A name that exists, in another case, is the same area: no second one.
    other = CommunityFactory(area=None)
    MembershipFactory(community=other, user=moderator, role=Membership.Role.MODERATOR)
    again = moderation.community_area_move(
        actor=moderator, community=other, area=None, new_area_name="home BARISTAS", reason="Same"
    )
    assert again.area == moved.area
    assert Area.objects.filter(name__iexact="home baristas").count() == 1
    gone = moderation.community_area_move(
        actor=moderator, community=espresso, area=None, reason="No field fits"
    )
    assert gone.area is None and gone.area_pinned
    assert _moves(espresso).first().target_repr.endswith("to no area")


def test_a_move_needs_a_reason_and_an_open_community(espresso, moderator):
    kitchen = Area.objects.get(slug="kitchen")

    def move(reason):
        moderation.community_area_move(
            actor=moderator, community=espresso, area=kitchen, reason=reason
        )

    with pytest.raises(ValidationError):
        move(" ")
    espresso.status = Community.Status.ARCHIVED
    espresso.save()
    with pytest.raises(ValidationError):
        move("x")
    assert not _moves(espresso).exists()


def test_renaming_an_area_keeps_its_address_and_is_logged(espresso, moderator):
    coffee = espresso.area
    renamed = moderation.area_rename(actor=moderator, area=coffee, name="Coffee at home")
    assert (renamed.name, renamed.slug) == ("Coffee at home", "coffee")
    entry = ModerationAction.objects.get(verb="rename_area")
    assert entry.get_verb_display() + " " + entry.target_repr == (
        "Renamed area “Coffee” to “Coffee at home”"
    )
    moderation.area_rename(actor=moderator, area=renamed, name="Coffee at home")
    assert ModerationAction.objects.filter(verb="rename_area").count() == 1
    with pytest.raises(ValidationError):
        moderation.area_rename(actor=moderator, area=renamed, name="kitchen")
    with pytest.raises(ValidationError):
        moderation.area_rename(actor=moderator, area=renamed, name="   ")


def test_a_moderator_moves_a_community_from_the_review_queue(client, espresso, moderator):
    client.force_login(moderator)
    queue = client.get("/communities/espresso/moderation/").content.decode()
    # The picker shows areas by name; the current one is chosen.
    kitchen = Area.objects.get(slug="kitchen")
    assert f'<option value="{kitchen.pk}">Kitchen</option>' in queue
    assert f'<option value="{espresso.area_id}" selected>Coffee</option>' in queue
    response = client.post(
        "/communities/espresso/moderation/move-area/",
        {"area": kitchen.pk, "new_area": "Home baristas", "reason": "A field of its own"},
        follow=True,
    )
    assert b"is now in the area Home baristas" in response.content
    page = client.get("/communities/espresso/").content.decode()
    assert 'class="community-area">Home baristas</a>' in page
    log = client.get("/communities/espresso/moderation/log/").content.decode()
    assert "Espresso at home from area “Coffee” to area “Home baristas”" in log
    # Bad input is a message, not a 500: no reason, an area that does not exist.
    for data in ({"area": kitchen.pk}, {"area": 999999, "reason": "x"}):
        response = client.post("/communities/espresso/moderation/move-area/", data, follow=True)
        assert response.status_code == 200 and b"Nothing was changed" in response.content
    assert Community.objects.get(pk=espresso.pk).area.name == "Home baristas"


def test_a_moderator_renames_an_area_from_its_page(client, espresso, moderator):
    assert b"Rename this area" not in client.get("/areas/coffee/").content
    client.force_login(moderator)
    assert b"Rename this area" in client.get("/areas/coffee/").content
    response = client.post(
        "/moderation/areas/coffee/rename/", {"name": "Coffee at home"}, follow=True
    )
    assert b"<h1>Coffee at home</h1>" in response.content
    response = client.post("/moderation/areas/coffee/rename/", {"name": ""}, follow=True)
    assert b"Nothing was changed" in response.content
    response = client.post("/moderation/areas/coffee/rename/", {"name": "Kitchen"}, follow=True)
    assert b"Another area has that name" in response.content


def test_moving_and_renaming_over_the_api(espresso, moderator):
    client = _api(moderator)
    url = "/api/moderation/communities/espresso/area/"
    response = client.post(url, {"area": "kitchen", "reason": "Cooking"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["area"] == {"slug": "kitchen", "name": "Kitchen"}
    response = client.post(url, {"area": None, "reason": "None fits"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["area"] is None
    response = client.post(url, {"new_area_name": "Home baristas", "reason": "New"}, format="json")
    assert response.json()["area"] == {"slug": "home-baristas", "name": "Home baristas"}
    for bad in (
        {"reason": "Neither"},
        {"area": "kitchen", "new_area_name": "Both", "reason": "Both"},
        {"area": "nowhere", "reason": "Unknown"},
        {"area": "kitchen"},
        {"area": ["kitchen"], "reason": "A list"},
    ):
        response = client.post(url, bad, format="json")
        assert response.status_code == 400, (bad, response.content)
    response = client.post(
        "/api/moderation/areas/kitchen/rename/", {"name": "Home cooking"}, format="json"
    )
    assert response.status_code == 403, response.content  # espresso is not in Kitchen now
    response = client.post(
        "/api/moderation/areas/home-baristas/rename/", {"name": "Baristas"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json() | {"created_at": None} == {
        "slug": "home-baristas",
        "url": "/areas/home-baristas/",
        "name": "Baristas",
        "description": "",
        "community_count": 1,
        "created_at": None,
    }
    response = client.post("/api/moderation/areas/home-baristas/rename/", {}, format="json")
    assert response.status_code == 400
    assert client.post("/api/moderation/areas/nowhere/rename/", {"name": "x"}).status_code == 404


def test_people_who_do_not_moderate_get_403(client, espresso):
    outsider = UserFactory()
    client.force_login(outsider)
    response = client.post(
        "/communities/espresso/moderation/move-area/", {"area": "", "reason": "Mine now"}
    )
    assert response.status_code == 403
    response = client.post("/moderation/areas/coffee/rename/", {"name": "Mine"})
    assert response.status_code == 403
    assert Community.objects.get(pk=espresso.pk).area.name == "Coffee"
