"""Batch peer search and placement give exactly what one-at-a-time calls give."""

from matching.engine import Matcher, Post
from tests.engine.corpus import make_corpus


def test_similar_indexed_matches_similar_for_every_post():
    posts, _ = make_corpus(["baking", "robots", "visas"], per_topic=40, seed=3)
    hidden = {p.id for p in posts[:10]}
    posts = [
        Post(id=p.id, title=p.title, body=p.body, tags=p.tags, searchable=p.id not in hidden)
        for p in posts
    ]
    matcher = Matcher(random_state=0).fit(posts)
    batch = matcher.similar_indexed([p.id for p in posts], k=7, block=16)
    for post in posts:
        one = matcher.similar(post, k=7)
        assert [(p.id, p.shared_tags, p.shared_terms) for p in one] == [
            (p.id, p.shared_tags, p.shared_terms) for p in batch[post.id]
        ]
        assert not hidden & {p.id for p in batch[post.id]}
        assert post.id not in {p.id for p in batch[post.id]}


def test_place_indexed_matches_place():
    posts, _ = make_corpus(["baking", "robots"], per_topic=40, seed=4)
    matcher = Matcher(random_state=0).fit(posts)
    placed = matcher.place_indexed([p.id for p in posts] + ["not-indexed"])
    assert "not-indexed" not in placed
    for post in posts:
        assert placed[post.id] == matcher.place(post)
