"""The peer index's HNSW graph: large indexes search it instead of every post, with the exact
search's recall, and it travels with the saved matcher."""

from pathlib import Path

import numpy as np
import pytest

from matching.engine import Matcher, Post
from matching.engine.peers import AnnParams
from tests.engine.corpus import make_corpus

TOPICS = ["baking", "robots", "visas", "garden", "chess", "knitting"]
SMALL_GRAPH = AnnParams(min_posts=500)  # the default keeps a graph from 20,000 posts


@pytest.fixture(scope="module")
def posts() -> list[Post]:
    return make_corpus(TOPICS, per_topic=250, seed=11)[0]


@pytest.fixture(scope="module")
def exact(posts: list[Post]) -> Matcher:
    return Matcher(random_state=0).fit(posts)


@pytest.fixture
def graphed(exact: Matcher, tmp_path: Path) -> Matcher:
    """The same fitted matcher (a fresh copy) searching an HNSW graph."""
    matcher = Matcher.load(exact.save(tmp_path / "exact"))
    matcher.peer_index_.use_ann(SMALL_GRAPH)
    return matcher


def test_small_indexes_search_exactly_and_large_ones_keep_a_graph(
    exact: Matcher, graphed: Matcher
) -> None:
    assert exact.peer_index_.graph is None
    assert graphed.peer_index_.graph is not None
    assert len(graphed.peer_index_.graph) == len(exact.peer_index_)


def test_graph_recall_at_10_against_exact_search(
    exact: Matcher, graphed: Matcher, posts: list[Post]
) -> None:
    ids = [p.id for p in posts]
    truth = exact.similar_indexed(ids, k=10)
    found = graphed.similar_indexed(ids, k=10)
    hits = total = 0
    for pid in ids:
        # The synthetic posts draw from 15 words a topic: many peers tie at the 10th score, and
        # any of them is as right as another.
        bound = truth[pid][-1].score - 1e-4 if truth[pid] else np.inf
        hits += min(len(truth[pid]), sum(p.score >= bound for p in found[pid]))
        total += len(truth[pid])
        assert pid not in {p.id for p in found[pid]}
        scores = [p.score for p in found[pid]]
        assert scores == sorted(scores, reverse=True)
    assert total > 9 * len(ids)
    assert hits / total >= 0.95
    # One query at a time gives what the batch gives.
    for post in posts[:50]:
        assert graphed.similar(post, k=10) == found[post.id]


def test_the_same_posts_give_the_same_graph(
    exact: Matcher, graphed: Matcher, tmp_path: Path
) -> None:
    again = Matcher.load(exact.save(tmp_path / "again"))
    again.peer_index_.use_ann(SMALL_GRAPH)
    assert graphed.peer_index_.graph is not None and again.peer_index_.graph is not None
    assert graphed.peer_index_.graph.as_bytes() == again.peer_index_.graph.as_bytes()


def test_save_and_load_keep_the_graph_and_its_results(
    graphed: Matcher, posts: list[Post], tmp_path: Path
) -> None:
    ids = [p.id for p in posts]
    before = graphed.similar_indexed(ids, k=10)
    loaded = Matcher.load(graphed.save(tmp_path / "graphed"))
    assert loaded.peer_index_.graph is not None
    assert loaded.peer_index_.ann == SMALL_GRAPH
    assert loaded.peer_index_.graph.as_bytes() == graphed.peer_index_.graph.as_bytes()
    assert loaded.similar_indexed(ids, k=10) == before
    assert loaded.similar("sourdough starter flour oven") == graphed.similar(
        "sourdough starter flour oven"
    )


def test_added_posts_are_found_through_the_graph(graphed: Matcher, tmp_path: Path) -> None:
    loaded = Matcher.load(graphed.save(tmp_path / "graphed"))
    size = len(loaded.peer_index_.graph or [])
    new = [
        Post(id=90_001, title="lidar servo gripper calibration", body="lidar servo gripper"),
        Post(id=90_002, title="lidar gripper servo drift", body="servo lidar gripper"),
        Post(id=90_003, title="hidden lidar servo", body="gripper", searchable=False),
    ]
    loaded.add_posts(new)
    assert len(loaded.peer_index_.graph or []) == size + 2  # the unsearchable post is not in it
    peers = [p.id for p in loaded.similar("lidar servo gripper calibration drift", k=5)]
    assert peers[:2] == [90_001, 90_002] or peers[:2] == [90_002, 90_001]
    assert 90_003 not in peers
    found = loaded.similar_indexed([90_001], k=5)[90_001]
    assert found[0].id == 90_002
    # And they stay in the graph the next process loads.
    again = Matcher.load(loaded.save(tmp_path / "grown"))
    assert again.similar_indexed([90_001], k=5)[90_001] == found
