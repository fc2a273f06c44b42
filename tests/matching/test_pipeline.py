"""The matching pipeline end to end: posts in, peers and self-forming communities out, through
real Celery workers on PostgreSQL and Redis."""

import time
from collections import Counter

import pytest
from django.test import override_settings

from communities import services as community_services
from communities.models import Community, Membership, Placement, Post
from matching import services
from matching.models import MatchConstraint, MatchRun, PeerSuggestion
from moderation import services as moderation_services
from tests.profiles.factories import DEFAULT_PASSWORD, UserFactory


def wait_for(predicate, timeout=60.0, interval=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"gave up waiting after {timeout} s")


def run_now(*, full: bool = False) -> MatchRun:
    """Request a run and carry it out here; when a live worker took the request first (the
    run's task is sent on commit), wait for the worker to finish it instead. ``full``: fit
    afresh rather than update the last run's matcher."""
    run = services.match_run_request(actor=None, trigger=MatchRun.Trigger.COMMAND, full=full)
    result = services.match_run_execute(run_id=run.pk)
    if result is None:
        wait_for(
            lambda: (
                MatchRun.objects.get(pk=run.pk).status
                in (MatchRun.Status.SUCCEEDED, MatchRun.Status.FAILED)
            )
        )
        result = MatchRun.objects.get(pk=run.pk)
    assert result.status == MatchRun.Status.SUCCEEDED, result.error
    return result


def placements() -> set[tuple[int, int]]:
    return set(Placement.objects.values_list("post_id", "community_id"))


@pytest.mark.django_db(transaction=True)
def test_a_run_proposes_a_community_per_topic_and_invites_its_authors(topic_posts):
    truth = topic_posts()
    run = run_now()

    proposed = Community.objects.filter(status=Community.Status.PROPOSED, origin="matcher")
    assert proposed.count() == 3, run.metrics
    for community in proposed:
        topics = Counter(
            truth[pid] for pid in community.placements.values_list("post_id", flat=True)
        )
        _topic, count = topics.most_common(1)[0]
        assert count / sum(topics.values()) > 0.9, (community.name, topics)
        assert community.formed_reason and community.purpose
        invited = community.memberships.filter(state=Membership.State.INVITED).count()
        assert invited >= 3
        # Its charter history starts with the matcher's draft.
        [revision] = community.charter_revisions.all()
        assert (revision.name, revision.purpose) == (community.name, community.purpose)
    assert run.metrics["coverage"] >= 0.85
    assert not Post.objects.filter(match_state=Post.MatchState.PENDING).exists()


@pytest.mark.django_db(transaction=True)
@override_settings(KINDRED_PROPOSED_COMMUNITY_MIN_MEMBERS=2)
def test_a_proposed_community_becomes_active_when_enough_people_join(topic_posts):
    topic_posts()
    run_now()
    community = Community.objects.filter(status=Community.Status.PROPOSED).first()
    invited = [m.user for m in community.memberships.filter(state=Membership.State.INVITED)]
    community_services.community_join(user=invited[0], community=community)
    community.refresh_from_db()
    assert community.status == Community.Status.PROPOSED
    community_services.community_join(user=invited[1], community=community)
    community.refresh_from_db()
    assert community.status == Community.Status.ACTIVE and community.activated_at


@pytest.mark.django_db(transaction=True)
def test_a_second_run_changes_nothing(topic_posts):
    topic_posts()
    run_now()
    before = placements(), set(Community.objects.values_list("pk", "slug", "name", "status"))
    second = run_now()
    after = placements(), set(Community.objects.values_list("pk", "slug", "name", "status"))
    assert after == before
    assert set(second.metrics["transitions"]) <= {"survived"}


@pytest.mark.django_db(transaction=True)
def test_communities_keep_their_identity_when_new_posts_arrive(topic_posts):
    topic_posts(per_topic=20, seed=0)
    run_now()
    before = {c.pk: (c.slug, c.name) for c in Community.objects.all()}
    author = UserFactory()
    for title in ("sourdough starter bread flour rising slowly", "servo motor arduino jitter"):
        community_services.post_create(author=author, title=title)
    run_now()
    after = {c.pk: (c.slug, c.name) for c in Community.objects.all()}
    assert after == before


