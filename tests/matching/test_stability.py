"""Runs people can live with: a run over the same posts changes nothing and tells nobody anything,
a few new posts or a moderator's merge leave the communities where they were, and nobody is
flooded with invitations. Runs go through the real pipeline (a Celery worker on PostgreSQL and
Redis, or the same steps in this process)."""

from collections import Counter

import pytest
from django.test import override_settings
from django.utils import timezone

from communities import services as community_services
from communities.models import Community, Membership, Placement, Post
from matching import services
from matching.models import MatcherSuggestion, MatchRun
from matching.services.invitations import invitations_send
from moderation.services import community_merge
from profiles.models import Notification
from tests.matching.test_pipeline import run_now, wait_for
from tests.profiles.factories import UserFactory

FOUR = ("baking", "robots", "visas", "garden")


def state() -> tuple[set, set, int, int]:
    return (
        set(Placement.objects.values_list("post_id", "community_id", "placed_by")),
        set(Community.objects.values_list("pk", "slug", "name", "status")),
        Membership.objects.count(),
        Notification.objects.count(),
    )


def run_on_worker(workers) -> MatchRun:
    if not workers.processes:
        workers.start()
    run = services.match_run_request(actor=None, trigger=MatchRun.Trigger.SCHEDULE)
    done = wait_for(
        lambda: MatchRun.objects.filter(pk=run.pk, status__in=["succeeded", "failed"]).first(),
        timeout=120,
    )
    assert done.status == MatchRun.Status.SUCCEEDED, done.error
    return done


def hand_made_community(posts: list[int]) -> Community:
    """An active community that people made themselves, holding a few of the posts (as the
    demo's): the previous communities of the first run are then not the matcher's own."""
    owner = UserFactory()
    community = Community.objects.create(
        name="Our own group",
        slug="our-own-group",
        status=Community.Status.ACTIVE,
        activated_at=timezone.now(),
    )
    Membership.objects.create(user=owner, community=community, role=Membership.Role.OWNER)
    for pk in posts:
        Placement.objects.create(
            post_id=pk, community=community, placed_by=Placement.PlacedBy.MEMBER, pinned=True
        )
    return community


def merge_two(communities) -> None:
    """A moderator merges the first of ``communities`` into the second: the communities the
    next runs start from are then not the matcher's own."""
    source, target = communities[0], communities[1]
    moderator = UserFactory()
    for community in (source, target):
        Membership.objects.create(user=moderator, community=community, role="moderator")
    community_merge(actor=moderator, source=source, target=target, reason="The same people")


@pytest.mark.django_db(transaction=True)
def test_runs_over_the_same_posts_change_nothing_and_notify_nobody(topic_posts, workers):
    truth = topic_posts(topics=FOUR, per_topic=25, people=16)
    hand_made_community([pk for pk, topic in truth.items() if topic == "garden"][:3])
    first = run_on_worker(workers)
    assert first.metrics["proposed"], first.metrics
    merge_two(Community.objects.filter(status=Community.Status.PROPOSED).order_by("pk"))
    before = state()
    for _ in range(2):
        again = run_on_worker(workers)
        assert state() == before, again.metrics
        assert again.metrics["proposed"] == [] and again.metrics["invitations"] == 0
        assert set(again.metrics["transitions"]) == {"survived"}, again.metrics
        assert not MatcherSuggestion.objects.filter(run=again).exists()


@pytest.mark.django_db(transaction=True)
def test_new_posts_and_a_merge_keep_placements_and_every_community(topic_posts):
    truth = topic_posts(topics=FOUR, per_topic=25, people=16)
    run_now()
    communities = list(Community.objects.filter(status=Community.Status.PROPOSED).order_by("pk"))
    assert len(communities) == 4
    merge_two(communities)
    before = dict(Placement.objects.values_list("post_id", "community_id"))
    kept = {c.pk: (c.slug, c.name) for c in communities[1:]}
    author = UserFactory()
    for title in ("sourdough starter bread flour rising slowly", "servo motor arduino jitter"):
        community_services.post_create(author=author, title=title)  # 2% new posts

    run = run_now()

    after = dict(Placement.objects.values_list("post_id", "community_id"))
    unchanged = sum(after.get(pid) == cid for pid, cid in before.items())
    assert unchanged / len(before) >= 0.95, run.metrics
    assert {c.pk: (c.slug, c.name) for c in Community.objects.filter(pk__in=kept)} == kept
    assert Community.objects.filter(pk__in=kept, status=Community.Status.PROPOSED).count() == 3
    assert run.metrics["proposed"] == [], run.metrics
    assert len(set(truth)) == Post.objects.count() - 2


@pytest.mark.django_db(transaction=True)
@override_settings(KINDRED_INVITATIONS_PER_WEEK=2)
def test_a_person_is_invited_to_a_few_proposals_a_week_and_never_twice(topic_posts):
    topic_posts(topics=FOUR, per_topic=25, people=10)  # everyone posts on every topic
    run = run_now()
    proposed = list(Community.objects.filter(status=Community.Status.PROPOSED))
    assert len(proposed) == 4
    invitations = Notification.objects.filter(kind=Notification.Kind.INVITATION)
    per_person = {
        m.user_id: Membership.objects.filter(user_id=m.user_id, state="invited").count()
        for m in Membership.objects.all()
    }
    assert per_person and max(per_person.values()) == 2, per_person
    assert invitations.count() == sum(per_person.values()) == run.metrics["invitations"]

    # Asked again (a redelivered task, or the next proposal the same week): nobody is invited
    # again, and nobody to the same community twice.
    authors = {
        c.pk: Counter(c.placements.values_list("post__author_id", flat=True)) for c in proposed
    }
    with override_settings(KINDRED_INVITATIONS_PER_WEEK=10):
        # Room for more this week: each person is invited to the two proposals left, once.
        added = invitations_send(proposed=proposed, authors=authors, now=run.finished_at)
        assert added == 2 * len(per_person)
        again = invitations_send(proposed=proposed, authors=authors, now=run.finished_at)
    assert again == 0
    pairs = list(Membership.objects.values_list("user_id", "community_id"))
    assert len(pairs) == len(set(pairs))
    assert invitations.count() == len(pairs)


@pytest.mark.django_db(transaction=True)
def test_a_community_holding_two_groups_gets_one_split_suggestion_not_a_split(topic_posts):
    truth = topic_posts(topics=FOUR, per_topic=25, people=16)
    mixed = [pk for pk, t in truth.items() if t == "baking"][:15]
    mixed += [pk for pk, t in truth.items() if t == "robots"][:15]
    community = hand_made_community(mixed)
    Placement.objects.filter(community=community).update(pinned=False)

    first = run_now()
    second = run_now()

    # Nothing was taken out of it (other posts on its topics may have joined).
    assert set(mixed) <= set(community.placements.values_list("post_id", flat=True))
    [split] = MatcherSuggestion.objects.filter(community=community)
    assert split.kind == MatcherSuggestion.Kind.SPLIT and split.run_id == first.pk
    assert {truth[pk] for pk in split.post_ids} in ({"baking"}, {"robots"})
    assert len(split.post_ids) >= 15
    assert not MatcherSuggestion.objects.filter(run=second).exists()
