"""The demo `make run` loads (communities/management/commands/load_demo.py), as a newcomer meets it:
logged in as a demo person, with the real rate limits on, they can post, start a thread and found a
community (seeding the demo used none of the demo people's limits); the communities already hold
discussions with replies; loading it again adds nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client, override_settings

from communities.management.commands.load_demo import DEMO_PASSWORD
from communities.models import Community, Post, Proposal, Reply, Thread
from config.settings import base

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("own_cache")]

# The limits a real site runs with (config/settings/base.py), not the suite's: test settings turn
# them off.
real_limits = override_settings(
    KINDRED_RATE_LIMITS_ENABLED=True, KINDRED_RATE_LIMITS=base.KINDRED_RATE_LIMITS, DEBUG=True
)


def _load_demo() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def _logged_in(username: str) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"login": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.content
    return client


@real_limits
def test_a_newcomer_logged_in_as_ada_posts_starts_a_thread_and_founds_a_community():
    _load_demo()
    ada = _logged_in("ada")

    posted = ada.post(
        "/posts/new/",
        {
            "kind": Post.Kind.PROBLEM,
            "title": "Slugs eat every lettuce seedling",
            "body": "Beer traps catch a few. What else works on clay beds?",
            "tags": "gardening, slugs",
        },
    )
    assert posted.status_code == 302, posted.content.decode()[:2000]

    community = Community.objects.get(name="Clay soil drainage")
    thread = ada.post(
        f"/communities/{community.slug}/threads/new/",
        {"title": "Who is trying green manure this winter?", "body": "I sowed field beans."},
    )
    assert thread.status_code == 302, thread.content.decode()[:2000]

    founded = ada.post(
        "/communities/new/",
        {
            "name": "Seed swaps near me",
            "purpose": "Swapping saved seed between gardens.",
            "tags": "seeds, gardening",
            "join_policy": Community.JoinPolicy.OPEN,
            "visibility": Community.Visibility.PUBLIC,
        },
    )
    assert founded.status_code == 302, founded.content.decode()[:2000]
    assert Community.objects.filter(name="Seed swaps near me").exists()

    # Every demo person starts with their whole allowance: Maya, who seeded a thread, replies
    # and a proposal, can still reply at once.
    maya = _logged_in("maya")
    started = Thread.objects.filter(community=community).exclude(author__username="maya").first()
    assert started is not None
    reply = maya.post(
        f"/communities/{community.slug}/threads/{started.pk}/reply/", {"body": "Me too."}
    )
    assert reply.status_code == 302, reply.content.decode()[:2000]


@real_limits
def test_the_demo_communities_hold_discussions_with_replies():
    _load_demo()
    threads = Thread.objects.all()
    assert threads.count() >= 4
    # Every demo community has a discussion, and the discussions are conversations.
    assert set(threads.values_list("community__name", flat=True)) == set(
        Community.objects.values_list("name", flat=True)
    )
    for thread in threads:
        replies = Reply.objects.filter(thread=thread)
        assert replies.count() >= 2, thread.title  # the opening message and at least one reply
        assert replies.values("author").distinct().count() >= 2, thread.title
    assert Proposal.objects.filter(state=Proposal.State.OPEN).exists()

    # A visitor sees them on the community's page.
    community = Community.objects.get(name="Clay soil drainage")
    page = Client().get(community.get_absolute_url())
    assert page.status_code == 200
    first = threads.filter(community=community).first()
    assert first is not None and first.title in page.content.decode()


@real_limits
def test_loading_the_demo_again_adds_nothing():
    _load_demo()
    counts = [m.objects.count() for m in (Community, Post, Thread, Reply, Proposal)]
    assert "already loaded" in _load_demo()
    assert [m.objects.count() for m in (Community, Post, Thread, Reply, Proposal)] == counts
