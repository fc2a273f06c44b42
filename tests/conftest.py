"""Suite-wide fixtures. The suite runs against real PostgreSQL and Redis and says so loudly when
either is missing, rather than skipping."""

from __future__ import annotations

import os

import pytest


def _unreachable_services() -> list[str]:
    import psycopg2
    import redis
    from django.conf import settings

    problems = []
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        problems.append(f"DATABASE_URL must point at PostgreSQL, not {db['ENGINE']}")
    else:
        try:
            psycopg2.connect(
                dbname="postgres",
                user=db.get("USER") or None,
                password=db.get("PASSWORD") or None,
                host=db.get("HOST") or None,
                port=db.get("PORT") or None,
                connect_timeout=3,
            ).close()
        except psycopg2.OperationalError as exc:
            problems.append(f"PostgreSQL at {db.get('HOST')}:{db.get('PORT')}: {exc}".strip())
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        problems.append(f"Redis at {settings.REDIS_URL}: {exc}")
    return problems


def pytest_sessionstart(session: pytest.Session) -> None:
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    problems = _unreachable_services()
    if problems:
        raise pytest.UsageError(
            "The test suite needs PostgreSQL and Redis (set DATABASE_URL and REDIS_URL, or start "
            "them on localhost):\n  - " + "\n  - ".join(problems)
        )


@pytest.fixture(autouse=True)
def _clean_redis_cache():
    """Each test starts with an empty cache (rate limits, heartbeats) in the test Redis database."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path):
    """A real Celery worker in its own process, on the test database and the test Redis.

    It sees only committed data, hence `transactional_db`. Yields the process; stops it after.
    """
    import subprocess
    import sys
    import time

    from django.conf import settings
    from django.db import connection

    from config.health import check_worker

    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    db = connection.settings_dict
    env["DATABASE_URL"] = (
        f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    )
    env["REDIS_URL"] = settings.REDIS_URL
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--loglevel=INFO",
            "--concurrency=1",
            "--pool=solo",
            f"--hostname=test-{os.getpid()}@%h",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while not check_worker().ok:
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            log.close()
            raise RuntimeError(
                "the Celery worker did not start:\n" + (tmp_path / "worker.log").read_text()
            )
        time.sleep(0.2)
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()
