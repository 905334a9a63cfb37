"""apps.core.cache_scopes: versions per tenant and scope, bumped at once and after commit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from apps.core import cache_scopes
from apps.tenancy.models import Tenant

pytestmark = pytest.mark.django_db


def _counter() -> tuple[list[int], Callable[[], int]]:
    calls: list[int] = []

    def build() -> int:
        calls.append(1)
        return len(calls)

    return calls, build


def test_cached_builds_once_per_version_and_parts(tenant_a: Tenant) -> None:
    calls, build = _counter()
    with tenant_a:
        assert cache_scopes.cached("test", ["q=1"], build) == 1
        assert cache_scopes.cached("test", ["q=1"], build) == 1
        assert cache_scopes.cached("test", ["q=2"], build) == 2
        cache_scopes.bump("test")
        assert cache_scopes.cached("test", ["q=1"], build) == 3
    assert len(calls) == 3


def test_bump_moves_the_version_now_and_again_after_commit(
    tenant_a: Tenant, django_capture_on_commit_callbacks: Any
) -> None:
    with tenant_a:
        before = cache_scopes.version("test")
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            cache_scopes.bump("test")
        during = cache_scopes.version("test")
        assert during > before and len(callbacks) == 1
        callbacks[0]()
        assert cache_scopes.version("test") > during


def test_versions_and_answers_are_per_tenant(tenant_a: Tenant, tenant_b: Tenant) -> None:
    with tenant_a:
        assert cache_scopes.cached("test", ["same"], lambda: "A") == "A"
        version_a = cache_scopes.version("test")
    with tenant_b:
        assert cache_scopes.cached("test", ["same"], lambda: "B") == "B"
        cache_scopes.bump("test")
    with tenant_a:
        assert cache_scopes.version("test") == version_a
        assert cache_scopes.cached("test", ["same"], lambda: "rebuilt") == "A"


def test_a_lost_version_never_comes_back_to_an_old_one(tenant_a: Tenant) -> None:
    from django.core.cache import cache

    with tenant_a:
        old = cache_scopes.version("test")
        cache.delete(cache_scopes._version_key("test"))  # evicted
        assert cache_scopes.version("test") > old


def test_bump_all_moves_every_registered_scope(tenant_a: Tenant) -> None:
    with tenant_a:
        before = {scope: cache_scopes.version(scope) for scope in cache_scopes._scopes}
        assert "reports" in before  # registered by ReportsConfig.ready()
        cache_scopes.bump_all()
        assert all(cache_scopes.version(scope) > v for scope, v in before.items())


def test_a_transaction_queues_one_after_commit_move_per_scope(
    tenant_a: Tenant, django_capture_on_commit_callbacks: Any
) -> None:
    """A bulk write (an import saving 1,500 products) bumps on every row; only the first queues
    the after-commit move, and every bump still moves the version at once."""
    with tenant_a:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            seen = []
            for _ in range(5):
                cache_scopes.bump("test")
                seen.append(cache_scopes.version("test"))
            cache_scopes.bump("other")
        assert len(callbacks) == 2 and seen == sorted(set(seen))