@pytest.mark.django_db(transaction=True)
def test_a_moderators_removal_survives_the_next_run(topic_posts):
    topic_posts()
    run_now()
    community = Community.objects.filter(status=Community.Status.PROPOSED).first()
    moderator = UserFactory()
    Membership.objects.create(user=moderator, community=community, role="moderator")
    placement = community.placements.first()
    moderation_services.placement_remove(
        actor=moderator, placement=placement, reason="Not about this at all"
    )
    run_now()
    assert not community.placements.filter(post_id=placement.post_id).exists()
    assert MatchConstraint.objects.filter(post_id=placement.post_id, community=community).exists()


@pytest.mark.django_db(transaction=True)
def test_posting_finds_peers_within_seconds_through_a_worker(topic_posts, client, workers):
    topic_posts(sentences=True)
    run_now()
    workers.start()
    author = UserFactory(username="newcomer")
    client.login(username="newcomer", password=DEFAULT_PASSWORD)
    response = client.post(
        "/api/posts/",
        {
            "title": "sourdough bread dough will not rise in a cold oven",
            "body": "My starter and flour seem fine but the loaf stays flat.",
            "tags": ["baking"],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    post_id = response.json()["id"]
    started = time.monotonic()
    peers = wait_for(lambda: client.get(f"/api/posts/{post_id}/peers/").json(), timeout=30)
    elapsed = time.monotonic() - started
    assert elapsed < 10, elapsed
    assert all(p["post"]["author"] != author.public_name for p in peers)
    assert "baking" in peers[0]["reason"] or peers[0]["shared_terms"]
    fits = client.get(f"/api/posts/{post_id}/communities/").json()
    assert fits and "bread" in fits[0]["community"]["name"].lower() + " ".join(
        p["post"]["title"] for p in peers
    )
    assert Post.objects.get(pk=post_id).match_state == Post.MatchState.MATCHED


@pytest.mark.django_db(transaction=True)
def test_staff_start_a_run_over_the_api_and_follow_it(topic_posts, client, workers):
    topic_posts()
    workers.start()
    staff = UserFactory(username="staff", is_staff=True)
    client.force_login(staff)
    response = client.post("/api/match-runs/")
    assert response.status_code == 201, response.content
    run_id = response.json()["id"]
    assert client.post("/api/match-runs/").json()["id"] == run_id  # no second, overlapping run
    done = wait_for(
        lambda: (
            (r := client.get(f"/api/match-runs/{run_id}/").json())["status"]
            in ("succeeded", "failed")
            and r
        ),
        timeout=120,
    )
    assert done["status"] == "succeeded", done
    assert done["progress"] == 100 and done["config_id"].startswith("matcher-")
    assert Community.objects.filter(status="proposed").count() == 3
    # Staff asking for a run get a full fit, even where an update would do.
    again = client.post("/api/match-runs/").json()["id"]
    assert MatchRun.objects.get(pk=again).metrics["full_requested"] is True
    member = UserFactory()
    client.force_login(member)
    assert client.post("/api/match-runs/").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_two_workers_give_the_same_result_as_one_process(topic_posts, workers, settings):
    topic_posts(per_topic=30)
    settings.KINDRED_MATCH_CHUNK_SIZE = 10
    expected = run_now()
    expected_state = placements(), set(Community.objects.values_list("pk", "name"))
    expected_peers = set(PeerSuggestion.objects.values_list("post_id", "peer_id"))
    # Start again from nothing, then let two worker processes share the chunks.
    Placement.objects.all().delete()
    Membership.objects.all().delete()
    Community.objects.all().delete()
    PeerSuggestion.objects.all().delete()
    MatchRun.objects.all().delete()
    workers.start(env={"KINDRED_MATCH_CHUNK_SIZE": "10"})
    workers.start(env={"KINDRED_MATCH_CHUNK_SIZE": "10"})
    run = services.match_run_request(actor=None, trigger=MatchRun.Trigger.MANUAL)
    wait_for(lambda: MatchRun.objects.get(pk=run.pk).status in ("succeeded", "failed"), 180)
    run.refresh_from_db()
    assert run.status == "succeeded", run.error
    names = sorted(n for _, n in expected_state[1])
    assert sorted(Community.objects.values_list("name", flat=True)) == names
    by_name = {c.name: c.pk for c in Community.objects.all()}
    old_names = dict(expected_state[1])
    remapped = {(p, by_name[old_names[c]]) for p, c in expected_state[0]}
    assert placements() == remapped
    assert set(PeerSuggestion.objects.values_list("post_id", "peer_id")) == expected_peers
    logs = [w.log_path.read_text() for w in workers.processes]
    assert all("matching.peers_chunk" in log for log in logs), "both workers took chunks"
    assert expected.post_count == run.post_count


@pytest.mark.django_db(transaction=True)
def test_a_killed_worker_leaves_the_previous_state_and_a_rerun_succeeds(topic_posts, workers):
    import os
    import signal

    topic_posts(per_topic=30)
    run_now()
    before = placements()
    worker = workers.start(env={"KINDRED_MATCH_CHUNK_SIZE": "5"})
    Post.objects.create(author=UserFactory(), title="rye sourdough loaf crust")
    # A full run: an update would search a single chunk again, too quickly to be caught.
    run = services.match_run_request(actor=None, trigger=MatchRun.Trigger.MANUAL, full=True)
    wait_for(lambda: MatchRun.objects.get(pk=run.pk).stage == "finding peers", 60, 0.05)
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()
    run.refresh_from_db()
    assert run.status == MatchRun.Status.RUNNING
    assert placements() == before  # nothing of the interrupted run was applied

    with override_settings(KINDRED_MATCH_RUN_STALE_SECONDS=0):
        rerun = services.match_run_request(actor=None, trigger=MatchRun.Trigger.MANUAL)
    run.refresh_from_db()
    assert run.status == MatchRun.Status.FAILED and "worker was lost" in run.error
    assert rerun.pk != run.pk
    workers.start()
    wait_for(lambda: MatchRun.objects.get(pk=rerun.pk).status in ("succeeded", "failed"), 120)
    rerun.refresh_from_db()
    assert rerun.status == MatchRun.Status.SUCCEEDED, rerun.error


@pytest.mark.django_db(transaction=True)
def test_posts_whose_tasks_were_lost_are_matched_by_the_periodic_requeue(topic_posts, workers):
    from config.celery import app
    from matching import tasks

    topic_posts()
    run_now()
    post = community_services.post_create(author=UserFactory(), title="servo motor jitter")
    # The broker lost its queue (Redis restarted without persistence): the task is gone.
    app.control.purge()
    Post.objects.filter(pk=post.pk).update(updated_at=post.updated_at.replace(year=2020))
    workers.start()
    time.sleep(1)
    assert Post.objects.get(pk=post.pk).match_state == Post.MatchState.PENDING
    tasks.requeue_pending.delay()
    wait_for(lambda: Post.objects.get(pk=post.pk).match_state == Post.MatchState.MATCHED, 30)


@pytest.mark.django_db(transaction=True)
def test_a_matcher_saved_by_another_engine_version_is_replaced_not_used(topic_posts):
    import hashlib
    from pathlib import Path

    from django.utils import timezone

    from matching.models import MatchArtifact

    topic_posts(per_topic=10)
    now = timezone.now()
    # A real artifact that engine version 1 saved (see tests/matching/fixtures/README.md).
    data = (Path(__file__).parent / "fixtures" / "artifact-v1.zip").read_bytes()
    old = MatchRun.objects.create(
        status=MatchRun.Status.SUCCEEDED,
        started_at=now,
        finished_at=now,
        config_id="matcher-v1-lexical-629ba2967b",
    )
    MatchArtifact.objects.create(
        run=old,
        config_id=old.config_id,
        data=data,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
    post = Post.objects.first()

    services.post_match(post_id=post.pk)

    post.refresh_from_db()
    assert post.match_state == Post.MatchState.PENDING  # not matched with a matcher it can't load
    queued = MatchRun.objects.get(status=MatchRun.Status.QUEUED)
    assert queued.config_id == services.new_matcher().config_id() != old.config_id
    run_now_result = services.match_run_execute(run_id=queued.pk)
    assert run_now_result.status == MatchRun.Status.SUCCEEDED
    assert run_now_result.artifact.config_id == queued.config_id
    services.post_match(post_id=post.pk)
    post.refresh_from_db()
    assert post.match_state == Post.MatchState.MATCHED
