"""Small synthetic corpora with known topics, generated deterministically for the engine tests."""

from __future__ import annotations

import random
from collections.abc import Callable

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
    topics: list[str],
    per_topic: int = 40,
    seed: int = 0,
    start_id: int = 1,
    *,
    make: Callable[[int, str, random.Random], Post] | None = None,
) -> tuple[list[Post], dict[int, str]]:
    """Posts of the given topics (made by ``make``, word lists by default), shuffled, and the
    true topic of each post id."""
    make = make or make_post
    rng = random.Random(seed)
    posts, truth = [], {}
    pid = start_id
    for topic in topics:
        for _ in range(per_topic):
            posts.append(make(pid, topic, rng))
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


# Posts as people write them: a title and a few sentences about one problem per topic. Word-list
# posts (``make_post``) sit unnaturally close together in a sentence encoder's space, closer than
# any real draft comes to their centre; tests of what a person's draft fits use these instead.
SENTENCES: dict[str, tuple[list[str], list[str]]] = {
    "baking": (
        [
            "My sourdough loaf comes out flat and dense",
            "Bread dough will not rise in my cold kitchen",
            "Sourdough starter bubbles but the bread stays flat",
            "First loaf of rye bread did not rise at all",
            "Dough collapses in the oven before the crust sets",
            "How long should bread dough proof before baking?",
            "Homemade bread has a pale crust and a gummy middle",
            "Sourdough starter stopped rising after a week",
            "Bread flour or plain flour for a sandwich loaf?",
            "How do I know the dough is kneaded enough?",
        ],
        [
            "I feed my starter every morning with flour and water, yet the dough barely rises.",
            "The loaf looks fine going into the oven and comes out flat.",
            "My kitchen is cold in winter, so maybe the yeast works too slowly.",
            "I knead the dough for ten minutes and let it proof for four hours.",
            "The crust stays pale and the crumb is tight and gummy.",
            "I have tried bread flour, plain flour and a little rye flour.",
            "The recipe says the dough should double in size but mine never does.",
            "I bake the bread at 230 degrees in a Dutch oven with the lid on.",
            "Is my sourdough starter too weak, or am I shaping the loaf wrong?",
            "The dough feels sticky and tears when I stretch it.",
        ],
    ),
    "robots": (
        [
            "Servo on my robot arm jitters when it should hold still",
            "Arduino resets whenever the motors start",
            "Robot drifts to one side at equal motor speeds",
            "Which motor driver for two DC motors and an Arduino?",
            "Wheel encoders give different counts on each side",
            "Lidar readings jump around on my small rover",
            "Gripper servo cannot lift a small bottle",
            "Robot stops moving when the battery voltage drops",
            "PID speed control of my robot's wheels oscillates",
            "Ultrasonic sensor gives random distances while the motors run",
        ],
        [
            "I power the servos from the Arduino's 5V pin and they buzz and twitch.",
            "When both DC motors start, the board browns out and reboots.",
            "The chassis is a cheap two-wheel kit with a caster at the back.",
            "I read the wheel encoders with interrupts and the counts do not match.",
            "The gripper uses a small SG90 servo, which may lack the torque.",
            "Everything runs from a 7.4 V lithium battery through an L298N motor driver.",
            "My PID controller oscillates no matter how I tune the gains.",
            "The lidar sits on top of the robot and the scan looks noisy.",
            "Should the sensors and the motors share one battery?",
            "The firmware is a simple loop that reads the sensors and sets the motor speeds.",
        ],
    ),
    "visas": (
        [
            "Do I need a Schengen visa for a short trip to France?",
            "My visa application was refused, can I apply again?",
            "Passport expires in four months, can I still travel?",
            "I overstayed my tourist visa by two days",
            "How long does the embassy take to process a work visa?",
            "Can I leave Frankfurt airport during a layover without a visa?",
            "Renewing my residence permit while my passport is at the consulate",
            "Border officer asked for a return ticket I did not have",
            "Which documents does the consulate want for a visitor visa?",
            "Can I work in Germany on a student residence permit?",
        ],
        [
            "I hold an Indian passport and want to visit Paris and Rome for ten days.",
            "The consulate could only give me a visa appointment in six weeks.",
            "My visa application was rejected for insufficient funds.",
            "I have an eight hour layover and would like to see the city.",
            "My residence permit runs out next month and the immigration office is slow.",
            "At the border they checked the stamps in my passport and asked about my hotel.",
            "The embassy asks for a bank statement, travel insurance and a flight booking.",
            "I am worried the overstay will be a problem when I next enter the country.",
            "The application form asks for every trip abroad in the last ten years.",
            "My employer sponsors the work permit but the embassy has not answered.",
        ],
    ),
}


def make_sentence_post(pid: int, topic: str, rng: random.Random) -> Post:
    """A post written as a person would: a title and two or three sentences on the topic."""
    titles, sentences = SENTENCES[topic]
    tags = TOPICS[topic][1]
    body = " ".join(rng.sample(sentences, rng.randint(2, 3)))
    post_tags = tuple(rng.sample(tags, rng.randint(1, 2))) if rng.random() < 0.8 else ()
    return Post(id=pid, title=rng.choice(titles), body=body, tags=post_tags)


def make_sentence_corpus(
    topics: list[str], per_topic: int = 20, seed: int = 0, start_id: int = 1
) -> tuple[list[Post], dict[int, str]]:
    """Like :func:`make_corpus`, with posts written in sentences (topics of ``SENTENCES``)."""
    return make_corpus(topics, per_topic, seed, start_id, make=make_sentence_post)
