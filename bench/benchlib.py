"""Helpers shared by the benchmark scripts in bench/ (not a test).

The scripts run as `.venv/bin/python bench/<name>.py` from the repository root, so Python puts
bench/ on sys.path and they import from here with `from benchlib import ...`:

* `percentile`: linear-interpolated percentiles of timing samples;
* `log`: progress lines stamped with the seconds since the benchmark started;
* `recreate_database` / `drop_database`: the throw-away PostgreSQL database a benchmark runs on,
  dropped and created through the server's `postgres` maintenance database (never that one).
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit, urlunsplit


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolated percentile (numpy's default method)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    pos = (len(ordered) - 1) * q / 100
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


_T0 = time.perf_counter()


def log(message: str) -> None:
    print(f"[{time.perf_counter() - _T0:7.1f} s] {message}", flush=True)


def _split_database_url(url: str) -> tuple[str, str]:
    """The database name and a URL of the same server's `postgres` maintenance database."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name or name == "postgres":
        raise SystemExit(f"refusing to drop/create database {name!r}: give the benchmark its own database")
    scheme = "postgresql" if parts.scheme in {"postgres", "postgresql", "pgsql"} else parts.scheme
    return name, urlunsplit((scheme, parts.netloc, "/postgres", parts.query, ""))


def recreate_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    name, admin_url = _split_database_url(url)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    name, admin_url = _split_database_url(url)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
