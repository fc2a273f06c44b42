"""``Matcher.update``: a fitted matcher brought up to the posts there are now, keeping its encoder,
its peer index and graph, with the same communities a refit keeps and the same peers its index
would find from nothing."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from matching.engine import Matcher, NotUpdatable, Post
from matching.engine.peers import AnnParams
from tests.engine.corpus import make_corpus

TOPICS = ["baking", "robots", "visas", "garden", "chess"]
K = 10


@pytest.fixture(scope="module")
def corpus() -> list[Post]:
    return make_corpus(TOPICS, per_topic=120, seed=5)[0]


def _previous(matcher: Matcher) -> dict[int, list]:
    return {
        c: [matcher.post_ids_[i] for i in np.flatnonzero(matcher.labels_ == c)]
        for c in matcher.community_ids_
    }


def _fitted(posts: list[Post], graph: bool = False) -> Matcher:
    matcher = Matcher(random_state=0).fit(posts)
    if graph:
        matcher.peer_index_.use_ann(AnnParams(min_posts=50))
    return matcher


def _peer_lists(matcher: Matcher, ids: list) -> dict:
    return {
        pid: [(p.id, p.score) for p in peers]
        for pid, peers in matcher.similar_indexed(ids, k=K).items()
    }


def test_nothing_new_changes_nothing(corpus: list[Post]) -> None:
    matcher = _fitted(corpus)
    ids = [p.id for p in corpus]
    before_labels, before_peers = (
        dict(zip(ids, matcher.labels_.tolist())),
        _peer_lists(matcher, ids),
    )
    matcher.update(corpus, previous=_previous(matcher), new=[])
    assert (matcher.added_, matcher.retired_, matcher.flipped_) == ([], [], [])
    assert dict(zip(matcher.post_ids_, matcher.labels_.tolist())) == before_labels
    assert _peer_lists(matcher, ids) == before_peers
    assert matcher.suggestions_ == []


@pytest.mark.parametrize("graph", [False, True], ids=["exact", "graph"])
def test_new_posts_reach_exactly_the_posts_whose_peers_change(
    corpus: list[Post], graph: bool
) -> None:
    """Every post whose peers change is either new or found by ``reached_by`` from the weakest
    peer it had: what an incremental run relies on to search only those posts again."""
    old, extra = corpus[:540], corpus[540:]
    matcher = _fitted(old, graph)
    ids = [p.id for p in old]
    before = _peer_lists(matcher, ids)
    labels = dict(zip(ids, matcher.labels_.tolist()))
    floors = {pid: peers[-1][1] for pid, peers in before.items() if len(peers) == K}
    matcher.update(corpus, previous=_previous(matcher), new=[p.id for p in extra])
    assert matcher.added_ == [p.id for p in extra]
    reached = matcher.reached_by(matcher.added_, floors)
    after = _peer_lists(matcher, [p.id for p in corpus])
    changed = {pid for pid in ids if after[pid] != before[pid]}
    assert changed, "the new posts change some peer lists"
    assert changed <= reached
    assert len(reached - set(matcher.added_)) < len(ids)
    # Old posts keep their communities; new ones are placed.
    assert all(
        labels[pid] == lab for pid, lab in zip(matcher.post_ids_, matcher.labels_) if pid in labels
    )
    placed = {pid for pid, lab in zip(matcher.post_ids_, matcher.labels_) if lab >= 0}
    assert len(placed & set(matcher.added_)) >= 0.8 * len(extra)


def test_edited_gone_and_hidden_posts_leave_the_searches(
    corpus: list[Post], tmp_path: Path
) -> None:
    matcher = _fitted(corpus, graph=True)
    edited, gone, hidden = corpus[3], corpus[4], corpus[5]
    rewritten = replace(edited, title="sourdough starter rye loaf", body="rye sourdough loaf crust")
    now = [
        rewritten if p is edited else replace(p, searchable=False) if p is hidden else p
        for p in corpus
        if p is not gone
    ]
    matcher.update(now, previous=_previous(matcher), new=[])
    assert matcher.added_ == [edited.id]
    assert set(matcher.retired_) == {edited.id, gone.id}
    assert matcher.flipped_ == [hidden.id]
    assert gone.id not in matcher.post_ids_ and gone.id not in matcher.peer_index_
    found = matcher.similar_indexed([p.id for p in now], k=K)
    for peers in found.values():
        peer_ids = [p.id for p in peers]
        assert gone.id not in peer_ids and hidden.id not in peer_ids
        assert len(peer_ids) == len(set(peer_ids))
    # The edited post is found by its new words (it was about robots), and only as it is now.
    assert edited.id in {p.id for p in matcher.similar("rye sourdough loaf starter crust", k=5)}
    assert edited.id not in {p.id for p in matcher.similar(edited.title + " " + edited.body, k=5)}
    # Saved and loaded, it is the same and can be updated again: the hidden post comes back.
    loaded = Matcher.load(matcher.save(tmp_path / "updated"))
    assert loaded.similar_indexed([corpus[0].id], k=K) == matcher.similar_indexed(
        [corpus[0].id], k=K
    )
    shown = [replace(p, searchable=True) if p.id == hidden.id else p for p in now]
    loaded.update(shown, previous=_previous(loaded), new=[])
    assert loaded.flipped_ == [hidden.id]
    reached = loaded.reached_by([hidden.id], {})
    assert any(
        hidden.id in {p.id for p in peers}
        for peers in loaded.similar_indexed(sorted(reached - {hidden.id}), k=K).values()
    )


def test_only_a_fingerprinted_matcher_with_communities_updates(
    corpus: list[Post], tmp_path: Path
) -> None:
    matcher = _fitted(corpus)
    with pytest.raises(NotUpdatable):
        matcher.update(corpus, previous={})
    matcher.peer_index_.fingerprints = None  # as saved before fingerprints were kept
    with pytest.raises(NotUpdatable):
        matcher.update(corpus, previous=_previous(matcher))
