"""`bench/web.py --profile PAGES`: where a page's time goes, in-process (not a test).

For each page: the Django test client (local settings, DEBUG off, in-process cache) on the
benchmark's data, signed in as the page's user. One warm request, then
* the queries of one request (count, total ms, the statements repeated most);
* cProfile over `ROUNDS` requests: the functions of our code (apps/, templates, config/) and
  Django's template and ORM layers with the most cumulative time.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import re
import time
from collections import Counter
from typing import Any

from webload import Page

ROUNDS = 20


def _client(fx: dict[str, Any], tenant: Any, user: str | None) -> Any:
    from django.test import Client

    from apps.accounts.models import User

    client = Client(HTTP_HOST=fx["host"])
    if user:
        with tenant:
            client.force_login(User.objects.get(username=fx[user]))
    return client


def profile(tenant: Any, chosen: list[Page], fx: dict[str, Any]) -> None:
    from django.db import connection

    if not chosen:
        print("\nProfile: no page to profile.")
        return
    for page in chosen:
        client = _client(fx, tenant, page.user)
        path = page.paths[0]
        accept = "application/json" if page.kind in {"api", "open311"} else "text/html"
        first = client.get(path, HTTP_ACCEPT=accept)  # warm: templates, caches
        captured: list[tuple[str, float]] = []

        def record(execute: Any, sql: Any, params: Any, many: Any, ctx: Any, captured: list[Any] = captured) -> Any:
            started = time.perf_counter()
            try:
                return execute(sql, params, many, ctx)
            finally:
                captured.append((str(sql), time.perf_counter() - started))

        with connection.execute_wrapper(record):
            client.get(path, HTTP_ACCEPT=accept)
        sql = Counter(re.sub(r"\d+", "N", statement)[:160] for statement, _t in captured)
        db_ms = sum(t for _s, t in captured) * 1000
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        for _ in range(ROUNDS):
            client.get(path, HTTP_ACCEPT=accept)
        profiler.disable()
        per_request = (time.perf_counter() - started) / ROUNDS * 1000
        print(
            f"\n=== {page.name} {path} (status {first.status_code}): {per_request:.1f} ms/request in-process, "
            f"{len(captured)} queries ({db_ms:.1f} ms in the database)"
        )
        for statement, count in sql.most_common(5):
            print(f"  {count:>3}× {statement}")
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(
            r"apps/|templates|config/|django/template/(base|loader_tags)|"
            r"django/db/models/(query|sql/compiler)",
            25,
        )
        lines = [line for line in out.getvalue().splitlines() if re.match(r"\s*\d", line)]
        print("  cumulative top (ncalls, tottime, percall, cumtime, percall, function), per 20 requests:")
        for line in lines[:25]:
            print("   " + line.strip()[:170])
