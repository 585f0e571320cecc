"""A Redis cache that degrades to a miss when Redis is unreachable.

Throttling and a few page fragments use the cache. Reviews and quizzes must go
on when Redis is down, so a connection error reads as a miss and a write is
dropped, instead of turning every request into a 500.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)


class ResilientRedisCache(RedisCache):
    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        try:
            return super().get(key, default, version)
        except _DOWN as exc:
            logger.warning("cache get failed, treating as a miss: %s", exc)
            return default

    def set(
        self, key: Any, value: Any, timeout: Any = None, version: Any = None
    ) -> None:
        try:
            super().set(key, value, timeout, version)
        except _DOWN as exc:
            logger.warning("cache set dropped: %s", exc)

    def add(
        self, key: Any, value: Any, timeout: Any = None, version: Any = None
    ) -> bool:
        try:
            return super().add(key, value, timeout, version)
        except _DOWN as exc:
            logger.warning("cache add dropped: %s", exc)
            return False

    def delete(self, key: Any, version: int | None = None) -> bool:
        try:
            return super().delete(key, version)
        except _DOWN as exc:
            logger.warning("cache delete dropped: %s", exc)
            return False

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        try:
            return super().get_many(keys, version)
        except _DOWN as exc:
            logger.warning("cache get_many failed, treating as misses: %s", exc)
            return {}

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        try:
            return super().incr(key, delta, version)
        except _DOWN as exc:
            raise ValueError(f"cache unavailable: {exc}") from exc
