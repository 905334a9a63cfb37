"""City dashboard benchmark: page time of /dasbor/ on a kota tenant (not a test).

What it measures, in one run, on its own throw-away database:

* a kota tenant (Kota Madiun, a real schema) whose 27 kelurahan (the real polygons of
  apps/tenancy/data/kota-madiun-kelurahan.geojson) each have 2 years of daily roll-ups
  (`DailyFact`, generated directly with COPY: ~40 facts per kelurahan and day, with anonymous
  entity keys like the producers write);
* the full page (Django test client → middleware → view → template, signed in as the kota
  admin) for four periods: 30 days, 90 days, 1 year and the whole 2 years, p50/p95 of:
  - **cold**: the cache cleared before every request (every figure computed from the facts);
  - **warm**: the page again with the cache filled (what users mostly get);
* the **baseline**, same run, same periods: the same headline figures computed by scanning the
  raw fact rows of the period in Python (no SQL aggregation, no cache) — what the page would
  cost without the aggregate queries. Its GMV must equal the page's (checked), so both sides
  compute the same thing.

Ratios printed: baseline / cold and baseline / warm (how many times faster the page is).

Run from the repository root (PostgreSQL on 127.0.0.1:5432, user postgres):

    .venv/bin/python bench/dashboards.py [--cold 15] [--warm 40] [--days 730] [--keep]
                                         [--database-url postgres://postgres@127.0.0.1:5432/kotakita_bench_dashboards]

The database named in the URL is dropped and re-created at the start and dropped at the end
(unless --keep). Results are printed and written to bench/results/dashboards.json.
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import logging
import os
import platform
import random
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC
from datetime import datetime as dt
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from benchlib import drop_database, log, percentile, recreate_database

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

RESULTS_FILE = BASE_DIR / "bench" / "results" / "dashboards.json"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/kotakita_bench_dashboards"
KOTA = "35.77"
PERIODS = (("30 hari", 30), ("90 hari", 90), ("1 tahun", 365), ("2 tahun", 730))
CATEGORIES = ("makanan", "minuman", "camilan", "oleh-oleh", "bumbu", "kerajinan")
REPORT_CATEGORIES = ("sampah", "jalan-rusak", "drainase", "penerangan", "keamanan")
SECTORS = ("10", "47", "56", "96")
PROGRAMS = ("pkh", "blt-dana-kelurahan", "sembako")


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["TENANT_SCHEMA_POOL_REFILL"] = "false"
    os.environ["TENANT_SCHEMA_POOL_SIZE"] = "0"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ["DEBUG"] = "false"  # no query log, templates as in production
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ.pop("REDIS_URL", None)  # in-process cache (LocMem), eager Celery
    import django

    django.setup()
    logging.getLogger("apps.tenancy").setLevel(logging.WARNING)
    logging.getLogger("django.request").setLevel(logging.ERROR)


# --- data -----------------------------------------------------------------------------------


class _Writer:
    """Appends one fact of one kelurahan as a COPY text line."""

    def __init__(self, buf: io.StringIO, prefix: str, now: str) -> None:
        self.buf, self.prefix, self.now = buf, prefix, now

    def __call__(
        self, day: datetime.date, metric: str, value: int, count: int = 0, dim: str = "", keys: list[int] | None = None
    ) -> None:
        arr = "{" + ",".join(map(str, keys or [])) + "}"
        self.buf.write(f"{self.prefix}\t{day}\t{metric}\t{dim}\t{value}\t{count}\t{arr}\t{self.now}\n")


def seed(days: int) -> tuple[Any, list[Any], int]:
    """The kota tenant (real schema), 27 kelurahan tenants (rows, with their real region codes)
    and `days` days of facts for each kelurahan, ending today."""
    from django.db import connection

    from apps.analytics.dashboards import GEOJSON
    from apps.analytics.models import DailyFact
    from apps.facts.metrics import Metric
    from apps.tenancy.models import Tenant
    from apps.tenancy.services import activate_region

    connection.set_schema_to_public()
    kota = activate_region(KOTA, refill_pool=False).tenant
    features = json.loads(GEOJSON.read_text(encoding="utf-8"))["features"]
    children = []
    for feature in features:
        code = feature["properties"]["kode"]
        child = Tenant(
            schema_name="kel_" + code.replace(".", ""),
            tenant_type=Tenant.Type.KELURAHAN,
            region_id=code,
            name=f"Kelurahan {feature['properties']['nama']}",
            slug="bench-" + code.replace(".", "-"),
            parent=kota,
        )
        child.auto_create_schema = False  # the city dashboard reads only the public facts
        child.save()
        children.append(child)
    today = datetime.date.today()
    rng = random.Random(20261128)
    table = DailyFact._meta.db_table
    columns = ("tenant_id", "region_code", "day", "metric", "dimension", "value", "count", "entity_keys", "computed_at")
    now = dt.now(UTC).isoformat()
    total = 0
    with connection.cursor() as cursor:
        for index, child in enumerate(children):
            buf = io.StringIO()
            size = 0.5 + rng.random()  # kelurahan differ in size
            base = index * 1_000_000
            row = _Writer(buf, f"{child.pk}\t{child.region_id}", now)

            for n in range(days):
                day = today - datetime.timedelta(days=days - 1 - n)
                growth = 1 + n / days  # the economy grows over the two years
                shops = int(40 * size * growth)
                row(day, Metric.UMKM_ACTIVE, shops, 0, "", [base + k for k in range(shops)])
                for s_i, sector in enumerate(SECTORS):
                    part = [base + k for k in range(s_i, shops, len(SECTORS))]
                    row(day, Metric.UMKM_ACTIVE, len(part), 0, sector, part)
                if rng.random() < 0.1:
                    row(day, Metric.UMKM_NEW, 1, 0, "", [base + shops])
                orders = max(1, int(rng.gauss(25, 6) * size * growth))
                gmv = orders * rng.randint(30_000, 60_000)
                sellers = sorted(rng.sample(range(shops), min(shops, max(1, orders // 2))))
                row(day, Metric.GMV, gmv, orders, "", [base + k for k in sellers])
                row(day, Metric.PLATFORM_FEES, gmv // 100, orders, "", [base + k for k in sellers])
                row(day, Metric.UNITS_SOLD, orders * 2, orders * 3, "", [base + k for k in sellers])
                for c_i, cat in enumerate(CATEGORIES):
                    share = gmv * (c_i + 1) // 21
                    row(day, Metric.GMV, share, max(1, orders // 6), cat, [base + k for k in sellers[c_i::6]])
                row(day, Metric.PAYMENTS, gmv * 2, orders * 3, "", [base + 500_000 + k for k in range(orders)])
                residents = int(900 * size)
                row(day, Metric.RESIDENTS_REGISTERED, residents + n // 3)
                active = sorted(rng.sample(range(residents), min(residents, int(60 * size))))
                row(day, Metric.ACTIVE_RESIDENTS, len(active), 0, "", [base + 200_000 + k for k in active])
                opened = rng.randint(0, 4)
                if opened:
                    row(day, Metric.REPORTS_OPENED, opened, 0, "", [base + 200_000 + k for k in active[:opened]])
                    row(
                        day,
                        Metric.REPORTS_OPENED,
                        opened,
                        0,
                        rng.choice(REPORT_CATEGORIES),
                        [base + 200_000 + k for k in active[:opened]],
                    )
                    row(
                        day,
                        Metric.REPORTS_RESOLVED,
                        opened * rng.randint(600, 4000),
                        opened,
                        "",
                        [base + 200_000 + k for k in active[:opened]],
                    )
                if rng.random() < 0.3:
                    row(day, Metric.PERMITS_SUBMITTED, 1, 0, "", [base + 200_000 + active[0]])
                    row(day, Metric.PERMITS_ISSUED, rng.randint(2000, 9000), 1, "", [base + 200_000 + active[-1]])
                row(day, Metric.PERMITS_OVERDUE, rng.randint(0, 2))
                enrolled = int(80 * size)
                row(day, Metric.AID_ENROLLED, enrolled, 0, "", [base + 300_000 + k for k in range(enrolled)])
                if day.day == 5:
                    for p_i, program in enumerate(PROGRAMS):
                        got = list(range(p_i, enrolled, 3))
                        row(
                            day,
                            Metric.AID_DISTRIBUTED,
                            len(got) * 300_000,
                            len(got),
                            program,
                            [base + 300_000 + k for k in got],
                        )
                    row(
                        day,
                        Metric.AID_DISTRIBUTED,
                        enrolled * 300_000,
                        enrolled,
                        "",
                        [base + 300_000 + k for k in range(enrolled)],
                    )
                deliveries = orders // 2
                row(day, Metric.DELIVERIES, deliveries * 2500, deliveries, "", [base + 400_000 + k for k in range(3)])
                row(
                    day,
                    Metric.DELIVERIES_ON_TIME,
                    int(deliveries * 0.9),
                    deliveries,
                    "",
                    [base + 400_000 + k for k in range(3)],
                )
                row(day, Metric.LOANS_OUTSTANDING, int(150_000_000 * size * growth), int(30 * size))
                row(day, Metric.LOANS_AT_RISK, int(9_000_000 * size), int(3 * size))
            buf.seek(0)
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                while chunk := buf.read(1 << 20):
                    copy.write(chunk)
            total += buf.getvalue().count("\n")
        cursor.execute(f"ANALYZE {table}")
    return kota, children, total


def existing() -> tuple[Any, list[Any], int]:
    from apps.analytics.models import DailyFact
    from apps.tenancy.models import Tenant

    kota = Tenant.objects.get(region_id=KOTA)
    children = list(Tenant.objects.filter(parent=kota).order_by("name"))
    return kota, children, DailyFact.objects.count()


# --- measuring ------------------------------------------------------------------------------


@dataclass
class Cell:
    period: str
    days: int
    cold: list[float] = field(default_factory=list)
    warm: list[float] = field(default_factory=list)
    baseline: list[float] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"period": self.period, "days": self.days}
        for name in ("cold", "warm", "baseline"):
            samples = getattr(self, name)
            out[f"{name}_n"] = len(samples)
            out[f"{name}_p50_ms"] = percentile(samples, 50) * 1000
            out[f"{name}_p95_ms"] = percentile(samples, 95) * 1000
        out["baseline_over_cold_p50"] = out["baseline_p50_ms"] / out["cold_p50_ms"]
        out["baseline_over_warm_p50"] = out["baseline_p50_ms"] / out["warm_p50_ms"]
        out["cold_over_warm_p50"] = out["cold_p50_ms"] / out["warm_p50_ms"]
        return out


def baseline_scan(child_ids: list[int], start: datetime.date, end: datetime.date) -> dict[str, int]:
    """The headline figures from the raw fact rows of the period, aggregated in Python."""
    from apps.analytics.models import DailyFact
    from apps.facts.metrics import Metric

    gmv = orders = reports = 0
    residents: set[int] = set()
    latest_umkm: dict[int, tuple[datetime.date, int]] = {}
    rows = DailyFact.objects.filter(tenant_id__in=child_ids, day__gte=start, day__lte=end).values_list(
        "tenant_id", "day", "metric", "dimension", "value", "count", "entity_keys"
    )
    for tenant_id, day, metric, dimension, value, count, keys in rows.iterator(chunk_size=5000):
        if dimension:
            continue
        if metric == Metric.GMV:
            gmv += value
            orders += count
        elif metric == Metric.REPORTS_OPENED:
            reports += value
        elif metric == Metric.ACTIVE_RESIDENTS:
            residents.update(keys)
        elif metric == Metric.UMKM_ACTIVE and (tenant_id not in latest_umkm or latest_umkm[tenant_id][0] < day):
            latest_umkm[tenant_id] = (day, value)
    return {
        "gmv": gmv,
        "transactions": orders,
        "reports_opened": reports,
        "active_residents": len(residents),
        "umkm_active": sum(v for _d, v in latest_umkm.values()),
    }


def measure(kota: Any, children: list[Any], cold_n: int, warm_n: int, days: int) -> list[Cell]:
    from django.core.cache import cache
    from django.test import Client

    from apps.accounts.models import User
    from apps.analytics.dashboards import kota_data
    from apps.analytics.selectors import Period

    host = kota.get_primary_domain().domain
    client = Client(HTTP_HOST=host)
    with kota:
        client.force_login(User.objects.get(username="admin"))
    ids = [c.pk for c in children]
    today = datetime.date.today()
    cells = []
    for label, length in PERIODS:
        length = min(length, days)
        start = today - datetime.timedelta(days=length - 1)
        url = f"/dasbor/?dari={start.isoformat()}&sampai={today.isoformat()}&indikator=gmv"
        cell = Cell(label, length)
        response = client.get(url)  # warm-up: connections, query plans, template loading
        assert response.status_code == 200, response.status_code
        with kota:
            data = kota_data(kota, Period(start, today), "gmv")
        page_gmv = next(k for k in data["kpis"] if k["key"] == "gmv")
        scanned = baseline_scan(ids, start, today)
        assert scanned["gmv"] == page_gmv["value"], (scanned["gmv"], page_gmv["value"])
        assert page_gmv["text"] in response.content.decode()  # the page shows that same figure
        assert len(data["rows"]) == len(children)
        for _ in range(cold_n):
            cache.clear()
            t = time.perf_counter()
            assert client.get(url).status_code == 200
            cell.cold.append(time.perf_counter() - t)
        for _ in range(warm_n):
            t = time.perf_counter()
            assert client.get(url).status_code == 200
            cell.warm.append(time.perf_counter() - t)
        for _ in range(cold_n):
            t = time.perf_counter()
            baseline_scan(ids, start, today)
            cell.baseline.append(time.perf_counter() - t)
        d = cell.as_dict()
        log(
            f"{label}: cold p50 {d['cold_p50_ms']:.0f} ms / p95 {d['cold_p95_ms']:.0f} ms, "
            f"warm p50 {d['warm_p50_ms']:.1f} ms / p95 {d['warm_p95_ms']:.1f} ms, "
            f"baseline p50 {d['baseline_p50_ms']:.0f} ms / p95 {d['baseline_p95_ms']:.0f} ms"
        )
        cells.append(cell)
    return cells


def render(cells: list[Cell], meta: dict[str, Any]) -> str:
    lines = [
        f"City dashboard, {meta['kelurahan']} kelurahan × {meta['days']} days = {meta['facts']:,} facts "
        f"(PostgreSQL {meta['postgres']}, {meta['cpus']} CPUs, load {meta['load_avg_before'][0]:.1f})",
        "",
        f"{'period':<10} {'cold p50':>9} {'cold p95':>9} {'warm p50':>9} {'warm p95':>9} "
        f"{'base p50':>9} {'base p95':>9} {'base/cold':>10} {'base/warm':>10}",
    ]
    for cell in cells:
        d = cell.as_dict()
        lines.append(
            f"{d['period']:<10} {d['cold_p50_ms']:>7.0f}ms {d['cold_p95_ms']:>7.0f}ms {d['warm_p50_ms']:>7.1f}ms "
            f"{d['warm_p95_ms']:>7.1f}ms {d['baseline_p50_ms']:>7.0f}ms {d['baseline_p95_ms']:>7.0f}ms "
            f"{d['baseline_over_cold_p50']:>9.1f}× {d['baseline_over_warm_p50']:>9.0f}×"
        )
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--cold", type=int, default=15, help="cold requests per period")
    parser.add_argument("--warm", type=int, default=40, help="warm requests per period")
    parser.add_argument("--days", type=int, default=730, help="days of roll-ups per kelurahan")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="measure a database kept by --keep (no set-up)")
    args = parser.parse_args(argv)
    if args.cold < 1 or args.warm < 1 or not 30 <= args.days <= 1100:
        parser.error("--cold/--warm must be at least 1, --days between 30 and 1100")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    started = time.perf_counter()
    url = urlsplit(args.database_url)
    database = f"{url.hostname}:{url.port or 5432}/{url.path.lstrip('/')}"
    if not args.reuse:
        log(f"(re)creating database {database}")
        recreate_database(args.database_url)
    django_ready = False
    try:
        setup_django(args.database_url)
        django_ready = True
        from django.core.management import call_command
        from django.db import connection

        connection.set_schema_to_public()
        if not args.reuse:
            log("migrate (public schema, templates)")
            call_command("migrate", verbosity=0)
            connection.set_schema_to_public()
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            row = cursor.fetchone()
            server_version = str(row[0]) if row else "?"
        if args.reuse:
            kota, children, facts = existing()
        else:
            log(f"seeding the kota, 27 kelurahan and {args.days} days of roll-ups each")
            kota, children, facts = seed(args.days)
            log(f"{facts:,} facts written")
        meta: dict[str, Any] = {
            "started": dt.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "database": database,
            "postgres": server_version,
            "python": platform.python_version(),
            "cpus": os.cpu_count() or 0,
            "load_avg_before": os.getloadavg(),
            "kelurahan": len(children),
            "days": args.days,
            "facts": facts,
            "setup_s": time.perf_counter() - started,
        }
        cells = measure(kota, children, args.cold, args.warm, args.days)
        meta["load_avg_after"] = os.getloadavg()
        meta["total_s"] = time.perf_counter() - started
        print()
        print(render(cells, meta))
        RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
        RESULTS_FILE.write_text(json.dumps({**meta, "cells": [c.as_dict() for c in cells]}, indent=2) + "\n")
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
