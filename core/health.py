"""Health of the parts Kindred needs. Liveness (/healthz): this process and its database.
Readiness (/readyz): the database, the cache, the Celery broker and at least one worker."""

from __future__ import annotations

import time
from dataclasses import dataclass

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.db import connection

HEARTBEAT_KEY = "health:worker-heartbeats"


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def record_worker_heartbeat(hostname: str) -> None:
    beats = cache.get(HEARTBEAT_KEY) or {}
    now = time.time()
    stale = settings.KINDRED_WORKER_STALE_AFTER
    beats = {name: at for name, at in beats.items() if now - at < stale}
    beats[hostname] = now
    cache.set(HEARTBEAT_KEY, beats, timeout=stale * 4)


def forget_worker(hostname: str) -> None:
    beats = cache.get(HEARTBEAT_KEY) or {}
    if beats.pop(hostname, None) is not None:
        cache.set(HEARTBEAT_KEY, beats, timeout=settings.KINDRED_WORKER_STALE_AFTER * 4)


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return Check("database", False, f"{type(exc).__name__}: {exc}".strip())
    return Check("database", True, connection.vendor)


def check_cache() -> Check:
    reachable = getattr(cache, "reachable", None)
    if reachable is not None and not reachable():
        return Check("cache", False, "Redis unreachable: rate limits are not enforced")
    return Check("cache", True, type(cache).__name__)


def check_broker() -> Check:
    try:
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            transport = conn.transport_cls
    except Exception as exc:
        return Check("broker", False, f"{type(exc).__name__}: {exc}".strip())
    return Check("broker", True, str(transport))


def check_worker() -> Check:
    try:
        beats = cache.get(HEARTBEAT_KEY) or {}
    except Exception as exc:
        return Check("worker", False, f"cache unreachable: {type(exc).__name__}: {exc}")
    now = time.time()
    alive = sorted(
        name for name, at in beats.items() if now - at < settings.KINDRED_WORKER_STALE_AFTER
    )
    if not alive:
        return Check(
            "worker",
            False,
            "no Celery worker has reported in the last "
            f"{settings.KINDRED_WORKER_STALE_AFTER} seconds",
        )
    return Check("worker", True, f"{len(alive)} alive: {', '.join(alive)}")


def run_checks() -> list[Check]:
    return [check_database(), check_cache(), check_broker(), check_worker()]
