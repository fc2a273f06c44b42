"""Rate limits for writes people can abuse (posting, replying, joining, reporting), counted in the
shared cache (Redis in production and tests; the file cache in the embedded default).

Services call `rate_limit(action=..., user=...)` before they write, so pages and the API are
limited alike; the API answers 429 with Retry-After (core/exceptions.py), pages likewise
(core/middleware.py), each with the seconds left in the window. New accounts get the stricter
limit. Without a user, callers key on the client (core.client.client_key, behind the trusted
proxies). Sign-up is limited by allauth (ACCOUNT_RATE_LIMITS) and failed log-ins by the lockout
(profiles/services/lockout.py); the same switch turns all of them off.

While Redis is unreachable the cache forgets every count (core/cache.py), so the limits are not
enforced and requests go on; the cache logs that once on the "kindred.degraded" logger.

Writes the site makes itself in people's names (seeding the demo: `load_demo`) go through the same
services inside `rate_limits_exempt()`: they are neither counted nor refused, so the people start
with their whole allowance.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

_exempt: ContextVar[bool] = ContextVar("kindred_rate_limits_exempt", default=False)


@contextmanager
def rate_limits_exempt() -> Iterator[None]:
    """Within this block ``rate_limit`` counts nothing and refuses nothing, in this thread (or
    task) alone. For management commands that write in people's names (``load_demo``); never
    around work a request asked for."""
    token = _exempt.set(True)
    try:
        yield
    finally:
        _exempt.reset(token)


class RateLimited(Exception):
    """Too many requests of one kind; try again after ``retry_after`` seconds."""

    def __init__(self, *, action: str, retry_after: int) -> None:
        self.action = action
        self.retry_after = max(1, int(retry_after))
        super().__init__(
            f"You have done that too often ({action}); try again in {self.retry_after} seconds."
        )


def _is_new(user) -> bool:
    joined = getattr(user, "date_joined", None)
    age = timedelta(days=settings.KINDRED_NEW_ACCOUNT_DAYS)
    return joined is not None and joined > timezone.now() - age


def rate_limit(*, action: str, user=None, key: str = "") -> None:
    """Count one attempt at ``action`` by ``user`` (or by ``key``, e.g. an address, when there is
    no user) and raise RateLimited once the limit for the current window is used up. Nothing is
    counted inside ``rate_limits_exempt()``."""
    if not settings.KINDRED_RATE_LIMITS_ENABLED or _exempt.get():
        return
    rule = settings.KINDRED_RATE_LIMITS.get(action)
    if rule is None:
        return
    window = int(rule["window"])
    signed_in = user is not None and getattr(user, "is_authenticated", False)
    limit = int(rule["new_limit"] if signed_in and _is_new(user) else rule["limit"])
    who = f"user:{user.pk}" if signed_in else f"key:{key}"
    now = time.time()
    start = int(now // window * window)
    cache_key = f"ratelimit:{action}:{who}:{start}"
    cache.add(cache_key, 0, timeout=window + 5)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=window + 5)
        count = 1
    if count > limit:
        raise RateLimited(action=action, retry_after=int(start + window - now) + 1)
