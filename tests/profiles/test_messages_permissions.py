"""The permission matrix for people: writing to someone, blocking them and reporting them (or a
message of theirs), for every relation the writer can have with them, through the service, the
pages and the API. Nothing on the way mentions a community, so a private one never leaks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from communities.models import Community, Membership
from moderation.models import Report
from profiles import services
from profiles.models import Block, Message, Profile, SiteBan
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.profiles.factories import UserFactory

pytestmark = pytest.mark.django_db

SECRET = "Secret Circle"


@dataclass
class World:
    grace: Any  # the person written to, blocked and reported
    actor: Any  # None: anonymous
    message_to_actor: Message | None


def _world(role: str) -> World:
    """Grace, and someone in ``role`` towards her. Grace does not let others find her unless
    the role says so; she shares a private community with everyone who has an account."""
    grace = UserFactory(username="grace")
    findable = role == "stranger"
    Profile.objects.filter(user=grace).update(discoverable=findable)
    secret = CommunityFactory(name=SECRET, slug="secret-circle")
    secret.visibility = Community.Visibility.PRIVATE
    secret.save()
    MembershipFactory(community=secret, user=grace, state=Membership.State.ACTIVE)
    if role == "anonymous":
        return World(grace, None, None)
    actor = UserFactory(username="actor", is_staff=role == "staff")
    MembershipFactory(community=secret, user=actor, state=Membership.State.ACTIVE)
    message = None
    if role in ("correspondent", "blocked", "blocker"):
        Profile.objects.filter(user=grace).update(discoverable=True)
        message = services.message_send(sender=grace, recipient=actor, body="Hello")
        Profile.objects.filter(user=grace).update(discoverable=False)
    if role == "blocked":
        Block.objects.create(blocker=grace, blocked=actor)
    if role == "blocker":
        Block.objects.create(blocker=actor, blocked=grace)
    if role == "banned":
        SiteBan.objects.create(user=actor, reason="Spam")
    if role == "grace_banned":
        Profile.objects.filter(user=grace).update(discoverable=True)
        SiteBan.objects.create(user=grace, reason="Spam", until=timezone.now() + timedelta(days=1))
    return World(grace, actor, message)


ROLES = [
    "anonymous",
    "stranger",  # Grace lets others find her
    "fellow_member",  # shares a private community with Grace, who does not let others find her
    "correspondent",  # Grace wrote to them first
    "blocked",  # Grace blocked them
    "blocker",  # they blocked Grace
    "banned",  # they are banned from the site
    "grace_banned",  # Grace is banned from the site
    "staff",
]
MAY_WRITE = {"stranger", "correspondent", "staff"}
# A banned person's session no longer works: the pages send them to log in, the API refuses.
SIGNED_IN = set(ROLES) - {"anonymous", "banned"}


@pytest.mark.parametrize("role", ROLES)
def test_writing_through_the_service(role):
    world = _world(role)
    if world.actor is None:
        return  # the service needs a person; the pages and API refuse anonymous callers below
    if role in MAY_WRITE:
        assert services.message_send(sender=world.actor, recipient=world.grace, body="x")
    else:
        with pytest.raises(PermissionDenied) as refused:
            services.message_send(sender=world.actor, recipient=world.grace, body="x")
        assert SECRET not in str(refused.value)


def _page_client(world: World) -> Client:
    client = Client()
    if world.actor is not None:
        client.force_login(world.actor)
    return client


def _api_client(world: World) -> APIClient:
    client = APIClient()
    if world.actor is not None:
        token = client.post(  # a real log-in, as a script would
            "/api/auth/token/",
            {"username": "actor", "password": "correct-horse-battery"},
            format="json",
        )
        if token.status_code == 200:
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    return client


@pytest.mark.parametrize("role", ROLES)
def test_writing_through_the_pages(role):
    world = _world(role)
    before = Message.objects.count()
    client = _page_client(world)
    page = client.get("/people/messages/to/grace/")
    r = client.post("/people/messages/to/grace/", {"body": "Through the page"})
    if role not in SIGNED_IN:
        assert page.status_code == r.status_code == 302
        assert r["Location"].startswith("/accounts/login/")
    elif world.message_to_actor is not None:
        # They have a conversation already: going to write opens it, and they send there.
        convo = world.message_to_actor.conversation
        assert page.status_code == 302 and page["Location"] == convo.get_absolute_url()
        opened = client.get(convo.get_absolute_url())
        assert opened.status_code == 200 and SECRET.encode() not in opened.content
        r = client.post(f"{convo.get_absolute_url()}send/", {"body": "x"})
        assert r.status_code == (302 if role in MAY_WRITE else 403)
        assert SECRET.encode() not in r.content
    elif role in MAY_WRITE:
        assert r.status_code == 302, r.content
    else:
        assert page.status_code == r.status_code == 403
        assert SECRET.encode() not in page.content + r.content
    if role in MAY_WRITE:
        assert Message.objects.count() == before + 1
    if role not in MAY_WRITE:
        assert Message.objects.count() == before


@pytest.mark.parametrize("role", ROLES)
def test_writing_through_the_api(role):
    world = _world(role)
    client = _api_client(world)
    r = client.post("/api/conversations/", {"to": "grace", "body": "Through the API"})
    if role not in SIGNED_IN:
        assert r.status_code in (400, 401, 403), r.content
        assert not Message.objects.filter(body="Through the API").exists()
    elif role in MAY_WRITE:
        assert r.status_code == 201, r.content
    else:
        assert r.status_code == 403, r.content
        assert SECRET not in r.content.decode()
    listing = client.get("/api/conversations/")
    assert SECRET not in listing.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_blocking(role):
    world = _world(role)
    r = _page_client(world).post("/people/grace/block/")
    if role not in SIGNED_IN:
        assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")
        assert not Block.objects.filter(blocked=world.grace).exists()
    else:
        assert r.status_code == 302
        assert Block.objects.filter(blocker=world.actor, blocked=world.grace).exists()


@pytest.mark.parametrize("role", ROLES)
def test_reporting_the_person(role):
    world = _world(role)
    r = _page_client(world).post(
        f"/report/person/{world.grace.pk}/", {"reason": "Unwanted messages"}
    )
    if role not in SIGNED_IN:
        assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")
        assert not Report.objects.exists()
    else:
        assert r.status_code == 302, r.content
        report = Report.objects.get()
        assert report.community is None  # people go to site staff
        assert report.reporter == world.actor and report.target_id == world.grace.pk


@pytest.mark.parametrize("role", ["correspondent", "stranger", "staff", "anonymous"])
def test_reporting_a_message(role):
    """Only the people in a conversation see its messages, so only they (and staff) report one;
    anyone else finds nothing there."""
    world = _world(role)
    alan = UserFactory(username="alan")
    message = world.message_to_actor or services.message_send(
        sender=world.grace, recipient=alan, body="Not yours"
    )
    r = _page_client(world).post(f"/report/message/{message.pk}/", {"reason": "Rude"})
    if role == "anonymous":
        assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")
    elif role in ("correspondent", "staff"):
        assert r.status_code == 302
        assert Report.objects.filter(target_id=message.pk, community=None).exists()
    else:
        assert r.status_code == 404
        assert not Report.objects.exists()
