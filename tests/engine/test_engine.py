"""Unit tests of the matcher engine on small synthetic corpora (no database needed)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import normalized_mutual_info_score

from matching import cli
from matching.engine import Constraints, Matcher, Post
from matching.engine.lexical import LexicalEncoder
from tests.engine.corpus import TOPICS, make_corpus, make_post, misfit_posts

FOUR = ["baking", "robots", "visas", "garden"]


@pytest.fixture(scope="module")
def corpus() -> tuple[list[Post], dict[int, str]]:
    return make_corpus(FOUR, per_topic=40)


@pytest.fixture(scope="module")
def fitted(corpus: tuple[list[Post], dict[int, str]]) -> Matcher:
    return Matcher(random_state=0).fit(corpus[0])


def community_of_topic(matcher: Matcher, truth: dict[int, str], topic: str) -> int:
    votes = Counter(
        int(label)
        for pid, label in zip(matcher.post_ids_, matcher.labels_, strict=True)
        if truth.get(pid) == topic and label >= 0
    )
    return votes.most_common(1)[0][0]


# -- representation ---------------------------------------------------------------------------
def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b)


def test_long_body_does_not_drown_the_title(corpus: tuple[list[Post], dict[int, str]]) -> None:
    posts, _ = corpus
    encoder = LexicalEncoder(random_state=0).fit(posts)
    robots_body = " ".join(TOPICS["robots"][0] * 20)
    mixed = Post(1, "sourdough starter bread dough flour", robots_body)
    baking = Post(2, "sourdough starter bread dough flour")
    robots = Post(3, "robot motor servo sensor arduino")
    z = encoder.transform([mixed, baking, robots])
    assert cosine(z[0], z[1]) > cosine(z[0], z[2])


def test_a_shared_tag_links_posts_that_share_no_word(
    corpus: tuple[list[Post], dict[int, str]],
) -> None:
    posts, _ = corpus
    a = Post(1, "oven crust loaf", tags=("chess",))
    b = Post(2, "servo lidar torque", tags=("chess",))
    c = Post(3, "servo lidar torque")
    tagged = LexicalEncoder(random_state=0, tag_weight=0.5).fit(
        [*posts, Post(90_001, "x", tags=("chess",)), Post(90_002, "y", tags=("chess",))]
    )
    za, zb, zc = tagged.transform([a, b, c])
    assert cosine(za, zb) > cosine(za, zc) + 0.2


# -- communities --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "topics", [FOUR, ["baking", "robots", "visas", "garden", "chess", "knitting"]]
)
def test_number_of_communities_comes_from_the_data(topics: list[str]) -> None:
    posts, truth = make_corpus(topics, per_topic=40, seed=3)
    matcher = Matcher(random_state=0).fit(posts)
    assert len(matcher.communities_) == len(topics)
    labels = [int(label) for label in matcher.labels_]
    assert normalized_mutual_info_score([truth[p] for p in matcher.post_ids_], labels) > 0.9


def test_forced_number_of_communities() -> None:
    posts, _ = make_corpus(FOUR, per_topic=30, seed=4)
    assert len(Matcher(n_communities=2, random_state=0).fit(posts).communities_) == 2


def test_misfits_are_left_unassigned_but_coverage_holds() -> None:
    posts, _ = make_corpus(FOUR, per_topic=40, seed=5)
    odd = misfit_posts(FOUR, 8)
    matcher = Matcher(random_state=0).fit(posts + odd)
    label = dict(zip(matcher.post_ids_, matcher.labels_, strict=True))
    unassigned_odd = sum(label[p.id] == -1 for p in odd)
    assert unassigned_odd >= 6
    assert (matcher.labels_ >= 0).mean() >= 0.85


def test_coverage_floor_limits_unassigned() -> None:
    posts, _ = make_corpus(FOUR, per_topic=20, seed=6)
    odd = misfit_posts(FOUR, 40)
    matcher = Matcher(random_state=0, min_coverage=0.85).fit(posts + odd)
    assert (matcher.labels_ >= 0).mean() >= 0.85


def test_posts_without_known_words_are_unassigned(
    corpus: tuple[list[Post], dict[int, str]],
) -> None:
    posts, _ = corpus
    matcher = Matcher(random_state=0).fit([*posts, Post(77_777, "zzzqx")])
    assert matcher.labels_[matcher.post_ids_.index(77_777)] == -1


# -- names and reasons --------------------------------------------------------------------------
def test_communities_are_named_and_explained(
    fitted: Matcher, corpus: tuple[list[Post], dict[int, str]]
) -> None:
    _, truth = corpus
    for community in fitted.communities_:
        members = [
            pid
            for pid, label in zip(fitted.post_ids_, fitted.labels_, strict=True)
            if label == community.id
        ]
        topic = Counter(truth[p] for p in members).most_common(1)[0][0]
        words, tags = TOPICS[topic]
        vocabulary = set(words) | {w.rstrip("s") for w in tags} | set(tags)
        assert all(set(term.split()) <= vocabulary for term in community.key_terms[:5])
        assert community.tags and set(community.tags) <= set(tags)
        name_words = community.name.lower().replace(" and ", " ").split()
        assert name_words and set(name_words) <= vocabulary, community.name
        assert community.size == len(members)
        assert set(community.representative_ids) <= set(members)
        assert set(community.member_reasons) == set(members)
        reason = community.member_reasons[members[0]]
        assert "the word" in reason or "the tag" in reason


# -- peers ---------------------------------------------------------------------------------------
def test_peers_are_similar_searchable_and_explained() -> None:
    posts, truth = make_corpus(FOUR, per_topic=30, seed=7)
    hidden = {p.id for p in posts[:20]}
    posts = [Post(p.id, p.title, p.body, p.tags, searchable=p.id not in hidden) for p in posts]
    matcher = Matcher(random_state=0).fit(posts)
    peers = matcher.similar("my sourdough bread dough will not rise", tags=["baking"], k=10)
    assert len(peers) == 10
    assert all(truth[p.id] == "baking" for p in peers)
    assert not hidden & {p.id for p in peers}
    assert [p.score for p in peers] == sorted((p.score for p in peers), reverse=True)
    assert any(p.shared_terms for p in peers)
    assert all(
        "baking" in p.shared_tags for p in peers if "baking" in posts_by_id(posts)[p.id].tags
    )


def posts_by_id(posts: list[Post]) -> dict[object, Post]:
    return {p.id: p for p in posts}


def test_peers_only_among_given_searchable_ids(fitted: Matcher, corpus) -> None:
    posts, truth = corpus
    allowed = [p.id for p in posts if truth[p.id] == "robots"][:3]
    peers = fitted.similar("servo motor torque on my robot", k=10, searchable_ids=allowed)
    assert {p.id for p in peers} == set(allowed)
    # Posts about something else are not peers, even when they are the only ones allowed.
    assert fitted.similar("sourdough bread", k=10, searchable_ids=allowed) == []


def test_a_post_is_not_its_own_peer(fitted: Matcher, corpus) -> None:
    post = corpus[0][0]
    assert post.id not in {p.id for p in fitted.similar(post, k=20)}


def test_added_posts_become_peers_without_refit(corpus) -> None:
    matcher = Matcher(random_state=0).fit(corpus[0])
    before = matcher.labels_.copy()
    new = Post(5_000, "arduino servo gripper torque calibration", tags=("robotics",))
    matcher.add_posts([new])
    peers = matcher.similar("servo gripper torque arduino", k=3)
    assert new.id in {p.id for p in peers}
    assert np.array_equal(matcher.labels_, before)


# -- placement ------------------------------------------------------------------------------------
def test_place_a_new_post_without_refitting(fitted: Matcher, corpus) -> None:
    _, truth = corpus
    baking = community_of_topic(fitted, truth, "baking")
    typical = make_post(9_999, "baking", __import__("random").Random(42))
    placed = fitted.place(typical)
    assert placed and placed[0][0] == baking and placed[0][1] > 0.5
    short = fitted.place(Post("new", "sourdough loaf crust oven", "yeast flour knead proof"))
    assert [c for c, _ in short] == [baking]
    assert fitted.place("quantum chromodynamics lattice") == []
    assert list(fitted.predict([Post("n2", "chess rook pawn gambit endgame")])) == [-1]


# -- identity across runs -----------------------------------------------------------------------
def previous_of(matcher: Matcher) -> dict[int, list[object]]:
    return {
        c.id: [
            p for p, label in zip(matcher.post_ids_, matcher.labels_, strict=True) if label == c.id
        ]
        for c in matcher.communities_
    }


def test_communities_survive_a_few_new_posts() -> None:
    posts, _ = make_corpus(FOUR, per_topic=50, seed=8)
    first = Matcher(random_state=0).fit(posts)
    rng = __import__("random").Random(9)
    new = [make_post(20_000 + i, FOUR[i % 4], rng) for i in range(10)]  # 5% new posts
    second = Matcher(random_state=1).fit(posts + new, previous=previous_of(first))
    assert {c.id for c in second.communities_} == {c.id for c in first.communities_}
    assert {t.kind for t in second.transitions_} <= {"survived", "grew"}
    assert len(second.transitions_) == 4


def test_merges_and_splits_are_suggested_never_made() -> None:
    posts, truth = make_corpus(["baking", "robots", "visas"], per_topic=40, seed=10)
    ids = {t: [p.id for p in posts if truth[p.id] == t] for t in ("baking", "robots", "visas")}
    previous = {
        100: ids["baking"][:20],
        101: ids["baking"][20:],
        102: ids["robots"] + ids["visas"],
        103: [999_001, 999_002, 999_003],
    }
    extra, _ = make_corpus(["chess"], per_topic=40, seed=11, start_id=50_000)
    matcher = Matcher(random_state=0).fit(
        posts + extra, previous=previous, new=[p.id for p in extra]
    )
    kinds = {(t.kind, t.previous_ids) for t in matcher.transitions_}
    assert {("survived", (100,)), ("survived", (101,)), ("survived", (102,))} <= kinds
    assert ("dissolved", (103,)) in kinds
    emerged = [t.current_ids[0] for t in matcher.transitions_ if t.kind == "emerged"]
    labels = dict(zip(matcher.post_ids_, matcher.labels_, strict=True))
    # The new topic founds communities of its own; no earlier post moves into them.
    assert emerged and {labels[p.id] for p in extra} <= {*emerged, -1}
    assert {labels[p.id] for p in posts} == {100, 101, 102}
    suggested = {(s.kind, s.community_ids) for s in matcher.suggestions_}
    assert ("merge", (100, 101)) in suggested
    [split] = [s for s in matcher.suggestions_ if s.kind == "split"]
    assert split.community_ids == (102,)
    split_topics = {truth[p] for p in split.post_ids}
    assert len(split_topics) == 1 and len(split.post_ids) >= 30


def test_a_run_over_the_same_posts_changes_nothing(corpus) -> None:
    posts, _ = corpus
    first = Matcher(random_state=0).fit(posts)
    second = Matcher(random_state=1).fit(posts, previous=previous_of(first), new=[])
    assert list(second.labels_) == list(first.labels_)
    assert {t.kind for t in second.transitions_} == {"survived"}
    assert second.suggestions_ == []


# -- constraints ---------------------------------------------------------------------------------
def test_constraints_hold_in_the_output(corpus) -> None:
    posts, truth = corpus
    by_topic = {t: [p.id for p in posts if truth[p.id] == t] for t in FOUR}
    plain = Matcher(random_state=0).fit(posts)
    baking = community_of_topic(plain, truth, "baking")
    constraints = Constraints(
        must_link=[(by_topic["garden"][0], by_topic["visas"][0])],
        cannot_link=[(by_topic["robots"][0], by_topic["robots"][1])],
        pinned={by_topic["visas"][5]: baking, by_topic["garden"][3]: 42},
    )
    matcher = Matcher(random_state=0).fit(posts, constraints=constraints)
    label = dict(zip(matcher.post_ids_, matcher.labels_, strict=True))
    assert label[by_topic["garden"][0]] == label[by_topic["visas"][0]]
    assert label[by_topic["robots"][0]] != label[by_topic["robots"][1]] or (
        label[by_topic["robots"][0]] == -1
    )
    assert label[by_topic["visas"][5]] == baking
    assert label[by_topic["garden"][3]] == 42
    assert 42 in {c.id for c in matcher.communities_}


def test_contradictory_constraints_are_refused(corpus) -> None:
    posts, _ = corpus
    a, b = posts[0].id, posts[1].id
    with pytest.raises(ValueError, match="must-linked and cannot-linked"):
        Matcher(random_state=0).fit(
            posts, constraints=Constraints(must_link=[(a, b)], cannot_link=[(a, b)])
        )


# -- determinism, configuration, persistence -------------------------------------------------
def test_same_random_state_same_result(corpus) -> None:
    a = Matcher(random_state=3).fit(corpus[0])
    b = Matcher(random_state=3).fit(corpus[0])
    assert np.array_equal(a.labels_, b.labels_)
    assert np.allclose(a.scores_, b.scores_)
    assert [c.name for c in a.communities_] == [c.name for c in b.communities_]
    assert a.config_id_ == b.config_id_
    assert a.config_id_ != Matcher(random_state=4).config_id()


def test_save_and_load_round_trip(fitted: Matcher, tmp_path: Path) -> None:
    fitted.save(tmp_path / "run")
    loaded = Matcher.load(tmp_path / "run")
    assert loaded.config_id_ == fitted.config_id_
    assert np.array_equal(loaded.labels_, fitted.labels_)
    assert [c.name for c in loaded.communities_] == [c.name for c in fitted.communities_]
    assert loaded.communities_[0].member_reasons == fitted.communities_[0].member_reasons
    text = "robot servo motor torque"
    assert loaded.place(text) == fitted.place(text)
    assert loaded.similar(text, k=5) == fitted.similar(text, k=5)
    assert "pickle" not in (tmp_path / "run" / "matcher.json").read_text()


def test_given_vectors_are_not_encoded_again(corpus, monkeypatch: pytest.MonkeyPatch) -> None:
    posts, _ = corpus
    encoded: list[int] = []

    class FakeSentenceEncoder:
        def encode(self, posts: list[Post]) -> np.ndarray:
            encoded.append(len(posts))
            rng = np.random.default_rng(len(posts))
            return rng.normal(size=(len(posts), 384)).astype(np.float32)

    monkeypatch.setattr(Matcher, "_semantic", lambda self: FakeSentenceEncoder())
    first = Matcher(encoder="hybrid", random_state=0).fit(posts)
    assert encoded == [len(posts)]
    new = Post(6_000, "sourdough crust")
    second = Matcher(encoder="hybrid", random_state=0).fit(
        [*posts, new], vectors=first.semantic_vectors_
    )
    assert encoded[-1] == 1 and second.n_encoded_ == 1


# -- command line ---------------------------------------------------------------------------------
def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def rows_of(posts: list[Post], truth: dict[int, str] | None = None) -> list[dict]:
    rows = []
    for p in posts:
        row = {"id": p.id, "title": p.title, "body": p.body, "tags": list(p.tags)}
        if truth is not None:
            row["label"] = truth[p.id]
        rows.append(row)
    return rows


def test_cli_cluster_writes_one_line_per_post_and_ignores_labels(corpus, tmp_path: Path) -> None:
    posts, truth = corpus
    with_labels = write_jsonl(tmp_path / "a.jsonl", rows_of(posts, truth))
    wrong = {pid: "x" if i % 2 else "y" for i, pid in enumerate(truth)}
    wrong_labels = write_jsonl(tmp_path / "b.jsonl", rows_of(posts, wrong))
    assert cli.main(["cluster", str(with_labels), "-o", str(tmp_path / "a.out")]) == 0
    assert cli.main(["cluster", str(wrong_labels), "-o", str(tmp_path / "b.out")]) == 0
    out_a = (tmp_path / "a.out").read_text()
    assert out_a == (tmp_path / "b.out").read_text()
    lines = [json.loads(line) for line in out_a.splitlines()]
    assert [r["id"] for r in lines] == [p.id for p in posts]
    assert all(set(r) == {"id", "community", "area", "score"} for r in lines)


def test_cli_rejects_a_malformed_line_without_writing(tmp_path: Path, capsys) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text('{"id": 1, "title": "bread"}\n{"id": 2, "title": "oven"\n')
    out = tmp_path / "out.jsonl"
    assert cli.main(["cluster", str(path), "-o", str(out)]) == 2
    assert "in.jsonl:2" in capsys.readouterr().err
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [path]


def test_cli_rejects_a_post_without_title(tmp_path: Path, capsys) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", [{"id": 1, "title": "a"}, {"id": 2, "body": "b"}])
    assert cli.main(["cluster", str(path), "-o", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "in.jsonl:2" in err and "title" in err


def test_cli_similar_prints_peers_with_reasons(corpus, tmp_path: Path, capsys) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", rows_of(corpus[0]))
    assert (
        cli.main(
            ["similar", str(path), "--text", "servo motor torque", "--tags", "robotics", "-k", "3"]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert out.count("shared") >= 3


def test_engine_and_cli_import_no_django() -> None:
    code = "import sys, matching.engine, matching.cli; print('django' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_fast_single_post_encoding_matches_batch_encoding(fitted: Matcher, corpus) -> None:
    posts = [*corpus[0][:5], Post("t", "sourdough robot", "visa visa compost", ("baking", "x"))]
    batch = fitted.lexical_.transform(posts)
    for post, expected in zip(posts, batch, strict=True):
        one, _ = fitted.lexical_.transform_one(post)
        assert np.allclose(one, expected, atol=1e-5)


def test_posts_that_share_every_word_still_form_a_community() -> None:
    words = ["jetlag", "sleep", "timezone", "melatonin", "night"]
    posts = [Post(id=i, title=" ".join(words), body=" ".join(reversed(words))) for i in range(30)]
    matcher = Matcher(random_state=0).fit(posts)
    assert (matcher.labels_ >= 0).mean() >= 0.85


def test_posts_made_of_stop_words_only_are_refused_clearly() -> None:
    posts = [Post(id=i, title="the and of it", body="") for i in range(25)]
    with pytest.raises(ValueError, match="no post has a word or tag"):
        Matcher(random_state=0).fit(posts)
