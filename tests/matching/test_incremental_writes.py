"""A run writes only what changed: peers, fits and placements are stored by
difference, so a second run over the same posts writes nothing; a run after new, edited or
deleted posts updates the last run's matcher, searches only the posts whose peers may change,
and leaves stored what a recomputation from nothing would."""

import pytest
from django.conf import settings
from django.db import transaction

from communities import services as community_services
from communities.models import Placement, Post
from matching import services
from matching.models import CommunityFit, MatchRun, MatchRunChunk, PeerSuggestion, run_writes
from matching.services.artifacts import run_matcher
from matching.services.storage import MatchRowCounts, PostMatches, found_store
from tests.matching.test_pipeline import run_now
from tests.profiles.factories import UserFactory

WRITES = (
    "peers_written",
    "peers_deleted",
    "fits_written",
    "fits_deleted",
    "placements_written",
    "placements_deleted",
    "posts_marked_matched",
)


def stored_rows() -> tuple[set, set, set]:
    """Every stored peer, fit and placement with its row id and score: a row deleted and
    written again gets a new id."""
    return (
        set(PeerSuggestion.objects.values_list("pk", "post_id", "peer_id", "score", "reason")),
        set(CommunityFit.objects.values_list("pk", "post_id", "community_id", "confidence")),
        set(Placement.objects.values_list("pk", "post_id", "community_id", "score", "updated_at")),
    )


def peers_and_fits() -> tuple[dict, dict]:
    peers = {
        (p, q): s for p, q, s in PeerSuggestion.objects.values_list("post_id", "peer_id", "score")
    }
    fits = {
        (p, c): s
        for p, c, s in CommunityFit.objects.values_list("post_id", "community_id", "confidence")
    }
    return peers, fits


@pytest.mark.django_db(transaction=True)
def test_a_second_run_over_the_same_posts_writes_nothing(topic_posts):
    topic_posts()
    first = run_now()
    assert first.metrics["peers_written"] == PeerSuggestion.objects.count() > 0
    assert first.metrics["fits_written"] == CommunityFit.objects.count() > 0
    assert first.metrics["placements_written"] == Placement.objects.count() > 0
    assert first.metrics["posts_marked_matched"] == Post.objects.count()
    before = stored_rows()

    second = run_now()

    assert {name: second.metrics[name] for name in WRITES} == dict.fromkeys(WRITES, 0)
    assert stored_rows() == before  # the same rows, not deleted and written again
    assert "peer suggestions 0 (0)" in run_writes(second)


def recomputed(run: MatchRun) -> MatchRowCounts:
    """Every post's peers and fits searched again with the run's own matcher and stored: what a
    recomputation from nothing writes over what the run left."""
    matcher = run_matcher(run.pk)
    limit = settings.KINDRED_PEERS_PER_POST
    ids = list(matcher.post_ids_)
    peers, placed = matcher.similar_indexed(ids, k=limit + 5), matcher.place_indexed(ids)
    found = {int(pid): PostMatches(peers[pid], placed.get(pid, [])) for pid in ids}
    community_map = {int(k): v for k, v in run.metrics["community_map"].items()}
    with transaction.atomic():
        return found_store(found, community_map)


@pytest.mark.django_db(transaction=True)
def test_a_run_after_new_posts_updates_the_matcher_and_writes_what_a_recomputation_would(
    topic_posts,
):
    topic_posts(per_topic=20)
    first = run_now()
    assert first.metrics["mode"] == "full"
    author = UserFactory()
    for title in (
        "sourdough starter bread flour rising slowly",
        "servo motor arduino jitter on the robot arm",
    ):
        community_services.post_create(author=author, title=title)
    total_before = PeerSuggestion.objects.count()

    update = run_now()

    # The last run's matcher was updated, and only the posts whose peers may change were
    # searched again: the new posts and those they come closer to than a peer they had.
    assert update.metrics["mode"] == "update"
    assert update.metrics["encoded"] <= 2  # a sentence encoder encodes the new posts, no other
    assert 2 < update.metrics["searched"] < update.post_count
    assert 0 < update.metrics["peers_written"] < total_before
    new_ids = set(Post.objects.filter(author=author).values_list("pk", flat=True))
    peers, _ = peers_and_fits()
    assert new_ids <= {p for p, _ in peers}
    assert update.metrics["posts_marked_matched"] == 2
    placed = set(Placement.objects.values_list("post_id", "community_id"))

    # Every post's peers searched again with the same matcher change nothing stored: the posts
    # the update left alone had the peers a recomputation finds.
    again = recomputed(update)
    assert (again.peers.written, again.peers.deleted) == (0, 0)

    # A full fit afresh keeps every community and placement the update made.
    full = run_now(full=True)
    assert full.metrics["mode"] == "full"
    assert full.metrics["searched"] == full.post_count
    assert set(Placement.objects.values_list("post_id", "community_id")) == placed
    assert full.status == MatchRun.Status.SUCCEEDED


@pytest.mark.django_db(transaction=True)
def test_edited_and_deleted_posts_leave_the_peers_of_others_after_an_update(topic_posts):
    topic_posts(per_topic=20)
    run_now()
    listed = PeerSuggestion.objects.values_list("peer_id", flat=True)
    edited, deleted = (Post.objects.get(pk=pk) for pk in list(dict.fromkeys(listed))[:2])
    community_services.post_update(
        post=edited,
        actor=edited.author,
        title="Knitting a cardigan with chunky wool",
        body="Which needles and which stitch for a first cardigan?",
    )
    community_services.post_delete(post=deleted, actor=deleted.author)

    update = run_now()

    assert update.metrics["mode"] == "update"
    assert not PeerSuggestion.objects.filter(peer_id=deleted.pk).exists()
    again = recomputed(update)
    assert (again.peers.written, again.peers.deleted) == (0, 0)


@pytest.mark.django_db(transaction=True)
def test_chunks_wait_in_the_database_and_a_lost_one_fails_the_run(topic_posts, settings):
    """Chunk tasks store their results (no message carries a whole run); the apply reads them
    one at a time, refuses to apply a run with a chunk missing, and leaves none behind."""
    topic_posts(per_topic=10)
    settings.KINDRED_MATCH_CHUNK_SIZE = 7
    run = services.match_run_request(actor=None, trigger=MatchRun.Trigger.COMMAND)
    services.match_run_claim(run_id=run.pk)
    chunks = services.match_run_fit(run_id=run.pk) or []
    assert len(chunks) > 2
    returned = [
        services.match_run_peers_chunk(run_id=run.pk, post_ids=chunk, number=i)
        for i, chunk in enumerate(chunks)
    ]
    assert returned == [{"chunk": i, "posts": len(c)} for i, c in enumerate(chunks)]
    assert MatchRunChunk.objects.filter(run=run).count() == len(chunks)

    MatchRunChunk.objects.filter(run=run, number=1).delete()  # lost, say, with its database row
    with pytest.raises(RuntimeError, match="1 chunks of the run are missing"):
        services.match_run_apply(run_id=run.pk)
    assert not Placement.objects.exists() and not PeerSuggestion.objects.exists()
    services.match_run_fail(run_id=run.pk, error="test")
    assert not MatchRunChunk.objects.exists()

    done = run_now()
    assert done.metrics["peers_written"] == PeerSuggestion.objects.count() > 0
    assert not MatchRunChunk.objects.exists()
