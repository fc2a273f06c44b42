"""The engine's golden fingerprint: what a fixed small corpus gives, recorded with the version.

``tests/engine/test_golden.py`` fits the corpus below and compares the fingerprint with
``tests/engine/golden/matcher.json``. When a change to the engine changes a result, bump
``ALGORITHM_VERSION`` in ``matching/engine/version.py`` and regenerate the file:

    python -m tests.engine.golden --write
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path
from typing import Any

from matching.engine import ALGORITHM_VERSION, Constraints, Matcher, Post
from tests.engine.corpus import make_corpus, make_post, misfit_posts

GOLDEN_PATH = Path(__file__).parent / "golden" / "matcher.json"
REGENERATE = "python -m tests.engine.golden --write"
TOPICS = ["baking", "robots", "visas", "garden"]
PROBES = [
    "sourdough starter will not rise",
    "servo motor jitter on my arduino",
    "schengen visa overstay at the border",
    "compost for tomato seedlings",
    "knitting a wool scarf",
]


def _corpus() -> tuple[list[Post], dict[Any, str]]:
    posts, truth = make_corpus(TOPICS, per_topic=12, seed=3)
    posts += misfit_posts(TOPICS, 3, seed=4)
    # A few posts nobody may find as a peer, and some tags on a topic's posts.
    return [
        Post(p.id, p.title, p.body, p.tags, searchable=(i % 7 != 0)) for i, p in enumerate(posts)
    ], truth


def _matchers() -> tuple[Matcher, Matcher]:
    """A first fit, then a second one with the first's communities, new posts and constraints:
    discovery, carried-over communities, constraints, transitions, suggestions, placement and the
    peer index all count."""
    posts, truth = _corpus()
    first = Matcher(random_state=0).fit(posts)
    previous: dict[int, list[Any]] = {}
    for pid, label in zip(first.post_ids_, first.labels_, strict=True):
        if label >= 0:
            previous.setdefault(int(label), []).append(pid)
    rng = random.Random(5)
    new = [make_post(1_000 + i, TOPICS[i % 4], rng) for i in range(6)]
    by_topic = {t: sorted(p for p, x in truth.items() if x == t) for t in TOPICS}
    constraints = Constraints(
        must_link=[(by_topic["garden"][0], by_topic["visas"][0])],
        cannot_link=[(by_topic["robots"][0], by_topic["robots"][1])],
        pinned={by_topic["baking"][2]: 77},
    )
    second = Matcher(random_state=1).fit(posts + new, previous=previous, constraints=constraints)
    return first, second


def _probe_posts() -> list[Post]:
    rng = random.Random(6)
    return [make_post(5_000 + i, TOPICS[i % 4], rng) for i in range(8)]


def _describe(matcher: Matcher) -> dict[str, Any]:
    ids = list(matcher.post_ids_)
    probes = [*PROBES, *_probe_posts()]
    peers = matcher.similar_indexed(ids, k=5)
    return {
        "labels": {str(p): int(x) for p, x in zip(ids, matcher.labels_, strict=True)},
        "scores": {str(p): round(float(x), 3) for p, x in zip(ids, matcher.scores_, strict=True)},
        "communities": [
            {
                "id": c.id,
                "name": c.name,
                "key_terms": list(c.key_terms),
                "tags": list(c.tags),
                "size": c.size,
                "representatives": [str(r) for r in c.representative_ids],
            }
            for c in matcher.communities_
        ],
        "areas": [[a.id, a.name, list(a.community_ids), a.size] for a in matcher.areas_],
        "transitions": sorted(
            [t.kind, list(t.previous_ids), list(t.current_ids)] for t in matcher.transitions_
        ),
        "suggestions": sorted(
            [x.kind, list(x.community_ids), sorted(x.post_ids)] for x in matcher.suggestions_
        ),
        "discovery": {
            "chosen": matcher.discovery_["chosen"],
            "modularity_peak": matcher.discovery_["modularity_peak"],
        },
        "placements": {
            _key(q): [[c, round(conf, 2)] for c, conf in matcher.place(q)] for q in probes
        },
        "similar": {
            _key(q): [[str(p.id), round(p.score, 3)] for p in matcher.similar(q, k=5)]
            for q in probes
        },
        "peers": {str(p): [[str(x.id), round(x.score, 3)] for x in peers[p]] for p in ids},
    }


def _key(query: Post | str) -> str:
    return query if isinstance(query, str) else f"post {query.id}"


def fingerprint() -> dict[str, Any]:
    first, second = _matchers()
    return {"first": _describe(first), "second": _describe(second)}


def golden_document() -> dict[str, Any]:
    return {
        "algorithm_version": ALGORITHM_VERSION,
        "config_id": Matcher(random_state=0).config_id(),
        "regenerate": REGENERATE,
        "fingerprint": fingerprint(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"write {GOLDEN_PATH}")
    args = parser.parse_args(argv)
    document = golden_document()
    text = json.dumps(document, indent=1, sort_keys=True) + "\n"
    if args.write:
        GOLDEN_PATH.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN_PATH.write_text(text)
        print(f"wrote {GOLDEN_PATH} for {document['config_id']}")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
