"""Redis down (cache and broker at once): log-in, tokens, posting, joining and replying go on, the
rate limits step aside with a logged warning, and a post saved meanwhile is matched once Redis is
back, by the periodic re-queue. The test runs its own redis-server on a free port and stops it."""

from __future__ import annotations

import logging
import socket
import subprocess
import time
from datetime import timedelta

import pytest
import redis

from communities.models import Community, Membership, Post, Reply, Thread
from config.celery import app as celery_app
from core.queue import enqueue
from matching import services as matching_services
from matching.models import MatchRun
from profiles.models import Notification, Profile
from tests.communities.factories import CommunityFactory, MembershipFactory, PostFactory
from tests.matching.conftest import topic_posts  # noqa: F401 (a fixture)
from tests.profiles.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OwnRedis:
    """A redis-server of this test's own, without persistence, that the test stops and starts."""

    def __init__(self, directory) -> None:
        self.port = _free_port()
        self.directory = directory
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.directory)),
            ],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def own_redis(tmp_path, settings, monkeypatch):
    """Cache and broker on a redis-server this test controls; rate limits on."""
    server = OwnRedis(tmp_path)
    server.start()
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": server.url,
            "KEY_PREFIX": "kindred",  # as the workers started here write it
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    settings.KINDRED_RATE_LIMITS_ENABLED = True
    settings.ACCOUNT_RATE_LIMITS = {"login": "30/m/ip", "login_failed": "10/m/ip,5/5m/key"}
    monkeypatch.setattr(celery_app.conf, "broker_url", server.url)
    _forget_broker_connections()
    yield server
    server.stop()
    monkeypatch.undo()
    _forget_broker_connections()


def _forget_broker_connections() -> None:
    """The app keeps a pool of broker connections; it must reconnect to the broker now named."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def _queued(server: OwnRedis) -> int:
    return redis.Redis.from_url(server.url).llen("celery")


def test_writes_and_log_ins_go_on_while_redis_is_down(own_redis, client, caplog):
    person = UserFactory(username="grace")
    community = CommunityFactory(slug="kilns")
    thread = Thread.objects.create(
        community=community,
        author=MembershipFactory(community=community).user,
        title="Firing schedules",
    )
    MembershipFactory(community=CommunityFactory(slug="members-only"), user=person)
    asked = PostFactory(title="Crazing on mugs")
    Profile.objects.filter(user=asked.author).update(email_frequency="immediately")
    own_redis.stop()
    caplog.set_level(logging.WARNING, logger="kindred.degraded")

    response = client.post("/accounts/login/", {"login": "grace", "password": DEFAULT_PASSWORD})
    assert response.status_code == 302, response.content
    response = client.post(
        "/api/auth/token/", {"username": "grace", "password": DEFAULT_PASSWORD}, "application/json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["token"]

    response = client.post("/api/posts/", {"title": "Glaze crawling"}, "application/json")
    assert response.status_code == 201, response.content
    post = Post.objects.get(title="Glaze crawling")
    assert post.match_state == Post.MatchState.PENDING
    response = client.post("/posts/new/", {"title": "Kiln wash flaking", "kind": "problem"})
    assert response.status_code == 302, response.content
    assert Post.objects.get(title="Kiln wash flaking").match_state == Post.MatchState.PENDING

    response = client.post(f"/api/communities/{community.slug}/join/")
    assert response.status_code == 200, response.content
    assert Membership.objects.filter(community=community, user=person).exists()
    response = client.post(
        "/api/thread-messages/", {"thread": thread.pk, "body": "Try cone 6"}, "application/json"
    )
    assert response.status_code == 201, response.content
    assert Reply.objects.filter(thread=thread, body="Try cone 6").exists()
    # A reply to a post notifies its author, whose mail cannot be queued: the reply stands.
    response = client.post(f"/posts/{asked.pk}/replies/", {"body": "Slow the cooling"})
    assert response.status_code == 302, response.content
    assert Reply.objects.filter(post=asked, body="Slow the cooling").exists()
    assert Notification.objects.filter(user=asked.author).exists()

    warnings = [r.getMessage() for r in caplog.records if r.name == "kindred.degraded"]
    assert any(w.startswith("cache unreachable") for w in warnings), warnings
    assert any(w.startswith("broker unreachable") for w in warnings), warnings
    assert any("profiles.mail_notification" in w for w in warnings), warnings
    assert Community.objects.filter(slug="kilns").exists()


def test_a_post_saved_while_redis_is_down_is_matched_once_it_is_back(
    own_redis,
    client,
    workers,
    topic_posts,  # noqa: F811
):
    topic_posts()
    run = matching_services.match_run_request(actor=None, trigger=MatchRun.Trigger.COMMAND)
    assert matching_services.match_run_execute(run_id=run.pk).status == MatchRun.Status.SUCCEEDED
    client.force_login(UserFactory())
    own_redis.stop()
    response = client.post("/api/posts/", {"title": "servo motor jitter"}, "application/json")
    assert response.status_code == 201, response.content
    post = Post.objects.get(title="servo motor jitter")
    assert post.match_state == Post.MatchState.PENDING

    own_redis.start()  # empty: whatever was queued before is gone
    assert _queued(own_redis) == 0
    workers.start(env={"REDIS_URL": own_redis.url})
    Post.objects.filter(pk=post.pk).update(updated_at=post.updated_at - timedelta(hours=1))
    assert enqueue("matching.requeue_pending")
    deadline = time.monotonic() + 60
    while Post.objects.get(pk=post.pk).match_state != Post.MatchState.MATCHED:
        assert time.monotonic() < deadline, "the re-queued post was not matched"
        time.sleep(0.2)
