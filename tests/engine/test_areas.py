"""Areas: broader groups of communities, found from the same posts, kept across runs."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from matching.engine import Matcher, Post
from tests.engine.corpus import make_corpus

SITES: dict[str, tuple[list[str], dict[str, list[str]]]] = {
    "kitchen": (
        ["cook", "kitchen", "recipe", "food", "dish", "meal", "taste", "ingredient"],
        {
            "baking": ["bread", "dough", "flour", "yeast", "oven", "crust", "loaf", "rye"],
            "knives": [
                "knife",
                "blade",
                "whetstone",
                "edge",
                "sharpen",
                "steel",
                "honing",
                "bevel",
            ],
            "ferment": [
                "kimchi",
                "brine",
                "jar",
                "lacto",
                "sauerkraut",
                "pickle",
                "culture",
                "mold",
            ],
        },
    ),
    "travel": (
        ["travel", "trip", "journey", "abroad", "tourist", "booking", "holiday", "route"],
        {
            "visas": [
                "visa",
                "passport",
                "embassy",
                "consulate",
                "schengen",
                "permit",
                "border",
                "stamp",
            ],
            "trains": [
                "train",
                "rail",
                "ticket",
                "station",
                "railpass",
                "carriage",
                "platform",
                "sleeper",
            ],
            "packing": [
                "backpack",
                "luggage",
                "carry",
                "suitcase",
                "packing",
                "weight",
                "bag",
                "liquids",
            ],
        },
    ),
}


def site_post(pid: int, site: str, topic: str, rng: random.Random) -> Post:
    shared, topics = SITES[site]
    own = topics[topic]
    title = " ".join(rng.sample(shared, 3) + rng.sample(own, 2))
    body = " ".join(rng.choices(shared, k=8) + rng.choices(own, k=6))
    return Post(id=pid, title=title, body=body, tags=(site, topic))


def site_corpus(per_topic: int = 30, seed: int = 0, start: int = 1) -> tuple[list[Post], dict]:
    rng = random.Random(seed)
    posts, truth = [], {}
    pid = start
    for site, (_, topics) in SITES.items():
        for topic in topics:
            for _ in range(per_topic):
                posts.append(site_post(pid, site, topic, rng))
                truth[pid] = (site, topic)
                pid += 1
    rng.shuffle(posts)
    return posts, truth


def members(matcher: Matcher) -> dict[int, set]:
    out: dict[int, set] = {}
    for pid, label in zip(matcher.post_ids_, matcher.labels_, strict=True):
        if label >= 0:
            out.setdefault(int(label), set()).add(pid)
    return out


@pytest.fixture(scope="module")
def fitted() -> tuple[Matcher, dict]:
    posts, truth = site_corpus()
    return Matcher(random_state=0).fit(posts), truth


def test_topics_are_communities_and_sites_are_areas(fitted) -> None:
    matcher, truth = fitted
    groups = members(matcher)
    topics = {c: {truth[p][1] for p in pids} for c, pids in groups.items()}
    assert sorted(len(t) for t in topics.values()) == [1] * 6, topics
    assert len(matcher.areas_) == 2
    for area in matcher.areas_:
        sites = {truth[p][0] for c in area.community_ids for p in groups[c]}
        assert len(sites) == 1 and len(area.community_ids) == 3
        assert area.size == sum(len(groups[c]) for c in area.community_ids)
        assert area.name and area.name not in {c.name for c in matcher.communities_}
    assert matcher.community_areas_ == {c: a.id for a in matcher.areas_ for c in a.community_ids}


def test_unrelated_topics_are_not_forced_into_areas() -> None:
    posts, _ = make_corpus(["baking", "chess", "knitting", "visas"])
    matcher = Matcher(random_state=0).fit(posts)
    assert len(matcher.communities_) == 4
    assert matcher.areas_ == [] and matcher.community_areas_ == {}


def test_a_later_run_keeps_areas_and_a_moderators_move(fitted) -> None:
    matcher, truth = fitted
    groups = members(matcher)
    areas = dict(matcher.community_areas_)
    moved = next(iter(areas))
    other = next(a.id for a in matcher.areas_ if a.id != areas[moved])
    areas[moved] = other  # a moderator moved it
    rng = random.Random(9)
    # A new kind of travel problem, and a few more baking posts.
    SITES["travel"][1]["jetlag"] = [
        "jetlag",
        "sleep",
        "timezone",
        "melatonin",
        "tired",
        "awake",
        "night",
        "adjust",
    ]
    try:
        new = [site_post(1000 + i, "travel", "jetlag", rng) for i in range(30)]
    finally:
        del SITES["travel"][1]["jetlag"]
    posts, _ = site_corpus()
    later = Matcher(random_state=1).fit(
        posts + new, previous={c: sorted(p) for c, p in groups.items()}, previous_areas=areas
    )
    for c, a in areas.items():
        assert later.community_areas_[c] == a
    fresh = [c for c in later.community_ids_ if c not in groups]
    assert fresh
    travel = {
        a
        for c, a in matcher.community_areas_.items()
        if truth[next(iter(groups[c]))][0] == "travel"
    }
    assert {later.community_areas_.get(c) for c in fresh} <= travel


def test_a_community_a_moderator_took_out_of_areas_stays_out(fitted) -> None:
    matcher, _ = fitted
    groups = members(matcher)
    areas: dict[int, int | None] = dict(matcher.community_areas_)
    loner = next(iter(areas))
    areas[loner] = None
    posts, _ = site_corpus()
    later = Matcher(random_state=0).fit(
        posts, previous={c: sorted(p) for c, p in groups.items()}, previous_areas=areas
    )
    assert loner not in later.community_areas_
    assert len(later.community_areas_) == len(groups) - 1


def test_areas_are_found_for_communities_that_have_none(fitted) -> None:
    matcher, _ = fitted
    groups = members(matcher)
    posts, _ = site_corpus()
    later = Matcher(random_state=0).fit(posts, previous={c: sorted(p) for c, p in groups.items()})
    assert len(later.areas_) == 2
    regrouped = {frozenset(a.community_ids) for a in later.areas_}
    assert regrouped == {frozenset(a.community_ids) for a in matcher.areas_}


def test_areas_survive_save_and_load(fitted, tmp_path: Path) -> None:
    matcher, _ = fitted
    loaded = Matcher.load(matcher.save(tmp_path / "m"))
    assert loaded.areas_ == matcher.areas_
    assert loaded.community_areas_ == matcher.community_areas_
