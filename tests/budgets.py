"""Query budgets for lists: a list must cost the same number of queries at n and at 10n items.

    def test_orders_list_budget(client_a, ...):
        assert_list_budget(
            fetch=lambda: client_a.get("/api/v1/orders/"),
            grow=lambda count: make_orders(count),
        )

`grow(k)` adds k more items the list shows (committed or not: the test's transaction is fine).
The list is fetched once before counting (warm caches: content types, sessions, tenant lookup),
then at n and at 10n items; both counts must be within `budget` and equal, so a per-row query
cannot hide under a generous budget. Lists cached by `apps.core.cache_scopes` are counted as
built (the cache bypassed): a cache miss pays that cost, and a hit would hide an N+1.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from unittest import mock

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

LIST_BUDGET = 12


def _build(scope: str, parts: Any, build: Callable[[], Any], **options: Any) -> Any:
    return build()


def count_queries(fetch: Callable[[], Any]) -> tuple[int, Any, list[str]]:
    with mock.patch("apps.core.cache_scopes.cached", _build), CaptureQueriesContext(connection) as captured:
        result = fetch()
    return len(captured.captured_queries), result, [q["sql"] for q in captured.captured_queries]


def _ok(result: Any) -> None:
    status = getattr(result, "status_code", 200)
    assert status == 200, f"list answered {status}: {getattr(result, 'content', b'')[:300]!r}"


def assert_list_budget(
    fetch: Callable[[], Any],
    grow: Callable[[int], None],
    n: int = 3,
    budget: int = LIST_BUDGET,
) -> tuple[int, int]:
    """Fetch the list at n and at 10n items; return the two query counts."""
    # Counted as production runs: one `SET search_path` per schema switch, not per query.
    assert settings.TENANT_LIMIT_SET_CALLS
    grow(n)
    _ok(fetch())  # warm-up: first-request caches are not the list's cost
    at_n, result, _ = count_queries(fetch)
    _ok(result)
    grow(9 * n)
    at_10n, result, sql = count_queries(fetch)
    _ok(result)
    listing = "\n".join(sql)
    assert at_10n <= budget, f"{at_10n} queries at {10 * n} items (budget {budget}):\n{listing}"
    assert at_10n == at_n, f"{at_n} queries at {n} items but {at_10n} at {10 * n}:\n{listing}"
    return at_n, at_10n
