"""Generational caching of public reads: one version per tenant and scope, moved by every write.

A public list (Open311, the laporan page, the catalogue) is read far more often than it changes,
and the same answer is built again for every visitor. Readers put the scope's current version
into their cache keys (`cached(scope, parts, build)`); whatever changes the data behind a scope
calls `bump(scope)`, or registers its models with `bump_on_change`, and every answer cached under
the old version becomes unreachable at once (it expires by its TTL). So a cached list is never
older than the last committed write — except for what the TTL bounds on purpose: data that moves
with the clock, not with writes (e.g. "open now", the Open311 90-day window).

Keys carry the tenant's schema (the cache KEY_FUNCTION), so a kelurahan never reads another's.
A bump moves the version at once and again after commit: a reader racing the writer may cache
the old answer, but only under a version the commit has already left behind. With the cache
down (DegradingRedisCache) every read is a miss and pages are built as before; a bump lost to
such an outage leaves answers cached before it for at most their TTL.

Only what is the same for every caller may be cached here: never a page holding a CSRF token,
a user's name or what only staff may see.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django_tenants.utils import schema_context

from apps.core.db import connection

T = TypeVar("T")

VERSION_TIMEOUT = 60 * 60 * 24 * 7
DEFAULT_TIMEOUT = 5 * 60

_scopes: set[str] = set()  # every scope with models registered, for bump_all


def _version_key(scope: str) -> str:
    return f"scope-version:{scope}"


def version(scope: str) -> int:
    """The current version of `scope` in this tenant. A lost version (eviction, a new cache)
    restarts from the clock, so it can never fall back to a version that was used before."""
    key = _version_key(scope)
    value = cache.get(key)
    if value is None:
        cache.add(key, time.time_ns(), VERSION_TIMEOUT)
        value = cache.get(key, time.time_ns())
    return int(value)


def _move(scope: str) -> None:
    key = _version_key(scope)
    current = int(cache.get(key) or 0)
    cache.set(key, max(time.time_ns(), current + 1), VERSION_TIMEOUT)


def bump(scope: str) -> None:
    """Make every answer cached for `scope` in this tenant stale: at once (so the writing
    transaction reads its own writes) and again once it commits (so nothing a concurrent reader
    cached meanwhile from the old rows survives under the version of the first bump). The
    after-commit move is queued once per transaction, however many rows it saves."""
    schema = connection.schema_name
    _move(scope)
    mark = (schema, scope)
    if any(getattr(callback, "cache_scope", None) == mark for _ids, callback, _robust in connection.run_on_commit):
        return

    def after_commit() -> None:
        with schema_context(schema):
            _move(scope)

    after_commit.cache_scope = mark  # type: ignore[attr-defined]
    transaction.on_commit(after_commit)


def bump_on_change(scope: str, *models: type[Model]) -> None:
    """Bump `scope` whenever a row of one of `models` is saved or deleted (admin edits included).
    Writers that use `QuerySet.update()` bypass signals and must call `bump` themselves."""

    def handler(sender: type[Model], **kwargs: Any) -> None:
        if not kwargs.get("raw"):
            bump(scope)

    _scopes.add(scope)
    for model in models:
        uid = f"cache-scope:{scope}:{model._meta.label}"
        post_save.connect(handler, sender=model, weak=False, dispatch_uid=uid)
        post_delete.connect(handler, sender=model, weak=False, dispatch_uid=uid + ":delete")


def bump_all() -> None:
    """Every registered scope of this tenant (its data was replaced wholesale, e.g. restored)."""
    for scope in sorted(_scopes):
        bump(scope)


def cache_key(scope: str, parts: Iterable[object]) -> str:
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:32]
    return f"scoped:{scope}:{version(scope)}:{digest}"


def request_parts(request: HttpRequest) -> tuple[object, ...]:
    """What a cached answer to `request` depends on besides the data: the absolute URLs it may
    hold (scheme, host), the language and the query string."""
    return (request.scheme, request.get_host(), get_language(), sorted(request.GET.lists()))


def fragment(scope: str, parts: Iterable[object], template: str, context: Callable[[], dict[str, Any]]) -> SafeString:
    """`template` rendered with `context()`, cached like `cached` (per language too). Rendered
    without a request: a fragment holds no CSRF token and nothing about the visitor."""
    html = cached(scope, (template, get_language(), *parts), lambda: render_to_string(template, context()))
    return mark_safe(html)  # noqa: S308 - rendered from our own autoescaped templates


def cached(scope: str, parts: Iterable[object], build: Callable[[], T], *, timeout: int = DEFAULT_TIMEOUT) -> T:
    """`build()`, or what it returned before for the same `parts` at the scope's current version.
    `parts` must hold everything the answer depends on besides the scope's data (query, language,
    host, page)."""
    key = cache_key(scope, parts)
    hit = cache.get(key)
    if hit is not None:
        return hit
    value = build()
    cache.set(key, value, timeout)
    return value
