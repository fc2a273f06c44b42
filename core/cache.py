"""The shared cache on Redis, made to survive Redis going away.

The cache holds nothing that cannot be lost: rate-limit counters, the log-in lockout's history and
worker heartbeats. So when Redis cannot be reached, the cache acts as an empty one that forgets
every write (reads miss, ``add`` succeeds, ``incr`` finds no key), the request goes on, and one
warning says that rate limits and log-in lockouts are not enforced until Redis answers again.
After a failure it does not try Redis again for ``RETRY_AFTER`` seconds, so an outage costs each
request no time (a black-holed host would otherwise cost the connect timeout per cache call).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger("kindred.degraded")

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
T = TypeVar("T")

# Until when each Redis (by location) is taken as down, for the whole process: Django makes a
# cache object per thread, and one warning per outage is enough.
_down_until: dict[str, float] = {}
_lock = threading.Lock()


class ResilientRedisCache(RedisCache):
    """Django's RedisCache; while Redis is unreachable, an empty cache that forgets."""

    RETRY_AFTER = 5.0

    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._location = str(server)

    @property
    def degraded(self) -> bool:
        """True while the last attempt to reach Redis failed (and is not yet retried)."""
        return time.monotonic() < _down_until.get(self._location, 0.0)

    def reachable(self) -> bool:
        """Ask Redis now (the readiness check), whatever the last failure was."""
        try:
            self._cache.get_client(None).ping()  # type: ignore[attr-defined]  # not in the stubs
        except UNREACHABLE as exc:
            self._went_down(exc)
            return False
        _down_until.pop(self._location, None)
        return True

    def _attempt(self, operation: Callable[[], T], fallback: T) -> T:
        if self.degraded:
            return fallback
        try:
            return operation()
        except UNREACHABLE as exc:
            self._went_down(exc)
            return fallback

    def _went_down(self, exc: Exception) -> None:
        with _lock:
            first = not self.degraded
            _down_until[self._location] = time.monotonic() + self.RETRY_AFTER
        if first:
            logger.warning(
                "cache unreachable (%s: %s); serving as an empty cache: rate limits and log-in "
                "lockouts are not enforced until Redis answers again",
                type(exc).__name__,
                exc,
            )

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        return self._attempt(lambda: RedisCache.add(self, key, value, timeout, version), True)

    def get(self, key, default=None, version=None) -> Any:
        return self._attempt(lambda: RedisCache.get(self, key, default, version), default)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> None:
        self._attempt(lambda: RedisCache.set(self, key, value, timeout, version), None)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        return self._attempt(lambda: RedisCache.touch(self, key, timeout, version), False)

    def delete(self, key, version=None) -> bool:
        return self._attempt(lambda: RedisCache.delete(self, key, version), False)

    def get_many(self, keys, version=None) -> dict[str, Any]:
        return self._attempt(lambda: RedisCache.get_many(self, keys, version), {})

    def has_key(self, key, version=None) -> bool:
        return self._attempt(lambda: RedisCache.has_key(self, key, version), False)

    def incr(self, key, delta=1, version=None) -> int:
        missing = object()
        found = self._attempt(lambda: RedisCache.incr(self, key, delta, version), missing)
        if found is missing:
            raise ValueError(f"Key '{key}' not found (the cache is unreachable)")
        return found  # type: ignore[return-value]

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None) -> list[str]:
        return self._attempt(lambda: RedisCache.set_many(self, data, timeout, version), [])

    def delete_many(self, keys, version=None) -> None:
        self._attempt(lambda: RedisCache.delete_many(self, keys, version), None)

    def clear(self) -> None:
        self._attempt(lambda: RedisCache.clear(self), None)
