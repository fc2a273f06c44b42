"""Areas in full runs, through real Celery workers on PostgreSQL and Redis: the engine is told
the area every previous community is in and keeps it; a moderator's move (to an area, a new one
or none) survives later runs; applying a run never overrides an area."""

import pytest

from communities import services as community_services
from communities.models import Area, Community, Membership
from matching.services.artifacts import run_matcher
from moderation import services as moderation
from tests.matching.test_pipeline import run_now, wait_for
from tests.profiles.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _moderated(community: Community):
    moderator = UserFactory()
    Membership.objects.create(user=moderator, community=community, role="moderator")
    return moderator


def _new_posts():
    author = UserFactory()
    for title in ("sourdough starter bread flour rising slowly", "servo motor arduino jitter"):
        community_services.post_create(author=author, title=title)


def test_a_moved_community_stays_in_its_new_area_in_later_runs(topic_posts):
    topic_posts()
    run_now()
    community = Community.objects.filter(status=Community.Status.PROPOSED).order_by("pk").first()
    moderator = _moderated(community)
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
        actor=_moderated(community), community=community, area=None, reason="No field fits"
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
    moderation.community_area_move(
        actor=_moderated(community), community=community, area=area, reason="Cooking"
    )
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
