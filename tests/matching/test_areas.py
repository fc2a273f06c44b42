"""Areas in full runs, through real Celery workers on PostgreSQL and Redis: the engine is told
the area every previous community is in and keeps it; a moderator's move (to an area, a new one
or none) survives later runs; applying a run never overrides an area."""

from collections import Counter

import pytest

from communities import services as community_services
from communities.models import Area, Community, Post, Tag
from matching.services.artifacts import run_matcher
from moderation import services as moderation
from tests.engine.test_areas import site_corpus
from tests.matching.test_pipeline import run_now, wait_for
from tests.profiles.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def site_posts():
    """Six topics on two sites (kitchen: baking, knives, ferment; travel: visas, trains,
    packing) by a dozen people; returns {post pk: (site, topic)}."""
    authors = [UserFactory(username=f"member{i}") for i in range(12)]
    corpus, truth = site_corpus(per_topic=30, seed=0)
    created = {}
    for i, item in enumerate(sorted(corpus, key=lambda p: p.id)):
        post = Post.objects.create(author=authors[i % 12], title=item.title, body=item.body)
        post.tags.set(
            [Tag.objects.get_or_create(slug=t, defaults={"name": t})[0] for t in item.tags]
        )
        created[post.pk] = truth[item.id]
    return created


def _site_of(community: Community, truth: dict) -> str:
    sites = Counter(truth[p][0] for p in community.placements.values_list("post_id", flat=True))
    return sites.most_common(1)[0][0]


def test_a_first_run_makes_an_area_per_site_and_a_second_changes_nothing(site_posts):
    run = run_now()
    communities = list(Community.objects.filter(status=Community.Status.PROPOSED))
    assert len(communities) == 6, run.metrics
    assert Area.objects.count() == 2
    assert (run.metrics["areas"], run.metrics["areas_created"]) == (2, 2)
    assert run.metrics["placed_in_areas"] == 6
    engine_names = {a.name for a in run_matcher(run.pk).areas_}
    assert set(Area.objects.values_list("name", flat=True)) == engine_names
    by_area: dict[int, set[str]] = {}
    for community in communities:
        assert community.area_id is not None and not community.area_pinned
        by_area.setdefault(community.area_id, set()).add(_site_of(community, site_posts))
    assert sorted(map(sorted, by_area.values())) == [["kitchen"], ["travel"]]
    before = set(Community.objects.values_list("pk", "area_id"))
    areas_before = set(Area.objects.values_list("pk", "name", "slug"))
    again = run_now()
    assert set(Community.objects.values_list("pk", "area_id")) == before
    assert set(Area.objects.values_list("pk", "name", "slug")) == areas_before
    assert (again.metrics["areas_created"], again.metrics["placed_in_areas"]) == (0, 0)
    assert again.metrics["areas"] == 2


def test_a_community_moved_to_the_other_area_and_a_renamed_area_survive_a_run(site_posts):
    run_now()
    baking = next(
        c
        for c in Community.objects.filter(status=Community.Status.PROPOSED)
        if Counter(
            site_posts[p][1] for p in c.placements.values_list("post_id", flat=True)
        ).most_common(1)[0][0]
        == "baking"
    )
    travel = Area.objects.exclude(pk=baking.area_id).get()
    moderator = _staff()
    moderation.community_area_move(
        actor=moderator, community=baking, area=travel, reason="Bread for the road"
    )
    moderation.area_rename(actor=moderator, area=travel, name="Journeys")
    _new_posts()
    run = run_now()
    baking.refresh_from_db()
    assert baking.area_id == travel.pk and Area.objects.get(pk=travel.pk).name == "Journeys"
    assert run_matcher(run.pk).community_areas_[baking.pk] == travel.pk
    assert Area.objects.count() == 2


def _staff():
    """Who moves a proposed community the matcher made: site staff, who decide proposals (its
    moderators move it once it is active; moderation/permissions.py)."""
    return UserFactory(is_staff=True)


def _new_posts():
    author = UserFactory()
    for title in ("sourdough starter bread flour rising slowly", "servo motor arduino jitter"):
        community_services.post_create(author=author, title=title)


def test_a_moved_community_stays_in_its_new_area_in_later_runs(topic_posts):
    topic_posts()
    run_now()
    community = Community.objects.filter(status=Community.Status.PROPOSED).order_by("pk").first()
    moderator = _staff()
    moved = moderation.community_area_move(
        actor=moderator,
        community=community,
        area=None,
        new_area_name="Bread makers",
        reason="They bake together",
    )
    area = moved.area
    _new_posts()
    run = run_now()
    # The engine was told, kept it, and the app left it.
    assert run.metrics["previous_areas"][str(community.pk)] == area.pk
    assert run_matcher(run.pk).community_areas_[community.pk] == area.pk
    community.refresh_from_db()
    assert (community.area_id, community.area_pinned) == (area.pk, True)
    assert Area.objects.get(pk=area.pk).name == "Bread makers"
    again = run_now()
    community.refresh_from_db()
    assert community.area_id == area.pk and again.metrics["placed_in_areas"] == 0


def test_no_area_chosen_by_a_moderator_stays_none(topic_posts):
    topic_posts()
    run_now()
    community = Community.objects.filter(status=Community.Status.PROPOSED).order_by("pk").first()
    elsewhere = Area.objects.create(name="Elsewhere", slug="elsewhere")
    Community.objects.filter(pk=community.pk).update(area=elsewhere)
    moderation.community_area_move(
        actor=_staff(), community=community, area=None, reason="No field fits"
    )
    _new_posts()
    run = run_now()
    community.refresh_from_db()
    assert community.area is None and community.area_pinned
    assert run.metrics["previous_areas"][str(community.pk)] is None  # the engine was told


def test_a_run_through_a_worker_keeps_an_area_and_reports_the_areas(topic_posts, workers):
    topic_posts()
    run_now()
    community = Community.objects.filter(status=Community.Status.PROPOSED).order_by("pk").first()
    area = Area.objects.create(name="Kitchen", slug="kitchen")
    moderation.community_area_move(actor=_staff(), community=community, area=area, reason="Cooking")
    workers.start()
    staff = UserFactory(is_staff=True)
    run = moderation.match_run_start(actor=staff)
    wait_for(lambda: type(run).objects.get(pk=run.pk).status in ("succeeded", "failed"), 120)
    run.refresh_from_db()
    assert run.status == "succeeded", run.error
    assert {"areas", "areas_created", "placed_in_areas"} <= set(run.metrics)
    assert run.metrics["areas"] >= 1  # at least the area the engine was told about
    community.refresh_from_db()
    assert community.area == area
