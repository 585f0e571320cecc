"""A Redis cache that falls back to this process's memory when Redis is down.

Throttles, the login page's and password resets' limits and a few page
fragments use the cache. Reviews and quizzes must go on when Redis is down,
and the limits must still hold: a cache that answered every read with a miss
would count nothing, and every limit would be off for as long as the outage
lasted. So when a call to Redis fails, the call (and every call for the next
``RETRY_SECONDS``) goes to a local-memory cache instead, shared by every
thread of the process. Each web process then counts on its own, so a limit of
``N`` holds as ``N`` per process (``WEB_CONCURRENCY`` times ``N`` at most)
until Redis answers again; what was cached before the outage reads as a miss.

After ``RETRY_SECONDS`` the next call tries Redis again (one call pays the
connect timeout); the first success switches the process back, and the counts
in Redis pick up where they were.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)

# Seconds during which a Redis that just failed is not tried again.
RETRY_SECONDS = 5.0
# Entries the local fallback keeps (it culls the oldest past this).
FALLBACK_MAX_ENTRIES = 20_000

# Per Redis location: until when (time.monotonic()) Redis is skipped. Django
# makes one cache object per thread; the state is the process's.
_down_until: dict[str, float] = {}
_state_lock = threading.Lock()


class ResilientRedisCache(RedisCache):
    """Django's Redis cache; while Redis is unreachable, a local-memory one.

    ``OPTIONS`` may carry ``RETRY_SECONDS`` (how long a failed Redis is
    skipped); the rest goes to the Redis client as usual.
    """

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = dict(params.get("OPTIONS", {}))
        self.retry_seconds = float(options.pop("RETRY_SECONDS", RETRY_SECONDS))
        super().__init__(server, {**params, "OPTIONS": options})
        self._location = str(server)
        self._fallback = LocMemCache(
            f"studysite-redis-fallback:{self._location}",
            {
                "TIMEOUT": params.get("TIMEOUT", 300),
                "KEY_PREFIX": params.get("KEY_PREFIX", ""),
                "VERSION": params.get("VERSION", 1),
                "KEY_FUNCTION": params.get("KEY_FUNCTION"),
                "OPTIONS": {"MAX_ENTRIES": FALLBACK_MAX_ENTRIES},
            },
        )

    # --- which store answers ------------------------------------------------------

    @property
    def using_fallback(self) -> bool:
        """True while Redis is being skipped after a failure."""
        return _down_until.get(self._location, 0.0) > time.monotonic()

    def _failed(self, exc: BaseException) -> None:
        with _state_lock:
            was_down = self._location in _down_until
            _down_until[self._location] = time.monotonic() + self.retry_seconds
        if not was_down:
            logger.warning(
                "cache Redis unreachable (%s); counting in this process's memory",
                exc,
            )

    def _answered(self) -> None:
        if self._location in _down_until:
            with _state_lock:
                back = _down_until.pop(self._location, None) is not None
            if back:
                logger.warning("cache Redis answers again; back to Redis")

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        if not self.using_fallback:
            try:
                result = getattr(super(), name)(*args, **kwargs)
            except _DOWN as exc:
                self._failed(exc)
            else:
                self._answered()
                return result
        return getattr(self._fallback, name)(*args, **kwargs)

    # --- the cache API ------------------------------------------------------------

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._call("get", key, default, version)

    def set(
        self,
        key: Any,
        value: Any,
        timeout: Any = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> None:
        self._call("set", key, value, timeout, version)

    def add(
        self,
        key: Any,
        value: Any,
        timeout: Any = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> bool:
        return self._call("add", key, value, timeout, version)

    def touch(
        self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        return self._call("touch", key, timeout, version)

    def delete(self, key: Any, version: int | None = None) -> bool:
        return self._call("delete", key, version)

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        return self._call("get_many", keys, version)

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._call("has_key", key, version)

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        return self._call("incr", key, delta, version)

    def set_many(
        self,
        data: dict[Any, Any],
        timeout: Any = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> list[Any]:
        return self._call("set_many", data, timeout, version)

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        self._call("delete_many", keys, version)

    def clear(self) -> bool:
        """Empty the fallback, and Redis when it answers."""
        self._fallback.clear()
        return bool(self._call("clear"))
