"""Faults, with real processes: a Celery worker killed in the middle of a matching run, Redis
restarted empty while posts wait in its queue, and PostgreSQL connections cut between and during
requests to a real gunicorn. In each case every post is matched exactly once, nothing a user sent
is half-saved or lost, and no request is left with a 500."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta

import psycopg2
import pytest
import requests
from django.db import connection
from django.test import override_settings

from communities.models import Placement, Post
from core.queue import enqueue
from matching import services
from matching.models import MatchRun
from tests.matching.conftest import topic_posts  # noqa: F401 (a fixture)
from tests.matching.test_pipeline import run_now, wait_for
from tests.profiles.factories import DEFAULT_PASSWORD, UserFactory
from tests.test_outage import _queued, own_redis  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _all_matched_once(posts: list[int]) -> dict[int, object]:
    """Every post matched, each with one matching time; returns them to compare later."""
    rows = dict(Post.objects.filter(pk__in=posts).values_list("pk", "matched_at"))
    states = set(Post.objects.filter(pk__in=posts).values_list("match_state", flat=True))
    assert states == {Post.MatchState.MATCHED}, states
    assert all(rows.values())
    return rows


def test_a_run_whose_worker_is_killed_is_finished_by_another_worker(topic_posts, workers):  # noqa: F811
    topic_posts(per_topic=30)
    first = workers.start(env={"KINDRED_MATCH_CHUNK_SIZE": "5"})
    run = services.match_run_request(actor=None, trigger=MatchRun.Trigger.MANUAL)
    wait_for(lambda: MatchRun.objects.get(pk=run.pk).stage == "finding peers", 120, 0.05)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    assert not Placement.objects.exists()  # nothing of the interrupted run was applied

    # Another worker takes the run's remaining chunks; the periodic re-queue reaps the run once
    # its heartbeat has stopped (the killed worker's chunk never comes back), and a new run
    # is finished by the other worker.
    workers.start(env={"KINDRED_MATCH_RUN_STALE_SECONDS": "1"})

    def reaped():
        enqueue("matching.requeue_pending")
        return MatchRun.objects.get(pk=run.pk).status != MatchRun.Status.RUNNING

    wait_for(reaped, 120, 2)
    run.refresh_from_db()
    assert run.status == MatchRun.Status.FAILED and "worker was lost" in run.error
    with override_settings(KINDRED_MATCH_RUN_STALE_SECONDS=1):
        rerun = services.match_run_request(actor=None, trigger=MatchRun.Trigger.MANUAL)
    wait_for(lambda: MatchRun.objects.get(pk=rerun.pk).status in ("succeeded", "failed"), 180)
    rerun.refresh_from_db()
    assert rerun.status == MatchRun.Status.SUCCEEDED, rerun.error
    posts = list(Post.objects.values_list("pk", flat=True))
    assert rerun.post_count == len(posts)
    _all_matched_once(posts)
    assert Placement.objects.values("post").distinct().count() == Placement.objects.count()


def test_posts_queued_when_redis_restarts_empty_are_each_matched_once(
    own_redis,  # noqa: F811
    client,
    workers,
    topic_posts,  # noqa: F811
):
    topic_posts()
    run_now()
    client.force_login(UserFactory())
    titles = ["servo motor jitter", "sourdough starter too runny", "visa appointment backlog"]
    for title in titles:
        response = client.post("/api/posts/", {"title": title}, "application/json")
        assert response.status_code == 201, response.content
    assert _queued(own_redis) >= len(titles)  # queued, no worker yet
    own_redis.stop()
    own_redis.start()  # without persistence: the queue is gone
    assert _queued(own_redis) == 0
    posts = list(Post.objects.filter(title__in=titles).values_list("pk", flat=True))
    assert set(Post.objects.filter(pk__in=posts).values_list("match_state", flat=True)) == {
        Post.MatchState.PENDING
    }

    workers.start(env={"REDIS_URL": own_redis.url})
    Post.objects.filter(pk__in=posts).update(
        updated_at=Post.objects.get(pk=posts[0]).updated_at - timedelta(hours=1)
    )
    assert enqueue("matching.requeue_pending")
    wait_for(
        lambda: not Post.objects.filter(pk__in=posts).exclude(match_state="matched").exists(), 90
    )
    matched = _all_matched_once(posts)
    # A second re-queue finds nothing to do: no post is matched twice.
    assert enqueue("matching.requeue_pending")
    time.sleep(3)
    assert _all_matched_once(posts) == matched


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server(settings, tmp_path):
    """gunicorn serving the test database, as in production: one worker, persistent connections."""
    db = connection.settings_dict
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "CONN_MAX_AGE": "60",
    }
    log = open(tmp_path / "gunicorn.log", "w")  # noqa: SIM115 - written until the server stops
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                requests.get(f"{url}/communities/", timeout=30)
                break
            except requests.RequestException:
                assert process.poll() is None, (tmp_path / "gunicorn.log").read_text()
                assert time.monotonic() < deadline, "gunicorn did not answer"
                time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def _sql(statement: str, params=()):
    db = connection.settings_dict
    conn = psycopg2.connect(
        dbname=db["NAME"],
        user=db["USER"],
        password=db["PASSWORD"],
        host=db["HOST"],
        port=db["PORT"],
    )
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(statement, params)
    conn.close()


def _terminate_app_connections() -> None:
    """What a database restart or failover does to the app: every connection of the server is
    cut (this test's own are spared)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (ours,) = cursor.fetchone()
    _sql(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid() AND pid <> %s",
        [ours],
    )


def _cut_during(table: str, send):
    """Send a request that reaches `table`, hold it there with a lock, cut its connection while it
    waits, then let go. Returns the response."""
    db = connection.settings_dict
    locker = psycopg2.connect(
        dbname=db["NAME"],
        user=db["USER"],
        password=db["PASSWORD"],
        host=db["HOST"],
        port=db["PORT"],
    )
    with locker.cursor() as cursor:
        cursor.execute(f'LOCK TABLE "{table}" IN ACCESS EXCLUSIVE MODE')
        result = {}
        thread = threading.Thread(target=lambda: result.setdefault("response", send()))
        thread.start()
        deadline = time.monotonic() + 30
        waiting = []
        while not waiting:
            assert time.monotonic() < deadline, "the request never reached the table"
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )  # only the server's request waits on the lock
            waiting = [pid for (pid,) in cursor.fetchall()]
            time.sleep(0.05)
        for pid in waiting:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    locker.rollback()
    locker.close()
    thread.join(timeout=30)
    return result["response"]


