"""The external-courier sandbox's state on Django's cache, shared by the web process and every worker.

`SandboxCourierGateway` (pure, in `solver/couriers.py`) keeps its quotes, bookings, idempotency
keys and id sequence in a `SandboxStore`. `CacheSandboxStore` puts them in
the strict `state` cache alias (never the degrading default: a lost booking must be an error,
not a silent miss) — Redis when REDIS_URL is set, so a booking made by a Celery worker can be
tracked or cancelled from the web process or another worker, and survives restarts. Cache keys
carry the current tenant's schema (the project's KEY_FUNCTION), so each tenant has its own
sandbox "account": a booking made in one kelurahan is unknown in another. Without Redis the
cache is per-process memory (development only, like the in-memory store).
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.cache import caches

from .solver.couriers import CourierUnavailable, JSONDict

NAMESPACE = "fulfillment:courier-sandbox"
TIMEOUT_S = 30 * 24 * 3600  # bookings outlive any delivery by far
_MAX_PLAIN_KEY = 160  # longer keys (or keys with spaces / control characters) are hashed

try:  # the cache backend's own failures mean "the courier API is unreachable"
    from redis.exceptions import RedisError

    _BACKEND_ERRORS: tuple[type[Exception], ...] = (RedisError, OSError)
except ImportError:  # pragma: no cover - redis is a project dependency
    _BACKEND_ERRORS = (OSError,)


class CacheSandboxStore:
    """`SandboxStore` on a Django cache: `add` is the cache's atomic add-if-absent, `incr` its
    atomic increment. Keys live under `namespace` for `timeout` seconds (defaults: `NAMESPACE`,
    `TIMEOUT_S`, read when the store is made)."""

    def __init__(self, namespace: str | None = None, *, timeout: int | None = None, alias: str = "state") -> None:
        self.namespace = NAMESPACE if namespace is None else namespace
        self.timeout = TIMEOUT_S if timeout is None else timeout
        self.alias = alias

    def _key(self, key: str) -> str:
        full = f"{self.namespace}:{key}"
        if len(full) > _MAX_PLAIN_KEY or not all(33 <= ord(ch) < 127 for ch in full):
            digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
            full = f"{self.namespace}:h:{digest}"
        return full

    def _call(self, method: str, *args: Any) -> Any:
        # `caches[alias]` per call: connections are per thread, keys per current tenant.
        try:
            return getattr(caches[self.alias], method)(*args)
        except _BACKEND_ERRORS as exc:
            name = exc.__class__.__name__
            raise CourierUnavailable(f"courier sandbox store unavailable ({name}), retry later") from exc

    def get(self, key: str) -> JSONDict | None:
        value = self._call("get", self._key(key))
        return dict(value) if isinstance(value, dict) else None

    def set(self, key: str, value: JSONDict) -> None:
        self._call("set", self._key(key), dict(value), self.timeout)

    def add(self, key: str, value: JSONDict) -> bool:
        return bool(self._call("add", self._key(key), dict(value), self.timeout))

    def delete(self, key: str) -> None:
        self._call("delete", self._key(key))

    def incr(self, key: str) -> int:
        full = self._key(key)
        for _attempt in range(3):
            self._call("add", full, 0, self.timeout)  # create the counter if absent (atomic)
            try:
                return int(self._call("incr", full))
            except ValueError:  # expired or evicted between add and incr
                continue
        raise CourierUnavailable("courier sandbox sequence unavailable, retry later")
