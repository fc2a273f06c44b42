"""Names, key phrases, reasons and purposes read as people write: never a stop word, filler, link
fragment or contraction stub, on informal posts full of all three."""

from __future__ import annotations

import random
import re

import pytest
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from matching.engine import Matcher, Post
from matching.engine.explain import purpose_draft
from matching.engine.text import tokenize
from tests.engine.corpus import TOPICS, make_corpus

# The words the issue saw in names, and what a careless tokenizer leaves of links and
# contractions.
BANNED = {
    "just", "like", "need", "help", "question", "problem", "don", "doe", "haven", "http",
    "https", "com", "www", "org", "isn", "doesn", "didn", "t", "s", "ve", "ll", "re",
}  # fmt: skip
SIX = ["baking", "robots", "visas", "garden", "knitting"]


def informal(post: Post, rng: random.Random) -> Post:
    """The post as a forum user would write it: greetings, contractions, links and Markdown."""
    word = post.title.split()[0]
    body = (
        f"Hi all, I don't know why my {post.title} just doesn't work and I haven't found "
        f"anything. It's like I need help with this question, the problem is **{post.body}**. "
        f"See https://www.example.com/{word}/faq and [this guide](http://forum.example.org/t/1) "
        f"or example.com. Thanks, you're great, I'd really appreciate it! Doesn't anyone know?"
    )
    title = rng.choice(["Help: ", "Question - ", "Don't get it: ", ""]) + post.title
    return Post(post.id, title, body, post.tags)


@pytest.fixture(scope="module")
def informal_fit() -> tuple[Matcher, list[Post], dict[int, str]]:
    posts, truth = make_corpus(SIX, per_topic=40, seed=3)
    rng = random.Random(5)
    posts = [informal(p, rng) for p in posts]
    return Matcher(random_state=0).fit(posts), posts, truth


def name_words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9+#']+", text.lower().replace(" and ", " "))


def test_contractions_leave_no_stub_and_links_no_fragment() -> None:
    words = tokenize(
        "I don't know, it doesn't work, haven't tried; can't won't isn't. It's Grace's. "
        "See https://www.example.com/page and www.foo.org, or bar.com [guide](http://x.org/y)."
    )
    assert set(words) == {"grace", "guide"}


def test_names_and_key_phrases_have_no_filler_link_or_stub(informal_fit) -> None:
    matcher = informal_fit[0]
    assert len(matcher.communities_) >= 3
    for community in matcher.communities_:
        words = name_words(community.name)
        assert words, community
        assert not set(words) & (BANNED | ENGLISH_STOP_WORDS), community.name
        vocabulary = {w for topic in SIX for w in TOPICS[topic][0]}
        vocabulary |= {t.rstrip("s") for topic in SIX for t in TOPICS[topic][1]}
        assert set(words) <= vocabulary, community.name
        for phrase in community.key_terms:
            assert not set(phrase.split()) & BANNED, phrase


def test_reasons_name_whole_shared_words(informal_fit) -> None:
    matcher, _, _ = informal_fit
    for community in matcher.communities_:
        for reason in community.member_reasons.values():
            assert reason.startswith("Shares ")
            assert not set(name_words(reason)) & BANNED, reason


def test_purpose_is_a_sentence_and_a_list_of_plain_titles(informal_fit) -> None:
    matcher, posts, _ = informal_fit
    titles = {p.id: f"**{p.title}** [link](http://x.org)" for p in posts}
    community = matcher.communities_[0]
    purpose = purpose_draft(community, titles)
    first, *rest = purpose.splitlines()
    assert first.startswith("People here are working on ") and first.endswith(".")
    items = [line for line in rest if line.startswith("- ")]
    assert len(items) == len(community.representative_ids)
    assert "**" not in purpose and "](" not in purpose and "http" not in purpose
