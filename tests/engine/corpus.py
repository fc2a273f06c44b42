"""Small synthetic corpora with known topics, generated deterministically for the engine tests."""

from __future__ import annotations

import random

from matching.engine import Post

TOPICS: dict[str, tuple[list[str], list[str]]] = {
    "baking": (
        [
            "bread",
            "dough",
            "flour",
            "yeast",
            "oven",
            "sourdough",
            "crust",
            "knead",
            "loaf",
            "bake",
            "rye",
            "starter",
            "butter",
            "pastry",
            "proof",
        ],
        ["baking", "bread", "sourdough"],
    ),
    "robots": (
        [
            "robot",
            "motor",
            "servo",
            "sensor",
            "arduino",
            "controller",
            "actuator",
            "gripper",
            "lidar",
            "wheel",
            "torque",
            "encoder",
            "firmware",
            "chassis",
            "battery",
        ],
        ["robotics", "arduino", "motors"],
    ),
    "visas": (
        [
            "visa",
            "passport",
            "embassy",
            "schengen",
            "consulate",
            "border",
            "permit",
            "residence",
            "immigration",
            "stamp",
            "customs",
            "airport",
            "entry",
            "application",
            "overstay",
        ],
        ["visas", "schengen", "passports"],
    ),
    "garden": (
        [
            "tomato",
            "compost",
            "soil",
            "seedling",
            "garden",
            "mulch",
            "prune",
            "weed",
            "fertilizer",
            "greenhouse",
            "harvest",
            "irrigation",
            "perennial",
            "pest",
            "raised",
        ],
        ["gardening", "compost", "vegetables"],
    ),
    "chess": (
        [
            "chess",
            "opening",
            "gambit",
            "endgame",
            "rook",
            "bishop",
            "knight",
            "pawn",
            "checkmate",
            "castling",
            "tactic",
            "sicilian",
            "grandmaster",
            "tournament",
            "blunder",
        ],
        ["chess", "openings", "tactics"],
    ),
    "knitting": (
        [
            "yarn",
            "knit",
            "needle",
            "stitch",
            "purl",
            "wool",
            "sweater",
            "pattern",
            "cable",
            "skein",
            "crochet",
            "gauge",
            "scarf",
            "cast",
            "blanket",
        ],
        ["knitting", "yarn", "patterns"],
    ),
}
GENERIC = [
    "help",
    "question",
    "need",
    "best",
    "way",
    "problem",
    "idea",
    "tips",
    "advice",
    "start",
    "good",
    "really",
]


def make_post(pid: int, topic: str, rng: random.Random, with_tags: bool = True) -> Post:
    words, tags = TOPICS[topic]
    title = " ".join(rng.sample(words, 4) + rng.sample(GENERIC, 1))
    body = " ".join(rng.choices(words, k=12) + rng.sample(GENERIC, 4))
    post_tags = (
        tuple(rng.sample(tags, rng.randint(1, 2))) if with_tags and rng.random() < 0.8 else ()
    )
    return Post(id=pid, title=title, body=body, tags=post_tags)


def make_corpus(
    topics: list[str], per_topic: int = 40, seed: int = 0, start_id: int = 1
) -> tuple[list[Post], dict[int, str]]:
    """Posts of the given topics, shuffled, and the true topic of each post id."""
    rng = random.Random(seed)
    posts, truth = [], {}
    pid = start_id
    for topic in topics:
        for _ in range(per_topic):
            posts.append(make_post(pid, topic, rng))
            truth[pid] = topic
            pid += 1
    rng.shuffle(posts)
    return posts, truth


def misfit_posts(
    topics: list[str], count: int, seed: int = 1, start_id: int = 10_000
) -> list[Post]:
    """Posts that mix every topic evenly, so they belong to none."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        words = [w for t in topics for w in rng.sample(TOPICS[t][0], 2)]
        rng.shuffle(words)
        out.append(Post(id=start_id + i, title=" ".join(words[:6]), body=" ".join(words[6:])))
    return out
