"""/healthz is liveness (this process and its database, nothing of the internals); /readyz is
readiness and names the part that fails (database, cache, broker or worker) to staff or with the
health token only."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from config.celery import app as celery_app
from tests.profiles.factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent


TOKEN = "health-token-for-tests"


@pytest.fixture
def staff(client, db):
    client.force_login(UserFactory(is_staff=True))
    return client


def test_ready_with_postgresql_redis_and_a_worker(staff, celery_worker_process):
    response = staff.get("/readyz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["detail"] == "postgresql"
    assert body["checks"]["cache"]["ok"]
    assert body["checks"]["broker"]["detail"] == "redis"
    assert body["checks"]["worker"]["ok"]
    assert staff.get("/healthz").json() == {"status": "ok"}


def test_no_worker_fails_readiness_naming_the_worker_but_not_liveness(staff):
    response = staff.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["worker"]
    response = staff.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_unreachable_broker_fails_readiness_naming_the_broker(staff, monkeypatch):
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")
    response = staff.get("/readyz")
    assert response.status_code == 503
    assert "broker" in response.json()["failing"]
    assert staff.get("/healthz").status_code == 200


def test_readiness_details_only_for_staff_or_the_token(client, db, settings, monkeypatch):
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")
    settings.KINDRED_HEALTH_TOKEN = TOKEN
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        response = client.get("/readyz", headers=headers)
        assert response.status_code == 503
        assert response.json() == {"status": "unavailable"}
    client.force_login(UserFactory())
    assert client.get("/readyz").json() == {"status": "unavailable"}
    response = client.get("/readyz", headers={"Authorization": f"Bearer {TOKEN}"})
    assert "127.0.0.1:1" in response.json()["checks"]["broker"]["detail"]
    settings.KINDRED_HEALTH_TOKEN = ""
    response = client.get("/readyz", headers={"Authorization": "Bearer "})
    assert "checks" not in response.json()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, timeout: float = 90.0, headers: dict | None = None) -> tuple[int, str]:
    """GET url, retrying while the server starts (a cold start is slow on a busy machine)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            request = urllib.request.Request(url, headers=headers or {})
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


@pytest.fixture
def embedded_env(tmp_path):
    """The environment of a newcomer's machine: nothing configured, all state in one folder."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env |= {
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "KINDRED_VAR_DIR": str(tmp_path),
        "KINDRED_HEALTH_TOKEN": TOKEN,
    }
    return env


def _start(args, env, log_path):
    log = open(log_path, "w")  # noqa: SIM115 - the process owns it until killed
    return subprocess.Popen([sys.executable, *args], cwd=ROOT, env=env, stdout=log, stderr=log)


def test_embedded_default_is_healthy_with_sqlite_and_the_filesystem_broker(embedded_env, tmp_path):
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=embedded_env,
        check=True,
        timeout=180,
    )
    port = _free_port()
    processes = [
        _start(
            ["-m", "celery", "-A", "config", "worker", "--pool=solo", "--loglevel=INFO"],
            embedded_env,
            tmp_path / "worker.log",
        ),
        _start(
            ["manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            embedded_env,
            tmp_path / "web.log",
        ),
    ]
    try:
        deadline = time.monotonic() + 60
        while True:
            status, body = _get(
                f"http://127.0.0.1:{port}/readyz", headers={"Authorization": f"Bearer {TOKEN}"}
            )
            if status == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        logs = (tmp_path / "worker.log").read_text()
        assert status == 200, body + logs
        assert '"sqlite"' in body and '"filesystem"' in body
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=20)


def test_unreachable_database_fails_liveness_without_showing_internals(embedded_env, tmp_path):
    env = embedded_env | {"DATABASE_URL": "postgres://nobody@127.0.0.1:1/nowhere"}
    port = _free_port()
    # gunicorn, as in production: it starts without touching the database.
    web = _start(
        ["-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}"], env, tmp_path / "web.log"
    )
    try:
        status, body = _get(f"http://127.0.0.1:{port}/healthz")
        assert status == 503, body
        assert body == '{"status": "unavailable"}'
        status, body = _get(
            f"http://127.0.0.1:{port}/readyz", headers={"Authorization": f"Bearer {TOKEN}"}
        )
        assert status == 503, body
        assert '"database"' in body.split('"checks"')[0]
    finally:
        web.terminate()
        web.wait(timeout=20)
