"""A run writes only what changed (issue 11, item 2): peers, fits and placements are stored by
difference, so a second run over the same posts writes nothing, and a run after new posts stores
what a recomputation from nothing would."""

import pytest

from communities import services as community_services
from communities.models import Placement, Post
from matching.models import CommunityFit, MatchRun, PeerSuggestion, run_writes
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


@pytest.mark.django_db(transaction=True)
def test_a_run_after_new_posts_writes_the_difference_and_stores_what_a_full_recomputation_would(
    topic_posts,
):
    topic_posts(per_topic=20)
    run_now()
    author = UserFactory()
    for title in (
        "sourdough starter bread flour rising slowly",
        "servo motor arduino jitter on the robot arm",
    ):
        community_services.post_create(author=author, title=title)
    total_before = PeerSuggestion.objects.count()

    incremental = run_now()
    peers, fits = peers_and_fits()
    placed = set(Placement.objects.values_list("post_id", "community_id"))

    # Only a share of the rows was written; the new posts' rows among them.
    assert 0 < incremental.metrics["peers_written"] < total_before
    new_ids = set(Post.objects.filter(author=author).values_list("pk", flat=True))
    assert new_ids <= {p for p, _ in peers}
    assert incremental.metrics["posts_marked_matched"] == 2

    # Recomputed from nothing: every peer and fit written again, the same result.
    PeerSuggestion.objects.all().delete()
    CommunityFit.objects.all().delete()
    full = run_now()
    assert full.metrics["peers_written"] == PeerSuggestion.objects.count()
    peers_again, fits_again = peers_and_fits()
    assert set(peers_again) == set(peers)
    assert set(fits_again) == set(fits)
    assert all(abs(peers_again[k] - peers[k]) <= 0.005 for k in peers)
    assert all(abs(fits_again[k] - fits[k]) <= 0.005 for k in fits)
    assert set(Placement.objects.values_list("post_id", "community_id")) == placed
    assert full.status == MatchRun.Status.SUCCEEDED
