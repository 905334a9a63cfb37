"""What one PostgreSQL connection costs after it has served N tenants (not a test).

PostgreSQL caches, per backend, the catalog entries of every relation it has opened (relcache,
catcache, the planner's index lists) and never gives them back while the backend lives. With
one schema per tenant every tenant's tables are distinct relations, so a connection reused
across tenants grows with the number of tenants it has served. This measures that growth:

* a throw-away database: `migrate` (public schema and the tenant template), then N copies of
  the kelurahan template schema made the way new tenants are (apps.tenancy.schemas.clone_template);
* for each checkpoint N, a fresh connection that, tenant after tenant, sets the search_path and
  opens every table of the tenant schema (`SELECT 1 FROM t LIMIT 0`: parsing and planning open
  the table and its indexes, which is what caches their catalog) — the upper bound of what
  requests to that tenant leave behind;
* then that backend's memory: the CacheMemoryContext tree and the whole backend from
  pg_backend_memory_contexts (PostgreSQL 14+), and its private resident memory (RssAnon in
  /proc/<pid>/status, when the server runs on this machine and /proc is readable).

    .venv/bin/python bench/connections.py [--database-url URL] [--tenants 300] [--keep]
    .venv/bin/python bench/connections.py --existing   # measure again what a --keep run left

Numbers go to docs/operations.md "Connections" (DATABASE_CONN_MAX_TENANTS is chosen from them).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

from benchlib import drop_database, log, recreate_database
from tenants import KIND, setup_django

BASE_DIR = Path(__file__).resolve().parent.parent
RESULTS_FILE = BASE_DIR / "bench" / "results" / "connections.json"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/kotakita_bench_connections"
PREFIX = "bench_conn_"

CACHE_SQL = """
SELECT coalesce(sum(total_bytes), 0) FROM pg_backend_memory_contexts
WHERE name = 'CacheMemoryContext' OR parent = 'CacheMemoryContext'
"""
TOTAL_SQL = "SELECT sum(total_bytes) FROM pg_backend_memory_contexts"


def rss_anon_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("RssAnon:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def make_schemas(count: int) -> list[str]:
    from django.db import connection

    from apps.tenancy import schemas

    names = [f"{PREFIX}{i:04d}" for i in range(count)]
    for index, name in enumerate(names, 1):
        schemas.clone_template(KIND, name)
        if index % 50 == 0:
            log(f"  {index} tenant schemas")
            connection.close()  # long cloning sessions grow too (bench/tenants.py fresh_session)
    return names


def existing_schemas() -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE starts_with(nspname, %s) ORDER BY 1", [PREFIX])
        return [row[0] for row in cursor.fetchall()]


def table_names(schema: str) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY 1", [schema])
        return [row[0] for row in cursor.fetchall()]


def measure(url: str, schemas: list[str], tables: list[str]) -> dict[str, Any]:
    import psycopg
    from psycopg import sql

    with psycopg.connect(url, autocommit=True) as conn:
        pid = conn.info.backend_pid
        conn.execute("SET search_path = public")
        conn.execute("SELECT 1")
        start_cache = int(conn.execute(CACHE_SQL).fetchone()[0])  # type: ignore[index]
        start_total = int(conn.execute(TOTAL_SQL).fetchone()[0])  # type: ignore[index]
        start_rss = rss_anon_kb(pid)
        started = time.perf_counter()
        for schema in schemas:
            conn.execute(sql.SQL("SET search_path = {}, public").format(sql.Identifier(schema)))
            for table in tables:
                conn.execute(sql.SQL("SELECT 1 FROM {} LIMIT 0").format(sql.Identifier(table)))
        elapsed = time.perf_counter() - started
        cache = int(conn.execute(CACHE_SQL).fetchone()[0])  # type: ignore[index]
        total = int(conn.execute(TOTAL_SQL).fetchone()[0])  # type: ignore[index]
        rss = rss_anon_kb(pid)
    n = len(schemas)
    return {
        "tenants": n,
        "cache_mb": cache / 2**20,
        "backend_total_mb": total / 2**20,
        "rss_anon_mb": (rss / 1024) if rss is not None else None,
        "growth_per_tenant_mb": ((total - start_total) / 2**20 / n) if n else 0.0,
        "cache_growth_per_tenant_mb": ((cache - start_cache) / 2**20 / n) if n else 0.0,
        "rss_growth_per_tenant_mb": ((rss - start_rss) / 1024 / n) if n and rss and start_rss else None,
        "first_touch_ms_per_tenant": (elapsed * 1000 / n) if n else 0.0,
    }


def warm_touch_ms(url: str, schema: str, tables: list[str]) -> float:
    """The same tenant touched again on a connection that has it cached: the reuse saving."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(url, autocommit=True) as conn:
        for _ in range(2):
            started = time.perf_counter()
            conn.execute(sql.SQL("SET search_path = {}, public").format(sql.Identifier(schema)))
            for table in tables:
                conn.execute(sql.SQL("SELECT 1 FROM {} LIMIT 0").format(sql.Identifier(table)))
            elapsed = time.perf_counter() - started
    return elapsed * 1000


