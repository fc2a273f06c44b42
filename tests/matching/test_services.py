"""matching.services: tasks are enqueued by name, stale sentence vectors are never reused, and the
package imports no task."""

import ast
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from django.utils import timezone

from communities.models import ContentStatus, Post
from config.celery import app as celery_app
from matching import engine, services
from matching.models import MatchRun, PostVector
from matching.services import storage
from matching.services.adapter import matchable_engine_posts, matchable_posts, to_engine_post
from tests.communities.factories import PostFactory, TagFactory

pytestmark = pytest.mark.django_db

SERVICES = Path(services.__file__).parent


@pytest.fixture
def sent(monkeypatch):
    """The task names (and arguments) sent to the broker."""
    calls: list[tuple[str, list]] = []

    def send_task(name, args=None, kwargs=None, **options):
        calls.append((name, list(args or [])))

    monkeypatch.setattr(celery_app, "send_task", send_task)
    return calls


def _vector(post: Post, *, made: timezone.datetime) -> PostVector:
    vector = PostVector.objects.create(
        post=post, encoder=storage.SEMANTIC_MODEL, vector=np.ones(4, "<f4").tobytes()
    )
    PostVector.objects.filter(pk=vector.pk).update(created_at=made)
    return vector


def test_marking_a_post_pending_sends_the_match_post_task_by_name_after_commit(
    sent, django_capture_on_commit_callbacks
):
    post = PostFactory()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.post_mark_pending(post=post)
        assert sent == []
    assert len(callbacks) == 1
    assert sent == [("matching.match_post", [post.pk])]
    post.refresh_from_db()
    assert post.match_state == Post.MatchState.PENDING


def test_a_run_request_sends_the_start_run_task_by_name_after_commit(
    sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run = services.match_run_request(actor=None, trigger=MatchRun.Trigger.COMMAND)
    assert sent == [("matching.start_run", [run.pk])]
    assert run.config_id == services.new_matcher().config_id()
    assert run.config_id.startswith(f"matcher-v{engine.ALGORITHM_VERSION}-")


def test_requeue_before_the_first_run_requests_a_run(sent):
    post = PostFactory()
    Post.objects.filter(pk=post.pk).update(
        match_state=Post.MatchState.PENDING, updated_at=timezone.now() - timedelta(hours=1)
    )
    # No run yet: a run is requested (its task goes on commit) instead of matching each post.
    assert services.pending_posts_requeue(older_than=timedelta(minutes=1)) == 1
    assert sent == []
    assert MatchRun.objects.filter(status=MatchRun.Status.QUEUED).exists()


def test_matching_a_post_edited_since_its_vector_was_made_drops_the_vector(sent):
    edited, untouched = PostFactory(), PostFactory()
    _vector(edited, made=edited.updated_at - timedelta(minutes=5))
    _vector(untouched, made=untouched.updated_at + timedelta(seconds=1))

    kept = PostVector.objects.get(post=untouched).pk

    services.post_match(post_id=edited.pk)
    services.post_match(post_id=untouched.pk)

    # The stale vector is gone (with a sentence encoder the task made a new one, after the edit).
    assert not PostVector.objects.filter(post=edited, created_at__lt=edited.updated_at).exists()
    assert PostVector.objects.get(post=untouched).pk == kept


def test_a_run_reuses_only_vectors_made_after_the_posts_last_edit():
    edited, untouched = PostFactory(), PostFactory()
    _vector(edited, made=edited.updated_at - timedelta(minutes=5))
    _vector(untouched, made=untouched.updated_at + timedelta(seconds=1))
    matcher = engine.Matcher(encoder="hybrid")
    assert set(storage.vectors_stored(matcher, {edited.pk, untouched.pk})) == {untouched.pk}


def test_no_service_module_imports_the_tasks():
    for path in SERVICES.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            assert "matching.tasks" not in names, f"{path.name} imports matching.tasks"


def test_run_matcher_if_needed_runs_again_when_the_current_run_is_of_another_version(
    topic_posts, capsys
):
    import hashlib

    from django.core.management import call_command

    from matching.models import MatchArtifact

    topic_posts(per_topic=5)
    data = (
        SERVICES.parents[1] / "tests" / "matching" / "fixtures" / "artifact-v1.zip"
    ).read_bytes()
    now = timezone.now()
    old = MatchRun.objects.create(
        status=MatchRun.Status.SUCCEEDED,
        started_at=now,
        finished_at=now,
        config_id="matcher-v1-lexical-629ba2967b",
    )
    MatchArtifact.objects.create(
        run=old,
        config_id=old.config_id,
        data=data,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
    call_command("run_matcher", "--if-needed")
    current = services.current_run()
    assert current.pk != old.pk and current.config_id == services.new_matcher().config_id()
    call_command("run_matcher", "--if-needed")
    assert "nothing to do" in capsys.readouterr().out
    assert services.current_run().pk == current.pk


@pytest.mark.django_db
def test_a_run_reads_the_posts_the_engine_sees_without_model_instances():
    """``matchable_engine_posts`` (what a run fits, read in two queries) gives exactly what
    ``to_engine_post`` makes of ``matchable_posts``: the same posts, text, tags and
    searchability, for every reason a post is not searchable."""
    baking, rye = TagFactory(name="baking"), TagFactory(name="rye")
    PostFactory(tags=[rye, baking])
    PostFactory(status=Post.Status.SOLVED)
    PostFactory(status=Post.Status.HIDDEN)
    PostFactory(moderation_status=ContentStatus.HIDDEN)
    hidden_author = PostFactory()
    hidden_author.author.profile.discoverable = False
    hidden_author.author.profile.save()
    gone = PostFactory(tags=[baking])
    gone.author.is_active = False
    gone.author.save()
    PostFactory(author=None, body="")

    expected = [to_engine_post(p) for p in matchable_posts()]
    assert matchable_engine_posts() == expected
    assert [p.searchable for p in expected] == [True, False, False, False, False]
    assert expected[0].tags == ("baking", "rye")
