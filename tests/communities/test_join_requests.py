"""A request to join carries an optional message, and the community's
moderators and owners are told about it (in the app, and by mail as they chose)."""

import pytest
from django.core import mail
from django.urls import reverse
from rest_framework.test import APIClient

from communities import services
from communities.models import Community, Membership
from config.celery import app
from profiles import tasks  # noqa: F401  (registers the tasks that eager Celery runs here)
from profiles.models import Notification, Profile
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.profiles.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def soil():
    return CommunityFactory(
        name="Clay soil drainage", slug="clay-soil", join_policy=Community.JoinPolicy.APPROVAL
    )


@pytest.fixture
def eager_celery():
    """Run tasks in the calling process, so that mail sent "immediately" can be checked."""
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def _with_role(community, role):
    return MembershipFactory(community=community, role=role, state="active").user


def test_moderators_and_owners_hear_of_a_request_with_its_message(
    client, soil, eager_celery, django_capture_on_commit_callbacks
):
    owner = _with_role(soil, Membership.Role.OWNER)
    moderator = _with_role(soil, Membership.Role.MODERATOR)
    member = _with_role(soil, Membership.Role.MEMBER)
    Profile.objects.filter(user=moderator).update(email_frequency="immediately")
    asker = UserFactory(username="newgrower")
    client.force_login(asker)
    html = client.get(soil.get_absolute_url()).content.decode()
    assert "A word for the moderators" in html

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("communities:join", args=[soil.slug]),
            {"message": "I garden on heavy clay in Leeds."},
        )
    assert response.status_code == 302
    told = Notification.objects.filter(title__contains="asked to join Clay soil drainage")
    assert {n.user for n in told} == {owner, moderator}
    assert member not in {n.user for n in told}
    assert told.first().url == "/communities/clay-soil/moderation/#join-requests"
    assert [m.to for m in mail.outbox] == [[moderator.email]]
    assert "asked to join Clay soil drainage" in mail.outbox[0].subject + mail.outbox[0].body

    # Asking again tells nobody twice.
    services.community_join(user=asker, community=soil, message="again")
    assert told.count() == 2

    client.force_login(moderator)
    queue = client.get(reverse("moderation:queue", args=[soil.slug])).content.decode()
    assert "I garden on heavy clay in Leeds." in queue


def test_an_open_community_tells_nobody(soil):
    soil.join_policy = Community.JoinPolicy.OPEN
    soil.save()
    _with_role(soil, Membership.Role.OWNER)
    services.community_join(user=UserFactory(), community=soil, message="hello")
    assert not Notification.objects.exists()
    assert Membership.objects.get(state="active", role="member").join_message == ""


def test_the_api_takes_the_message_and_refuses_one_too_long(soil):
    moderator = _with_role(soil, Membership.Role.MODERATOR)
    api = APIClient()
    api.force_authenticate(UserFactory())
    url = f"/api/communities/{soil.slug}/join/"
    too_long = api.post(url, {"message": "x" * 1001}, format="json")
    assert too_long.status_code == 400, too_long.content
    response = api.post(url, {"message": "Clay in Leeds."}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "requested"
    api.force_authenticate(moderator)
    requests = api.get(f"/api/moderation/communities/{soil.slug}/join-requests/").json()
    assert requests["results"][0]["join_message"] == "Clay in Leeds."
