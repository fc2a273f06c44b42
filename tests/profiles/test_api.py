"""/api/me/ and /api/notifications/: status code first, then the payload."""

import pytest
from rest_framework.test import APIClient

from profiles.models import Notification, Profile
from profiles.services import notify
from tests.communities.factories import TagFactory
from tests.profiles.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def ada():
    return UserFactory(username="ada", email="ada@example.org")


def test_me_needs_an_account(api):
    assert api.get("/api/me/").status_code in (401, 403)
    assert api.patch("/api/me/", {"bio": "x"}, format="json").status_code in (401, 403)


def test_me_shows_ones_profile_and_settings(api, ada):
    ada.profile.interests.set([TagFactory(name="looms")])
    api.force_authenticate(ada)
    r = api.get("/api/me/")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["username"] == "ada" and body["email"] == "ada@example.org"
    assert body["interests"] == ["looms"] and body["url"] == "/people/ada/"
    assert body["email_frequency"] == "daily" and body["notify_peers"] is True


def test_patching_me_changes_only_what_is_sent(api, ada):
    api.force_authenticate(ada)
    r = api.patch(
        "/api/me/",
        {"display_name": "Ada", "interests": ["Clay Soil"], "notify_peers": False},
        format="json",
    )
    assert r.status_code == 200, r.content
    assert r.json()["interests"] == ["clay-soil"] and r.json()["notify_peers"] is False
    profile = Profile.objects.get(user=ada)
    assert profile.display_name == "Ada" and not profile.notify_peers
    assert profile.email_frequency == "daily" and profile.discoverable  # untouched
    r = api.patch("/api/me/", {"username": "root"}, format="json")
    assert r.status_code == 200 and r.json()["username"] == "ada"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"email_frequency": "hourly"}, "email_frequency"),
        ({"interests": [f"t{i}" for i in range(9)]}, "interests"),
        ({"display_name": "x" * 81}, "display_name"),
        ({"bio": "x" * 2001}, "bio"),
    ],
)
def test_patching_me_refuses_bad_values(api, ada, data, field):
    api.force_authenticate(ada)
    r = api.patch("/api/me/", data, format="json")
    assert r.status_code == 400, r.content
    assert field in r.json()


def test_notifications_are_ones_own_newest_first(api, ada):
    notify(user=UserFactory(), kind="reply", title="Someone else's")
    notify(user=ada, kind="reply", title="Older")
    newer = notify(user=ada, kind="new_peer", title="Newer", url="/posts/2/")
    api.force_authenticate(ada)
    r = api.get("/api/notifications/")
    assert r.status_code == 200, r.content
    results = r.json()["results"]
    assert [n["title"] for n in results] == ["Newer", "Older"]
    assert results[0] == {
        "id": newer.pk,
        "kind": "new_peer",
        "title": "Newer",
        "url": "/posts/2/",
        "actor": None,
        "created_at": results[0]["created_at"],
        "read": False,
        "read_at": None,
    }
    assert api.get("/api/notifications/").json()["count"] == 2


def test_marking_notifications_read_over_the_api(api, ada):
    first = notify(user=ada, kind="reply", title="one")
    notify(user=ada, kind="reply", title="two")
    theirs = notify(user=UserFactory(), kind="reply", title="theirs")
    api.force_authenticate(ada)
    r = api.post("/api/notifications/mark-read/", {"ids": [first.pk, theirs.pk]}, format="json")
    assert r.status_code == 200, r.content
    assert r.json() == {"marked": 1}
    unread = api.get("/api/notifications/", {"unread": "true"}).json()["results"]
    assert [n["title"] for n in unread] == ["two"]
    assert api.post("/api/notifications/mark-read/", {}, format="json").json() == {"marked": 1}
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    bad = api.post("/api/notifications/mark-read/", {"ids": ["x"]}, format="json")
    assert bad.status_code == 400
