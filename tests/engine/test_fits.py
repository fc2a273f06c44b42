"""Fits people can trust and peers or honesty: a post fits a community only when it is about as
close to it as its members are and clearly closer than to any other; peers beat chance."""

from __future__ import annotations

import numpy as np
import pytest

from matching.engine import Matcher, Post
from matching.engine.lexical import LexicalEncoder
from tests.engine.corpus import TOPICS, make_corpus

FOUR = ["baking", "robots", "visas", "garden"]

DEMO = [
    Post(1, "Raised beds on clay still waterlogged after rain",
         "My raised beds sit on heavy clay and stay soggy for days after rain.",
         ("soil", "clay", "drainage")),
    Post(2, "First allotment is a swamp every winter",
         "Water pools on my plot. The soil is sticky grey clay.",
         ("soil", "drainage", "allotment")),
    Post(3, "Soil moisture sensors to decide when clay beds can be worked",
         "Log soil moisture in clay beds with a Raspberry Pi.", ("soil", "raspberry-pi", "clay")),
    Post(4, "Espresso shots run sour even with a fine grind",
         "18 g in, 36 g out in 20 seconds, and it tastes sour.", ("coffee", "espresso")),
    Post(5, "Budget grinder for espresso: is it worth it?",
         "Which entry grinder can really go fine enough for espresso?",
         ("coffee", "espresso", "grinder")),
    Post(6, "Bitter espresso after switching to a dark roast",
         "Same recipe, new dark roast beans, now it is harsh and bitter.", ("coffee", "espresso")),
    Post(7, "Home Assistant keeps losing my Zigbee sensors",
         "Zigbee temperature sensors drop off; the coordinator is a Raspberry Pi 4.",
         ("raspberry-pi", "zigbee")),
    Post(8, "Composting kitchen scraps without attracting rats",
         "What bins keep a compost heap hot and rodent-free?", ("composting", "allotment")),
]  # fmt: skip
ESPRESSO = Post("new", "Espresso shots run too fast and taste sour", tags=("coffee", "espresso"))


@pytest.fixture(scope="module")
def four() -> tuple[Matcher, list[Post], dict[int, str]]:
    posts, truth = make_corpus(FOUR, per_topic=40, seed=11)
    return Matcher(random_state=0).fit(posts), posts, truth


def test_a_post_fits_its_own_topic_and_an_unrelated_one_fits_nothing(four) -> None:
    matcher, _, truth = four
    new, new_truth = make_corpus(FOUR, per_topic=5, seed=99, start_id=50_000)
    majority = {}
    for pid, label in zip(matcher.post_ids_, matcher.labels_.tolist(), strict=True):
        majority.setdefault(label, []).append(truth[pid])
    for post in new:
        placed = matcher.place(post)
        assert len(placed) <= 1  # clearly closer than to any other: one community at most
        if placed:
            members = majority[placed[0][0]]
            assert max(set(members), key=members.count) == new_truth[post.id]
    knitting = " ".join(TOPICS["knitting"][0][:8])
    assert matcher.place(knitting, tags=["yarn"]) == []
    assert matcher.similar(knitting, tags=["yarn"]) == []


def test_with_a_single_community_an_unrelated_post_is_no_confident_fit() -> None:
    posts, _ = make_corpus(["baking", "garden"], per_topic=40, seed=3)
    matcher = Matcher(n_communities=1, random_state=0).fit(posts)
    assert len(matcher.communities_) == 1
    unrelated = " ".join(TOPICS["knitting"][0][:8])
    assert matcher.place(unrelated, tags=["yarn"]) == []
    related = matcher.place(posts[0])
    assert related and related[0][1] > 0.5


def test_a_tight_small_community_is_not_dissolved_and_fits_its_own_posts() -> None:
    """The demo: three near-identical espresso posts are a community, not misfits of a merged
    one; a new espresso post fits it, the clay posts' community does not get it."""
    previous = {1: [1, 2, 3], 2: [4, 5, 6]}
    for prev in (None, previous):
        matcher = Matcher(random_state=0).fit(DEMO, previous=prev)
        labels = dict(zip(matcher.post_ids_, matcher.labels_.tolist(), strict=True))
        assert labels[4] == labels[5] == labels[6] >= 0
        assert labels[1] != labels[4] and labels[1] >= 0
        placed = matcher.place(ESPRESSO)
        assert [c for c, _ in placed] == [labels[4]]
        peers = matcher.similar(ESPRESSO)
        assert {p.id for p in peers} == {4, 5, 6}, peers


def test_peers_beat_chance_and_never_come_without_a_reason() -> None:
    matcher = Matcher(random_state=0).fit(DEMO)
    floor = matcher.peer_index_.min_similarity
    assert floor > 0
    for post in DEMO:
        for peer in matcher.similar(post, k=10):
            assert peer.score > floor
            assert peer.reason != "similar wording"
    found = matcher.similar_indexed([p.id for p in DEMO], k=10)
    # Sharing the word "temperature" does not make a Zigbee post an espresso post's peer.
    assert {p.id for p in found[4]} == {5, 6} and {p.id for p in found[6]} == {4, 5}
    assert all(p.score > floor for peers in found.values() for p in peers)


def test_shared_tags_alone_do_not_make_a_near_identical_match(four) -> None:
    matcher, posts, _ = four
    encoder = LexicalEncoder(random_state=0, tag_weight=0.5).fit(posts)
    a = Post(1, "oven crust loaf rye", tags=("robotics", "arduino"))
    b = Post(2, "servo lidar torque gripper", tags=("robotics", "arduino"))
    za, zb = encoder.transform([a, b])
    assert float(za @ zb) <= 0.5 + 0.05  # the tags' share of the vector, no more
    scores = [p.score for p in matcher.similar(a, k=10) if "robotics" in p.shared_tags]
    assert all(s < 0.9 for s in scores), scores


def test_confidence_is_highest_for_typical_posts(four) -> None:
    matcher, _, _ = four
    typical = matcher.place(" ".join(TOPICS["baking"][0][:10]), tags=["baking", "bread"])
    mixed = " ".join(TOPICS["baking"][0][:3] + TOPICS["robots"][0][:3])
    blurred = matcher.place(mixed)
    assert typical and typical[0][1] > 0.5
    assert not blurred or blurred[0][1] < typical[0][1]
    assert np.all(matcher.fit_profiles_[:, 0, 50] > 0)
