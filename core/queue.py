"""Handing work to Celery after a write, without letting a broker outage fail the write.

Every task sent this way is fire-and-forget (its result is ignored, so sending it never waits on
the result backend), and the write it follows is committed first. When the broker cannot be
reached the write stands and the task is logged as not sent: a pending post is sent again by
``matching.requeue_pending`` once the broker is back, a queued run is reaped when stale; a
notification's mail is lost (the notification itself shows in the app).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from celery import current_app
from django.db import transaction
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

logger = logging.getLogger("kindred.degraded")

BROKER_UNREACHABLE = (OperationalError, RedisError, OSError)


def enqueue(name: str, args: Sequence[Any] = ()) -> bool:
    """Send task ``name`` now. Returns False, with a warning logged, when the broker cannot be
    reached. A registered task goes through its signature, so an eager Celery runs it in-process."""
    try:
        current_app.signature(name, args=list(args)).apply_async(ignore_result=True)
    except BROKER_UNREACHABLE as exc:
        logger.warning(
            "broker unreachable (%s: %s); task %s%s not sent",
            type(exc).__name__,
            exc,
            name,
            list(args),
        )
        return False
    return True


def enqueue_on_commit(name: str, args: Sequence[Any] = ()) -> None:
    """Send task ``name`` once the current transaction commits (at once outside one)."""
    frozen = list(args)
    transaction.on_commit(lambda: enqueue(name, frozen))
