"""Checkout benchmark: place-order latency under concurrent buyers (not a test).

What it measures, in one run, on its own throw-away database:

* `apps.marketplace.services.place_orders` — the Saleor-pattern checkout: the orders, their
  lines and payment requests are written, then the stock rows are locked in primary-key order
  (`SELECT ... FOR UPDATE`), checked and allocated; commit releases the locks.
* at 1, 8 and 32 concurrent buyers (threads, each with its own database connection, all
  released at once by a barrier), in two scenarios:
  - **hot**: every buyer orders the same product (one stock row: every checkout waits for the
    one before it — the worst case for the lock);
  - **spread**: each buyer orders a random product of 500 (contention is rare).
* p50 and p95 latency of one `place_orders` call (wall clock, in the buyer's thread), orders
  per second over the whole level, and p50/p95 ratios against the 1-buyer baseline of the
  same scenario measured in the same run.

Stock is large enough never to run out, so every sample is a successful order (the
insufficient-stock path is covered by tests/marketplace/test_concurrency.py).

Run from the repository root (PostgreSQL on 127.0.0.1:5432, user postgres):

    .venv/bin/python bench/checkout.py [--levels 1,8,32] [--orders 20] [--keep]
                                       [--database-url postgres://postgres@127.0.0.1:5432/kotakita_bench_checkout]

`--orders` is per buyer at each level (default: 20 × buyers, at least 200 samples per cell).
The database named in the URL is dropped and re-created at the start and dropped at the end
(unless --keep). Results are printed and written to bench/results/checkout.json.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import random
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from benchlib import drop_database, log, percentile, recreate_database

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

RESULTS_FILE = BASE_DIR / "bench" / "results" / "checkout.json"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/kotakita_bench_checkout"
KELURAHAN = "35.77.03.1001"  # Mojorejo
SPREAD_PRODUCTS = 500
STOCK = 1_000_000
MIN_SAMPLES = 200


@dataclass
class Cell:
    scenario: str
    buyers: int
    samples: list[float]
    wall_s: float
    errors: int = 0

    @property
    def p50(self) -> float:
        return percentile(self.samples, 50)

    @property
    def p95(self) -> float:
        return percentile(self.samples, 95)

    @property
    def throughput(self) -> float:
        return len(self.samples) / self.wall_s if self.wall_s else 0.0

    def as_dict(self, baseline: Cell) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "buyers": self.buyers,
            "n": len(self.samples),
            "errors": self.errors,
            "p50_ms": self.p50 * 1000,
            "p95_ms": self.p95 * 1000,
            "orders_per_s": self.throughput,
            "p50_over_1_buyer": self.p50 / baseline.p50,
            "p95_over_1_buyer": self.p95 / baseline.p95,
        }


@dataclass
class Report:
    started: str
    database: str
    postgres: str
    python: str
    cpus: int
    load_before: tuple[float, float, float]
    cells: list[Cell] = field(default_factory=list)
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    setup_s: float = 0.0
    total_s: float = 0.0

    def baseline(self, scenario: str) -> Cell:
        return min((c for c in self.cells if c.scenario == scenario), key=lambda c: c.buyers)

    def as_dict(self) -> dict[str, Any]:
        return {
            "started": self.started,
            "database": self.database,
            "postgres": self.postgres,
            "python": self.python,
            "cpus": self.cpus,
            "load_avg_before": self.load_before,
            "load_avg_after": self.load_after,
            "setup_s": self.setup_s,
            "total_s": self.total_s,
            "cells": [c.as_dict(self.baseline(c.scenario)) for c in self.cells],
        }


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["TENANT_SCHEMA_POOL_REFILL"] = "false"
    os.environ["TENANT_SCHEMA_POOL_SIZE"] = "0"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ.pop("REDIS_URL", None)  # eager Celery: nothing leaves the process
    import django

    django.setup()
    logging.getLogger("apps.tenancy").setLevel(logging.WARNING)


def seed() -> tuple[Any, list[int], int, list[Any]]:
    """A kelurahan with one shop: a hot product, SPREAD_PRODUCTS others, and buyers."""
    from django.db import connection

    from apps.accounts.models import User
    from apps.accounts.roles import Role
    from apps.accounts.services import create_user
    from apps.marketplace import services
    from apps.marketplace.models import Stock, Variant
    from apps.tenancy.services import activate_region

    connection.set_schema_to_public()
    tenant = activate_region(KELURAHAN, refill_pool=False).tenant
    with tenant:
        seller = create_user(username="bench-sri", roles=[Role.PEMILIK_UMKM])
        shop = services.open_shop(seller, name="Pecel Bench", address="Jl. Bench 1")
        hot = services.create_product(
            shop, seller, name="Brem Madiun", variants=[services.VariantSpec(sku="HOT", price=20_000, stock=STOCK)]
        )
        spread = []
        for i in range(SPREAD_PRODUCTS):
            made = services.create_product(
                shop,
                seller,
                name=f"Produk {i:03d}",
                variants=[services.VariantSpec(sku=f"P{i:03d}", price=10_000 + i, stock=STOCK)],
            )
            spread.append(made.variants.get().pk)
        buyers = [User.objects.create(username=f"bench-buyer-{i:03d}") for i in range(64)]
        assert Stock.objects.count() == SPREAD_PRODUCTS + 1
        hot_variant = Variant.objects.get(product=hot).pk
    connection.set_schema_to_public()
    return tenant, spread, hot_variant, buyers


def run_level(tenant: Any, scenario: str, buyers: list[Any], variant_for: Any, per_buyer: int) -> Cell:
    """Every buyer on its own thread and connection places `per_buyer` orders, one at a time."""
    from django.db import connection

    from apps.marketplace import services

    samples: list[float] = []
    errors = 0
    lock = threading.Lock()
    barrier = threading.Barrier(len(buyers) + 1)

    def buyer_loop(index: int, buyer: Any) -> None:
        nonlocal errors
        rng = random.Random(index)
        mine: list[float] = []
        try:
            with tenant:
                connection.ensure_connection()
                barrier.wait(timeout=120)
                for n in range(per_buyer):
                    variant = variant_for(rng)
                    key = f"bench-{scenario}-{len(buyers)}-{buyer.pk}-{n}"
                    start = time.perf_counter()
                    try:
                        services.place_orders(buyer, [(variant, 1)], idempotency_key=key)
                    except Exception as exc:
                        with lock:
                            errors += 1
                        log(f"  error: {type(exc).__name__}: {exc}")
                        continue
                    mine.append(time.perf_counter() - start)
        finally:
            connection.close()
            with lock:
                samples.extend(mine)

    threads = [threading.Thread(target=buyer_loop, args=(i, b)) for i, b in enumerate(buyers)]
    for thread in threads:
        thread.start()
    barrier.wait(timeout=120)
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return Cell(scenario=scenario, buyers=len(buyers), samples=samples, wall_s=wall, errors=errors)


def render(report: Report) -> str:
    lines = [
        f"KotaKita checkout benchmark  ({report.started}, PostgreSQL {report.postgres}, {report.cpus} CPUs)",
        "place_orders(): orders + lines + payment request written, then stock rows locked in id order "
        "(SELECT ... FOR UPDATE) and allocated; one order of 1 unit per call.",
        "",
        f"{'scenario':<8} | {'buyers':>6} | {'n':>5} | {'p50 ms':>8} | {'p95 ms':>8} | "
        f"{'orders/s':>8} | {'p50 ×1':>7} | {'p95 ×1':>7} | {'errors':>6}",
        "-" * 90,
    ]
    for cell in report.cells:
        base = report.baseline(cell.scenario)
        lines.append(
            f"{cell.scenario:<8} | {cell.buyers:>6} | {len(cell.samples):>5} | {cell.p50 * 1000:>8.1f} | "
            f"{cell.p95 * 1000:>8.1f} | {cell.throughput:>8.1f} | {cell.p50 / base.p50:>6.1f}x | "
            f"{cell.p95 / base.p95:>6.1f}x | {cell.errors:>6}"
        )
    lines += [
        "",
        "hot = every buyer orders the same product (one stock row); spread = a random product of "
        f"{SPREAD_PRODUCTS}. ×1 = ratio to the 1-buyer p50/p95 of the same scenario, this run.",
    ]
    load = ", ".join(f"{a:.1f}/{b:.1f}" for a, b in zip(report.load_before, report.load_after, strict=True))
    lines += [f"Load average (1/5/15 min) before/after: {load}"]
    lines += [f"Setup {report.setup_s:.0f} s; whole run {report.total_s:.0f} s."]
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL, help="dropped and re-created!")
    parser.add_argument("--levels", default="1,8,32", help="concurrent buyers, comma-separated (max 64)")
    parser.add_argument("--orders", type=int, default=0, help="orders per buyer per level (0 = automatic)")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database afterwards")
    args = parser.parse_args(argv)
    args.levels = sorted({int(n) for n in args.levels.split(",") if n.strip()})
    if not args.levels or args.levels[0] < 1 or args.levels[-1] > 64:
        parser.error("--levels must be between 1 and 64")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    started = time.perf_counter()
    url = urlsplit(args.database_url)
    database = f"{url.hostname}:{url.port or 5432}/{url.path.lstrip('/')}"
    log(f"(re)creating database {database}")
    recreate_database(args.database_url)
    django_ready = False
    try:
        setup_django(args.database_url)
        django_ready = True
        from django.core.management import call_command
        from django.db import connection

        log("migrate (public schema, templates)")
        call_command("migrate", verbosity=0)
        connection.set_schema_to_public()
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            server_version = str(cursor.fetchone()[0])
        log(f"seeding a kelurahan with 1 hot and {SPREAD_PRODUCTS} other products")
        tenant, spread, hot, buyers = seed()
        report = Report(
            started=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            database=database,
            postgres=server_version,
            python=platform.python_version(),
            cpus=os.cpu_count() or 0,
            load_before=os.getloadavg(),
            setup_s=time.perf_counter() - started,
        )
        # Warm-up (untimed): connections, plans, caches.
        run_level(tenant, "warmup", buyers[:4], lambda rng: rng.choice(spread), 10)
        for scenario, pick in (("hot", lambda rng: hot), ("spread", lambda rng: rng.choice(spread))):
            for level in args.levels:
                per_buyer = args.orders or max(20, -(-MIN_SAMPLES // level))
                log(f"{scenario}: {level} buyers × {per_buyer} orders")
                cell = run_level(tenant, scenario, buyers[:level], pick, per_buyer)
                report.cells.append(cell)
                log(f"  p50 {cell.p50 * 1000:.1f} ms, p95 {cell.p95 * 1000:.1f} ms, {cell.throughput:.0f} orders/s")
        report.load_after = os.getloadavg()
        report.total_s = time.perf_counter() - started
        print()
        print(render(report))
        RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
        RESULTS_FILE.write_text(json.dumps(report.as_dict(), indent=2) + "\n")
        print(f"\nJSON: {RESULTS_FILE.relative_to(BASE_DIR)}")
    finally:
        if not args.keep:
            if django_ready:
                from django.db import connections

                connections.close_all()
            drop_database(args.database_url)
            log("benchmark database dropped")


if __name__ == "__main__":
    main()
