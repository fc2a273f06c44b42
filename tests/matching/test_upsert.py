"""``rows_sync``: stored rows made exactly what is wanted, by difference, compared in Python for
small batches and in PostgreSQL for large ones, with the same result and the same counts."""

from collections import defaultdict

import pytest
from django.db import connection

from matching.models import PeerSuggestion
from matching.services.storage import PEER_ROWS
from matching.services.upsert import (
    RowCounts,
    _first_of_each_pair,
    _sync_here,
    _sync_in_postgres,
    rows_sync,
)
from tests.communities.factories import PostFactory
from tests.profiles.factories import UserFactory


def _row(post: int, peer: int, score: float, reason: str = "shares rye") -> dict:
    return {
        "post_id": post,
        "peer_id": peer,
        "score": score,
        "reason": reason,
        "shared_tags": ["rye"],
        "shared_terms": ["loaf", "crust"],
    }


def _state() -> set:
    return set(
        PeerSuggestion.objects.values_list(
            "pk", "post_id", "peer_id", "score", "reason", "declined", "created_at"
        )
    )


@pytest.fixture
def scene(db) -> tuple[list[int], list[dict]]:
    """40 posts, each with the 39 others as peers (1,560 rows); then what a run wants instead:
    one pair gone, one score moved, one reason changed, small moves below the tolerance, a pair
    twice, and a new score for a declined suggestion."""
    posts = [p.pk for p in PostFactory.create_batch(40, author=UserFactory())]
    rows_sync(PEER_ROWS, posts, [_row(p, q, 0.5) for p in posts for q in posts if q != p])
    a, b, c = posts[:3]
    PeerSuggestion.objects.filter(post_id=a, peer_id=b).update(declined=True)
    wanted = []
    for p in posts:
        for q in posts:
            if q == p or (p, q) == (a, posts[5]):
                continue
            row = _row(p, q, 0.503 if q == c else 0.5)
            if (p, q) == (b, posts[7]):
                row["score"] = 0.6
            if (p, q) == (b, posts[8]):
                row["reason"] = "shares sourdough"
            if (p, q) == (a, b):
                row["score"] = 0.99
            wanted.append(row)
    wanted.append(_row(a, posts[6], 0.9))  # the same pair again: the first one counts
    return posts, wanted


def _once(posts: list[int], wanted: list[dict]) -> list[dict]:
    by_owner: dict[int, list[dict]] = defaultdict(list)
    for row in wanted:
        by_owner[row["post_id"]].append(row)
    return _first_of_each_pair(PEER_ROWS, sorted(posts), by_owner)


@pytest.mark.parametrize("sync", [_sync_here, _sync_in_postgres], ids=["python", "postgresql"])
def test_both_ways_write_only_the_difference(scene, sync) -> None:
    if sync is _sync_in_postgres and connection.vendor != "postgresql":
        pytest.skip("compared in the database on PostgreSQL only")
    posts, wanted = scene
    a, b = posts[:2]
    before = _state()

    assert sync(PEER_ROWS, posts, _once(posts, wanted)) == RowCounts(written=2, deleted=1)

    after = _state()
    assert {(p, q) for _, p, q, *_ in after ^ before} == {
        (a, posts[5]),
        (b, posts[7]),
        (b, posts[8]),
    }
    declined = PeerSuggestion.objects.get(post_id=a, peer_id=b)
    assert (declined.declined, declined.score) == (True, 0.5)
    # Nothing wanted: every stored row goes but the declined one.
    assert sync(PEER_ROWS, posts, []) == RowCounts(deleted=len(after) - 1)
    assert list(PeerSuggestion.objects.values_list("pk", flat=True)) == [declined.pk]


def test_rows_sync_writes_the_difference_once(scene) -> None:
    posts, wanted = scene
    assert rows_sync(PEER_ROWS, posts, wanted) == RowCounts(written=2, deleted=1)
    assert rows_sync(PEER_ROWS, posts, wanted) == RowCounts()
