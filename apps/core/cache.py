"""A Redis cache that degrades to a miss when Redis cannot be reached.

Django's `RedisCache` raises on a connection error, so with Redis down every page that reads the
cache (the dashboards, their facts version) answered 500. `DegradingRedisCache` is the default
cache: a failed read is a miss, a failed write is dropped, and a warning is logged (at most once
a minute per process, so an outage does not flood the log). The page then computes what it
would have cached, slower but correct.

Only for caches whose loss is a slowdown. What enforces a limit or holds state must not fail
open and does not use it: the Data-as-a-Service quotas have their own Redis client and refuse
with 503 when Redis is down (`apps.core.unavailable`), the courier sandbox's bookings use the
strict `state` alias, and the login lock-out (axes) lives in the database. Counters (`incr`)
have no honest "miss" value and still raise.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError)
WARN_EVERY_S = 60.0


class DegradingRedisCache(RedisCache):
    _last_warning = 0.0

    def _degraded(self, operation: str, exc: BaseException) -> None:
        now = time.monotonic()
        if now - DegradingRedisCache._last_warning >= WARN_EVERY_S:
            DegradingRedisCache._last_warning = now
            logger.warning("cache unavailable, %s degraded to a miss: %s: %s", operation, exc.__class__.__name__, exc)
        else:
            logger.debug("cache unavailable, %s degraded to a miss", operation)

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        try:
            return super().get(key, default, version)
        except UNAVAILABLE as exc:
            self._degraded("get", exc)
            return default

    def get_many(self, keys: Iterable[Any], version: int | None = None) -> dict[Any, Any]:
        try:
            return super().get_many(keys, version)
        except UNAVAILABLE as exc:
            self._degraded("get_many", exc)
            return {}

    def has_key(self, key: Any, version: int | None = None) -> bool:
        try:
            return super().has_key(key, version)
        except UNAVAILABLE as exc:
            self._degraded("has_key", exc)
            return False

    def add(self, key: Any, value: Any, timeout: float | None = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        # False ("already there") is the cautious answer: a caller using add() as a lock or a
        # debounce does not go ahead as if it held it.
        try:
            return super().add(key, value, timeout, version)
        except UNAVAILABLE as exc:
            self._degraded("add", exc)
            return False

    def set(self, key: Any, value: Any, timeout: float | None = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        try:
            super().set(key, value, timeout, version)
        except UNAVAILABLE as exc:
            self._degraded("set", exc)

    def set_many(
        self, data: dict[Any, Any], timeout: float | None = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[Any]:
        try:
            return super().set_many(data, timeout, version)
        except UNAVAILABLE as exc:
            self._degraded("set_many", exc)
            return list(data)  # Django's contract: the keys that were not stored

    def touch(self, key: Any, timeout: float | None = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        try:
            return super().touch(key, timeout, version)
        except UNAVAILABLE as exc:
            self._degraded("touch", exc)
            return False

    def delete(self, key: Any, version: int | None = None) -> bool:
        try:
            return super().delete(key, version)
        except UNAVAILABLE as exc:
            self._degraded("delete", exc)
            return False

    def delete_many(self, keys: Iterable[Any], version: int | None = None) -> None:
        try:
            super().delete_many(keys, version)
        except UNAVAILABLE as exc:
            self._degraded("delete_many", exc)