def connect_ms(url: str, samples: int = 20) -> float:
    import psycopg

    times = []
    for _ in range(samples):
        started = time.perf_counter()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("SELECT 1")
        times.append(time.perf_counter() - started)
    return sorted(times)[len(times) // 2] * 1000


def render(results: dict[str, Any]) -> str:
    lines = [
        f"tenant schema: {results['tables_per_tenant']} tables; connect (p50): {results['connect_ms']:.1f} ms; "
        f"one tenant's tables, warm: {results['warm_touch_ms']:.1f} ms",
        "",
        "| tenants touched | CacheMemoryContext | backend total | RssAnon | per tenant | first touch / tenant |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for row in results["checkpoints"]:
        rss = f"{row['rss_anon_mb']:.0f} MB" if row["rss_anon_mb"] is not None else "n/a"
        lines.append(
            f"| {row['tenants']} | {row['cache_mb']:.1f} MB | {row['backend_total_mb']:.1f} MB | {rss} "
            f"| {row['growth_per_tenant_mb']:.2f} MB | {row['first_touch_ms_per_tenant']:.1f} ms |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL, help="dropped and re-created!")
    parser.add_argument("--tenants", type=int, default=300, help="tenant schemas to create")
    parser.add_argument("--checkpoints", default="1,10,50,100,200,300")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database afterwards")
    parser.add_argument(
        "--existing", action="store_true", help="measure the tenant schemas a kept (--keep) run left, make none"
    )
    args = parser.parse_args(argv)
    if not args.existing:
        log(f"(re)creating database {args.database_url.rsplit('/', 1)[-1]}")
        recreate_database(args.database_url)
    django_ready = False
    try:
        setup_django(args.database_url)
        django_ready = True
        from django.core.management import call_command

        from apps.tenancy import schemas

        template = schemas.template_schema(KIND)
        if args.existing:
            names = existing_schemas()
            tables = table_names(template)
        else:
            log("migrate (public schema and tenant templates)")
            call_command("migrate", verbosity=0)
            tables = table_names(template)
            log(f"{args.tenants} tenant schemas of {len(tables)} tables")
            names = make_schemas(args.tenants)
        log(f"{len(names)} tenant schemas of {len(tables)} tables")
        checkpoints = sorted({min(int(n), len(names)) for n in args.checkpoints.split(",") if n.strip()})
        from django.db import connections

        connections.close_all()
        results: dict[str, Any] = {
            "tables_per_tenant": len(tables),
            "connect_ms": connect_ms(args.database_url),
            "warm_touch_ms": warm_touch_ms(args.database_url, names[0], tables),
            "load": os.getloadavg(),
            "checkpoints": [],
        }
        for n in checkpoints:
            log(f"touching {n} tenants on a fresh connection")
            results["checkpoints"].append(measure(args.database_url, names[:n], tables))
        print()
        print(render(results))
        RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
        RESULTS_FILE.write_text(json.dumps(results, indent=2) + "\n")
        print(f"\nJSON: {RESULTS_FILE.relative_to(BASE_DIR)}")
    finally:
        if not (args.keep or args.existing):
            if django_ready:
                from django.db import connections

                connections.close_all()
            drop_database(args.database_url)
            log("benchmark database dropped")


if __name__ == "__main__":
    main()
