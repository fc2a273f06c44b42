"""With the semantic extra, each post is encoded once: a full run keeps the sentence vectors it
made and the next run reuses them (needs `pip install -e '.[semantic]'`)."""

import pytest

from communities import services as community_services
from communities.models import Post
from matching.models import MatchRun, PostVector
from tests.matching.test_pipeline import run_now

pytest.importorskip("sentence_transformers")


@pytest.mark.django_db(transaction=True)
def test_a_run_encodes_only_posts_it_has_not_seen(topic_posts, settings):
    settings.KINDRED_MATCHER = {"encoder": "hybrid", "random_state": 0}
    posts = topic_posts(per_topic=10)
    run_now()
    assert PostVector.objects.count() == len(posts)
    first = dict(PostVector.objects.values_list("post_id", "created_at"))

    edited = next(iter(posts))
    post = Post.objects.get(pk=edited)
    community_services.post_update(actor=post.author, post=post, title="sourdough rye starter")
    # Its vector is older than the edit now: the next run encodes the post again.
    run_now()
    second = dict(PostVector.objects.values_list("post_id", "created_at"))
    assert set(second) == set(first)
    assert {pid for pid in first if first[pid] != second[pid]} == {edited}
    assert MatchRun.objects.filter(status="succeeded").count() == 2
