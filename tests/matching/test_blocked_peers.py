"""A block keeps the blocked person's posts out of the blocker's notices of new peers (issue 21)."""

import pytest

from communities.models import Post, Tag
from matching import services
from matching.models import MatchRun
from profiles.models import Block, Notification
from tests.engine.corpus import TOPICS
from tests.profiles.factories import UserFactory

pytestmark = pytest.mark.django_db


def _robots_post(author) -> Post:
    words = TOPICS["robots"][0]
    post = Post.objects.create(author=author, title=" ".join(words[:5]), body=" ".join(words[5:12]))
    post.tags.set([Tag.objects.get_or_create(slug="robotics", defaults={"name": "robotics"})[0]])
    return post


def test_the_blocker_hears_of_no_peer_post_by_the_blocked_person(topic_posts):
    topic_posts(topics=("baking", "robots"), per_topic=10, people=4)
    run = services.match_run_request(actor=None, trigger=MatchRun.Trigger.COMMAND)
    assert services.match_run_execute(run_id=run.pk).status == MatchRun.Status.SUCCEEDED
    services.post_match(post_id=_robots_post(UserFactory(username="ada")).pk)
    told_of_ada = Notification.objects.filter(kind=Notification.Kind.NEW_PEER).count()
    assert told_of_ada > 0  # the members hear of a peer

    mallory = UserFactory(username="mallory")
    for username in ("ada", "member0", "member1", "member2", "member3"):
        Block.objects.create(blocker=UserFactory(username=username), blocked=mallory)
    services.post_match(post_id=_robots_post(mallory).pk)
    assert Notification.objects.filter(kind=Notification.Kind.NEW_PEER).count() == told_of_ada