def test_cut_database_connections_give_a_clean_retry_or_503_never_a_500(server):
    UserFactory(username="grace")
    token = requests.post(
        f"{server}/api/auth/token/",
        json={"username": "grace", "password": DEFAULT_PASSWORD},
        timeout=30,
    ).json()["token"]
    api = {"Authorization": f"Token {token}"}
    assert requests.get(f"{server}/api/posts/", headers=api, timeout=30).status_code == 200

    # Between requests: the next request reconnects by itself.
    _terminate_app_connections()
    assert requests.get(f"{server}/api/posts/", headers=api, timeout=30).status_code == 200
    _terminate_app_connections()
    assert requests.get(f"{server}/communities/", timeout=30).status_code == 200

    # During a write: 503 with Retry-After, nothing saved; the retry saves it once.
    def write():
        return requests.post(
            f"{server}/api/posts/", json={"title": "Kiln wash flaking"}, headers=api, timeout=60
        )

    response = _cut_during("communities_post", write)
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == "2"
    assert "nothing was saved" in response.json()["detail"]
    assert not Post.objects.filter(title="Kiln wash flaking").exists()
    response = write()
    assert response.status_code == 201, response.text
    assert Post.objects.filter(title="Kiln wash flaking").count() == 1

    # During a page: the 503 page, then the page itself.
    response = _cut_during(
        "communities_community", lambda: requests.get(f"{server}/communities/", timeout=60)
    )
    assert response.status_code == 503, response.text
    assert "Nothing you sent was saved" in response.text
    assert requests.get(f"{server}/communities/", timeout=30).status_code == 200
