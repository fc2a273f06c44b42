"""With the semantic extra, each post is encoded once: a full run keeps the sentence vectors it
made and the next run reuses them; a new post's match task and an import's chunks encode posts
once, and the run after them encodes nothing (needs the semantic extra: marked ``semantic``)."""

import io
import json

import pytest
from django.core.management import call_command

from communities import services as community_services
from communities.models import Post
from matching.models import MatchRun, PostVector
from tests.engine.corpus import make_corpus
from tests.matching.test_pipeline import run_now, wait_for
from tests.profiles.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.semantic


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


@pytest.mark.django_db(transaction=True)
def test_a_new_posts_match_task_encodes_it_once_and_the_next_run_encodes_nothing(
    topic_posts, workers, client, settings
):
    # The worker and this process both use the hybrid encoder, whichever the suite's default is.
    settings.KINDRED_MATCHER = {"encoder": "hybrid", "random_state": 0}
    topic_posts(per_topic=10)
    first = run_now()
    assert first.metrics["encoded"] == PostVector.objects.count() == 30
    workers.start(env={"KINDRED_MATCHER_ENCODER": "hybrid"})
    UserFactory(username="newcomer")
    client.login(username="newcomer", password=DEFAULT_PASSWORD)
    response = client.post(
        "/api/posts/",
        {"title": "Sourdough loaf stays flat after the second proof", "tags": ["baking"]},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    post_id = response.json()["id"]
    wait_for(
        lambda: Post.objects.get(pk=post_id).match_state == Post.MatchState.MATCHED, timeout=90
    )
    assert PostVector.objects.filter(post_id=post_id).exists()
    assert client.get(f"/api/posts/{post_id}/peers/").json()

    second = run_now()
    assert second.metrics["encoded"] == 0
    assert PostVector.objects.count() == 31
    # Staff see which encoder the run used.
    UserFactory(username="staffer", is_staff=True)
    client.login(username="staffer", password=DEFAULT_PASSWORD)
    page = client.get("/moderation/").content.decode()
    assert second.config_id in page and "-hybrid-" in second.config_id


@pytest.mark.django_db(transaction=True)
def test_an_import_is_encoded_in_chunks_by_the_workers_with_progress(
    tmp_path, workers, settings, monkeypatch
):
    settings.KINDRED_MATCHER = {"encoder": "hybrid", "random_state": 0}
    monkeypatch.setattr("communities.management.commands.import_posts.ENCODE_CHUNK", 10)
    corpus, _ = make_corpus(["baking", "robots", "visas"], per_topic=9)
    path = tmp_path / "posts.jsonl"
    path.write_text(
        "".join(
            json.dumps({"id": p.id, "title": p.title, "body": p.body, "tags": list(p.tags)}) + "\n"
            for p in corpus
        )
    )
    workers.start(env={"KINDRED_MATCHER_ENCODER": "hybrid"})
    out = io.StringIO()
    call_command("import_posts", str(path), stdout=out)
    assert "Queued the encoding of 27 posts in 3 chunks." in out.getvalue()
    assert "Encoded 27 posts." in out.getvalue()
    assert PostVector.objects.count() == 27
    run = run_now()
    assert run.metrics["encoded"] == 0
