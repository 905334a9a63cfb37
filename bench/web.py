"""Web throughput benchmark: the production stack under load, page by page (not a test).

What it does, in one run:

* builds pilot-sized data in its own database (bench/webseed.py: one kelurahan of Kota Madiun
  with 300 shops, 3,000 products, 1,000 orders and 300 laporan warga, all through the
  project's services) or reuses the database a previous `--keep-db` run left, when its counts
  still match (`--rebuild` forces a new one);
* starts gunicorn exactly as deployed (`deploy/gunicorn.conf.py`: gthread, by default 2
  workers × 4 threads) with the production settings and the production environment of
  tests/core/test_deploy_checks.py (`PRODUCTION_ENV`), changed only where a benchmark must:
  the database, a real Redis (`--redis-url`) as cache and broker, a loopback port, worker
  recycling off (GUNICORN_MAX_REQUESTS=0), the anonymous/user API throttles raised (every
  request comes from one address), STATIC_ROOT in a temporary folder after `collectstatic`
  (whitenoise serves it), and access/app logs written to a temporary file;
* signs a lurah and a warga in through the real sign-in form (CSRF, PBKDF2, axes);
* drives every page with a small asyncio HTTP/1.1 keep-alive client (one connection per
  concurrent client, every request sent as from behind the TLS proxy: `X-Forwarded-Proto:
  https`, the tenant's Host) at each concurrency for `--duration` seconds, after an untimed
  warm-up per page (each of its paths once, then `--warmup` seconds at 4 clients): pages are
  measured with warm caches, as a running site serves them (apps.core.cache_scopes);
* prints per page and concurrency: requests/s, p50/p95/p99 latency, errors (any answer but
  200, and failed connections), and req/s as a ratio of `/admin/login/` (the Django baseline:
  a form, no queries of ours) and of a static file (the whitenoise baseline) measured in the
  same run at the same concurrency; then the targets at concurrency 1 (HTML pages ≥ 0.5× the
  admin login, API lists and Open311 ≥ 0.3×, 0 errors) as PASS/FAIL.

The exit code is 0 even when a target fails (the summary line says so); it is 2 when the
benchmark itself could not run. `--profile` then profiles chosen pages in-process (query
count, cProfile) to show where their time goes.

Run from the repository root (PostgreSQL on 127.0.0.1:5432, user postgres; Redis on 6379):

    .venv/bin/python bench/web.py [--duration 5] [--concurrency 1,8,32] [--pages home,pasar]
                                  [--workers 2 --threads 4] [--rebuild] [--keep-db]
                                  [--profile home,dashboard] [--database-url URL] [--redis-url URL]

Without --database-url the database is `kotakita_bench_web` on the server DATABASE_URL points
at (or 127.0.0.1:5432). It is dropped at the end unless --keep-db. Results are printed and
written to bench/results/web.json.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import platform
import signal
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import webseed
from benchlib import drop_database, log, recreate_database
from webload import Cell, Page, measure, sign_in
from webserver import Server

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

RESULTS_FILE = BASE_DIR / "bench" / "results" / "web.json"
DEFAULT_DATABASE_NAME = "kotakita_bench_web"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"
BASE_DOMAIN = "kotakita.example"
TARGETS = {"html": 0.5, "api": 0.3, "open311": 0.3}


def production_env() -> dict[str, str]:
    """`PRODUCTION_ENV` of tests/core/test_deploy_checks.py, read without importing the test."""
    source = (BASE_DIR / "tests" / "core" / "test_deploy_checks.py").read_text(encoding="utf-8")
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "PRODUCTION_ENV" for t in node.targets):
            value = ast.literal_eval(node.value)
            assert isinstance(value, dict)
            return {str(k): str(v) for k, v in value.items()}
    raise SystemExit("PRODUCTION_ENV not found in tests/core/test_deploy_checks.py")


def default_database_url() -> str:
    base = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres"
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, "/" + DEFAULT_DATABASE_NAME, parts.query, ""))


# --- data -----------------------------------------------------------------------------------


def setup_django(url: str, secrets: dict[str, str]) -> None:
    """Django in this process (local settings, DEBUG off) for building and profiling. It shares
    the production secrets, so what it writes reads the same in the served site."""
    os.environ.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DEBUG="false",
        KOTAKITA_BASE_DOMAIN=BASE_DOMAIN,
        TENANT_SCHEMA_POOL_REFILL="false",
        TENANT_SCHEMA_POOL_SIZE="0",
        **{k: secrets[k] for k in ("SECRET_KEY", "PERMITS_NIK_KEYS", "NIK_HMAC_KEY", "ANALYTICS_ENTITY_KEY")},
    )
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ.pop("REDIS_URL", None)  # eager Celery and an in-process cache while building
    import logging

    import django

    django.setup()
    for name in ("apps", "kotakita", "django.request", "celery"):
        logging.getLogger(name).setLevel(logging.ERROR)


def database_exists(url: str) -> bool:
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(("postgresql", parts.netloc, "/postgres", parts.query, ""))
    with psycopg.connect(admin, autocommit=True) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [parts.path.lstrip("/")]).fetchone()
    return row is not None


def prepare_data(args: argparse.Namespace) -> tuple[Any, bool]:
    """The kelurahan tenant, and whether it was built now (False: reused)."""
    from django.core.management import call_command
    from django.db import connection, connections

    if not args.rebuild and database_exists(args.database_url):
        log("database exists: migrate (no-op when current) and check its size")
        call_command("migrate", verbosity=0)
        connection.set_schema_to_public()
        tenant = webseed.bench_tenant()
        if tenant is not None:
            sizes = webseed.current_sizes(tenant)
            if sizes == webseed.EXPECTED:
                log(f"reusing it: {sizes}")
                return tenant, False
            log(f"wrong size ({sizes}), rebuilding")
        connections.close_all()
    log("(re)creating the database and migrating")
    recreate_database(args.database_url)
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    tenant = webseed.build()
    log(f"data built in {time.perf_counter() - started:.0f} s: {webseed.current_sizes(tenant)}")
    return tenant, True


def page_fixtures(tenant: Any) -> dict[str, Any]:
    """Ids, slugs and words the pages rotate through (read before the server starts)."""
    from apps.marketplace.models import Product, Shop
    from apps.reports.models import Report
    from apps.tenancy.models import Domain

    domain = Domain.objects.filter(tenant=tenant, is_primary=True).values_list("domain", flat=True).first()
    if domain is None:
        domain = Domain.objects.filter(tenant=tenant).values_list("domain", flat=True).first()
    with tenant:
        products = list(Product.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True)[::60])
        shops = list(Shop.objects.filter(is_active=True).order_by("pk").values_list("slug", flat=True)[::15])
        reports = list(Report.objects.order_by("pk").values_list("code", flat=True)[::15])
    words = ["pecel", "brem", "keripik", "kopi", "batik", "sambal", "gula aren", "emping", "madumongso", "wingko"]
    return {
        "host": domain,
        "products": products,
        "shops": shops,
        "reports": reports,
        "words": words,
        "lurah": webseed.LURAH,
        "warga": webseed.WARGA,
        "password": webseed.BENCH_PASSWORD,
    }


def static_path() -> str:
    return "/static/css/kotakita.css"


def pages(fx: dict[str, Any]) -> list[Page]:
    """Every page of the benchmark: (name, kind, paths rotated per request, signed-in user)."""
    from urllib.parse import quote

    return [
        Page("admin_login", "baseline", ["/admin/login/"]),
        Page("static", "baseline", [static_path()]),
        Page("home", "html", ["/"]),
        Page("dashboard", "html", ["/dasbor/"], user="lurah"),
        Page("pasar", "html", ["/pasar/"]),
        Page("product", "html", [f"/pasar/produk/{pk}/" for pk in fx["products"]]),
        Page("search", "html", [f"/pasar/?q={quote(w)}" for w in fx["words"]]),
        Page("shop", "html", [f"/pasar/toko/{slug}/" for slug in fx["shops"]]),
        Page("laporan", "html", ["/laporan/"]),
        Page("report", "html", [f"/laporan/{code}/" for code in fx["reports"]]),
        Page("pasar_warga", "html", ["/pasar/"], user="warga"),
        Page("orders_warga", "html", ["/pasar/pesanan/"], user="warga"),
        # The marketplace API is for signed-in users (401 without); Open311 and reports are public.
        Page("api_products", "api", ["/api/v1/marketplace/products/"], user="warga"),
        Page("api_shops", "api", ["/api/v1/marketplace/shops/"], user="warga"),
        Page("api_reports", "api", ["/api/v1/reports/"]),
        Page("api_orders", "api", ["/api/v1/marketplace/orders/"], user="warga"),
        Page("api_permits", "api", ["/api/v1/permits/"], user="lurah"),
        Page("open311", "open311", ["/open311/v2/requests.json"]),
    ]


# --- report ---------------------------------------------------------------------------------


def ratio(cell: Cell, baseline: Cell | None) -> float:
    return cell.rps / baseline.rps if baseline and baseline.rps else float("nan")


def targets(cells: list[Cell], kinds: dict[str, str], level: int) -> list[tuple[str, bool, str]]:
    """(name, passed, detail) of every target at concurrency `level`."""
    at = {c.page: c for c in cells if c.concurrency == level}
    base = at.get("admin_login")
    out: list[tuple[str, bool, str]] = []
    for name, cell in at.items():
        kind = kinds[name]
        if kind in TARGETS and base is not None:
            r = ratio(cell, base)
            ok = r >= TARGETS[kind] and cell.errors == 0  # a fast error page is no pass
            detail = f"{r:.2f}×" + (f", {cell.errors} errors" if cell.errors else "")
            out.append((f"{name} ≥ {TARGETS[kind]}× admin_login", ok, detail))
    out.append(
        (
            f"0 errors at concurrency {level}",
            all(c.errors == 0 for c in at.values()),
            ", ".join(f"{c.page}: {c.errors}" for c in at.values() if c.errors) or "none",
        )
    )
    return out


def render(report: dict[str, Any], cells: list[Cell], kinds: dict[str, str]) -> str:
    lines = [
        f"KotaKita web benchmark  ({report['started']}, PostgreSQL {report['postgres']}, {report['cpus']} CPUs, "
        f"gunicorn gthread {report['workers']}×{report['threads']}, {report['duration_s']:g} s per cell)",
        f"Data: {report['data']}",
        "",
        f"{'page':<14} | {'kind':<8} | {'conc':>4} | {'n':>6} | {'req/s':>7} | {'p50 ms':>7} | {'p95 ms':>7} | "
        f"{'p99 ms':>7} | {'err':>4} | {'÷admin':>6} | {'÷static':>7}",
        "-" * 110,
    ]
    by_level: dict[int, dict[str, Cell]] = {}
    for cell in cells:
        by_level.setdefault(cell.concurrency, {})[cell.page] = cell
    for cell in sorted(cells, key=lambda c: (list(kinds).index(c.page), c.concurrency)):
        at = by_level[cell.concurrency]
        lines.append(
            f"{cell.page:<14} | {kinds[cell.page]:<8} | {cell.concurrency:>4} | {cell.n:>6} | {cell.rps:>7.1f} | "
            f"{cell.p50 * 1000:>7.1f} | {cell.p95 * 1000:>7.1f} | {cell.p99 * 1000:>7.1f} | {cell.errors:>4} | "
            f"{ratio(cell, at.get('admin_login')):>5.2f}× | {ratio(cell, at.get('static')):>6.3f}×"
        )
    lines += ["", "Errors: any answer but 200 (counted per status in the JSON) or a failed connection."]
    level = min(by_level)
    lines += ["", f"Targets at concurrency {level} (HTML ≥ 0.5×, API lists and Open311 ≥ 0.3× /admin/login/):"]
    results = targets(cells, kinds, level)
    lines += [f"  {'PASS' if ok else 'FAIL'}  {name:<34} {detail}" for name, ok, detail in results]
    failed = sum(1 for _n, ok, _d in results if not ok)
    lines += ["", f"{failed} target(s) FAILED (exit code is 0 regardless)." if failed else "All targets PASS."]
    load = ", ".join(f"{a:.1f}/{b:.1f}" for a, b in zip(report["load_before"], report["load_after"], strict=True))
    lines += [f"Load average (1/5/15 min) before/after: {load}; whole run {report['total_s']:.0f} s."]
    return "\n".join(lines)


# --- main -----------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--database-url", default=default_database_url(), help="its own database (never 'postgres')")
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL, help="cache and broker of the served site")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per page and concurrency")
    parser.add_argument("--requests", type=int, default=0, help="stop a cell after this many requests (0: no cap)")
    parser.add_argument("--warmup", type=float, default=1.0, help="untimed seconds per page before its cells")
    parser.add_argument("--concurrency", default="1,8,32", help="concurrent clients, comma-separated")
    parser.add_argument("--pages", default="", help="subset of pages, comma-separated (baselines always run)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument("--rebuild", action="store_true", help="build the data even if a matching database exists")
    parser.add_argument("--keep-db", action="store_true", help="keep the database for the next run")
    parser.add_argument(
        "--profile", default="", help="pages to profile in-process afterwards ('failed': those missing)"
    )
    args = parser.parse_args(argv)
    args.concurrency = sorted({int(n) for n in args.concurrency.split(",") if n.strip()})
    if not args.concurrency or args.concurrency[0] < 1 or args.concurrency[-1] > 256:
        parser.error("--concurrency must be between 1 and 256")
    args.pages = [p.strip() for p in args.pages.split(",") if p.strip()]
    args.profile = [p.strip() for p in args.profile.split(",") if p.strip()]
    return args


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(f"stopped by signal {signum}")  # so `finally` stops gunicorn


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    started = time.perf_counter()
    secrets = production_env()
    url = urlsplit(args.database_url)
    database = f"{url.hostname}:{url.port or 5432}{url.path}"
    log(f"database {database}")
    setup_django(args.database_url, secrets)
    from django.db import connection, connections

    server: Server | None = None
    try:
        tenant, built = prepare_data(args)
        fx = page_fixtures(tenant)
        data = webseed.describe(tenant)
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            postgres = str(cursor.fetchone()[0])
        all_pages = pages(fx)
        unknown = set(args.pages) - {p.name for p in all_pages}
        if unknown:
            raise SystemExit(f"unknown pages: {', '.join(sorted(unknown))}; known: {[p.name for p in all_pages]}")
        chosen = [p for p in all_pages if p.kind == "baseline" or not args.pages or p.name in args.pages]
        connections.close_all()

        server = Server(BASE_DIR, secrets, args.database_url, args.redis_url, args.workers, args.threads, fx["host"])
        server.start()
        cookies = {who: sign_in(server.port, fx["host"], fx[who], fx["password"]) for who in ("lurah", "warga")}
        log(f"signed in as {fx['lurah']} and {fx['warga']} through /akun/masuk/")
        load_before = os.getloadavg()
        cells = measure(server.port, fx["host"], chosen, cookies, args)
        load_after = os.getloadavg()
        server_errors = server.error_lines()
        server.stop()
        server = None

        kinds = {p.name: p.kind for p in chosen}
        report: dict[str, Any] = {
            "started": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "database": database,
            "postgres": postgres,
            "python": platform.python_version(),
            "cpus": os.cpu_count() or 0,
            "workers": args.workers,
            "threads": args.threads,
            "duration_s": args.duration,
            "data": data + (" (built now)" if built else " (reused)"),
            "load_before": load_before,
            "load_after": load_after,
            "total_s": time.perf_counter() - started,
        }
        print()
        print(render(report, cells, kinds))
        if server_errors:
            print("\nServer log, error lines (first 20):")
            print("\n".join(server_errors[:20]))
        report["cells"] = [c.as_dict() for c in cells]
        report["targets"] = [
            {"target": n, "pass": ok, "detail": d} for n, ok, d in targets(cells, kinds, min(args.concurrency))
        ]
        RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
        RESULTS_FILE.write_text(json.dumps(report, indent=2) + "\n")
        print(f"\nJSON: {RESULTS_FILE.relative_to(BASE_DIR)}")

        if args.profile:
            import webprofile

            missing = {
                n.split(" ")[0] for n, ok, _d in targets(cells, kinds, min(args.concurrency)) if not ok and " ≥ " in n
            }
            names = sorted(missing) if args.profile == ["failed"] else args.profile
            webprofile.profile(tenant, [p for p in all_pages if p.name in names], fx)
        return 0
    finally:
        if server is not None:
            server.stop()
        connections.close_all()
        if not args.keep_db:
            drop_database(args.database_url)
            log("benchmark database dropped (--keep-db keeps it for the next run)")


if __name__ == "__main__":
    sys.exit(main())
