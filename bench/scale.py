"""Scale benchmark: one database grown to thousands of kelurahan tenants, and what it costs.

Grows a throw-away PostgreSQL database to `--tenants` real kelurahan tenants (Jawa Timur desa,
activated through `services.activate_region` from schemas cloned the way the pool does,
`schemas.fill_pool`), printing a checkpoint every `--every` tenants (count, elapsed, rates,
catalog rows, database size). It resumes from what exists: run it again on the same database
(without `--fresh`) and it continues growing, or goes straight to the measurements.

Then, at the final size, it measures (every timed call on a fresh session where a cache
would flatter it):

* **activation**: `activate_region` with a warm pool (p50/p95 over `--samples`), against the
  empty-pool fallback (`schemas.clone_template`) in the same run; plus the one-off pg_dump of
  the template that every process pays before its first clone;
* **no-op migrate**: `migrate_schemas --tenant` when everything is applied;
* **catalog**: pg_class and pg_attribute rows per tenant schema and in all, catalog size;
* **connection memory**: a fresh connection opening every table of N tenants
  (`bench/connections.py`'s measurement), for N in `--touch`;
* **backup**: `archives.write_archive` per tenant (COPY in one snapshot, the default) against
  the previous format (pg_dump of the schema), and a restore of one of them under another code;
* **beat**: every CELERY_BEAT_SCHEDULE entry run once with the broker replaced by a counter,
  giving the tasks each run queues; per minute from the schedule (interval entries every
  minute, crontab entries at their minute).

    .venv/bin/python bench/scale.py [--database-url postgres://postgres@127.0.0.1:5432/kk_scale]
        [--tenants 2000] [--every 100] [--samples 10] [--fresh] [--drop] [--skip-grow]

The database is kept unless `--drop` (so a run can resume). Results are printed and written to
bench/results/scale.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

from benchlib import drop_database, log, percentile, recreate_database
from tenants import (
    KIND,
    empty_pool,
    fresh_session,
    region_codes,
    remove_sample_tenant,
    setup_django,
    timed_activation,
    to_public,
)

BASE_DIR = Path(__file__).resolve().parent.parent
RESULTS_FILE = BASE_DIR / "bench" / "results" / "scale.json"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/kk_scale"
SECTIONS = ("activation", "migrate", "connections", "backup", "beat")


def stats(samples: list[float]) -> dict[str, Any]:
    return {"p50_s": percentile(samples, 50), "p95_s": percentile(samples, 95), "n": len(samples), "samples_s": samples}


# --- database state -------------------------------------------------------------------------


def database_exists(url: str) -> bool:
    import psycopg

    parts = urlsplit(url)
    admin = url.replace(parts.path, "/postgres", 1) if parts.path else url
    with psycopg.connect(admin, autocommit=True) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [parts.path.lstrip("/")]).fetchone()
    return row is not None


def is_migrated() -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('public.tenancy_tenant') IS NOT NULL")
        return bool(cursor.fetchone()[0])


def tenant_count() -> int:
    from apps.tenancy.models import Tenant

    return Tenant.objects.filter(tenant_type=KIND).count()


def catalog() -> dict[str, Any]:
    """Catalog rows per tenant schema (the template's) and in all, and the catalog's size."""
    from django.db import connection

    from apps.tenancy import schemas

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s",
            [schemas.template_schema(KIND)],
        )
        per_schema = int(cursor.fetchone()[0])
        cursor.execute(
            "SELECT count(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s",
            [schemas.template_schema(KIND)],
        )
        attributes_per_schema = int(cursor.fetchone()[0])
        cursor.execute("SELECT count(*) FROM pg_class")
        pg_class = int(cursor.fetchone()[0])
        cursor.execute("SELECT count(*) FROM pg_attribute")
        pg_attribute = int(cursor.fetchone()[0])
        cursor.execute(
            "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'pg_catalog' AND c.relkind = 'r'"
        )
        catalog_bytes = int(cursor.fetchone()[0])
        cursor.execute("SELECT pg_database_size(current_database())")
        database_bytes = int(cursor.fetchone()[0])
        cursor.execute("SELECT count(*) FROM pg_namespace")
        namespaces = int(cursor.fetchone()[0])
    return {
        "pg_class_per_tenant": per_schema,
        "pg_attribute_per_tenant": attributes_per_schema,
        "pg_class_total": pg_class,
        "pg_attribute_total": pg_attribute,
        "namespaces": namespaces,
        "catalog_mb": catalog_bytes / 2**20,
        "database_mb": database_bytes / 2**20,
    }


# --- growth ---------------------------------------------------------------------------------


def grow_worker(target: int, index: int, workers: int) -> None:
    """One of `workers` processes growing the database: activates every `workers`-th free code
    until `target` kelurahan exist. With an empty pool `activate_region` clones the template
    inside its own transaction (`schemas.clone_template`, the pool's path); a pooled schema
    left by an earlier run is used first."""
    from django.db import IntegrityError, connection

    from apps.core.errors import Conflict
    from apps.tenancy.services import activate_region

    codes = list(region_codes())[index::workers]
    for n, code in enumerate(codes):
        if tenant_count() >= target:
            return
        to_public()
        try:
            activate_region(code, refill_pool=False)
        except (Conflict, IntegrityError):  # another worker took the code or the slug
            continue
        if n % 25 == 24:
            connection.close()  # a long cloning session grows (bench/tenants.py fresh_session)


def grow(url: str, target: int, every: int, workers: int) -> list[dict[str, Any]]:
    """Grow to `target` kelurahan with `workers` processes (`grow_worker`); a checkpoint line
    each time the count passes a multiple of `every`. The server's time per clone (fsyncs of
    ~930 new relations) dominates, so a few concurrent clones use it better than one."""
    import subprocess
    import sys

    from django.db import connection

    checkpoints: list[dict[str, Any]] = []
    have = tenant_count()
    if have >= target:
        log(f"{have} tenants already (target {target}): nothing to grow")
        return checkpoints
    log(f"growing from {have} to {target} tenants with {workers} processes, checkpoint every {every}")
    started = time.perf_counter()
    start_count, last_mark, last_t, last_n = have, have // every, started, have
    script = str(Path(__file__).resolve())
    procs = [
        subprocess.Popen(
            [sys.executable, script, "--database-url", url, "--tenants", str(target), "--grow-worker", f"{i}/{workers}"]
        )
        for i in range(workers)
    ]
    try:
        while True:
            done = all(p.poll() is not None for p in procs)
            connection.close()
            to_public()
            have = tenant_count()
            if have // every > last_mark or done:
                now = time.perf_counter()
                row = {
                    "tenants": have,
                    "elapsed_s": now - started,
                    "tenants_per_min": (have - start_count) / (now - started) * 60,
                    "recent_tenants_per_min": (have - last_n) / max(now - last_t, 1e-9) * 60,
                    **catalog(),
                }
                checkpoints.append(row)
                log(
                    f"  {have} tenants | {row['elapsed_s']:.0f} s | {row['tenants_per_min']:.0f}/min overall, "
                    f"{row['recent_tenants_per_min']:.0f}/min recent | pg_class {row['pg_class_total']} | "
                    f"db {row['database_mb'] / 1024:.1f} GB"
                )
                last_mark, last_t, last_n = have // every, now, have
            if done:
                break
            time.sleep(5)
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
    failed = [p.returncode for p in procs if p.returncode]
    if failed:
        raise RuntimeError(f"growth workers failed: {failed}")
    return checkpoints


# --- measurements ---------------------------------------------------------------------------


def measure_activation(samples: int, codes: Iterator[str]) -> dict[str, Any]:
    from django.conf import settings

    from apps.tenancy import schemas

    to_public()
    started = time.perf_counter()
    schemas._TEMPLATE_SCRIPTS.clear()
    schemas._template_script(KIND)  # what each process pays once before its first clone
    template_dump_s = time.perf_counter() - started
    warm: list[float] = []
    for _ in range(samples):
        to_public()
        schemas.fill_pool(KIND, settings.TENANT_SCHEMA_POOL_SIZE)
        elapsed, activation = timed_activation(next(codes))
        if not activation.from_pool:
            raise RuntimeError("warm-pool activation did not use the pool")
        warm.append(elapsed)
        remove_sample_tenant(activation.tenant.schema_name)
    empty_pool()
    cold: list[float] = []
    for _ in range(max(1, samples // 3)):
        elapsed, activation = timed_activation(next(codes))
        if activation.from_pool:
            raise RuntimeError("empty-pool activation used the pool")
        cold.append(elapsed)
        remove_sample_tenant(activation.tenant.schema_name)
    to_public()
    schemas.fill_pool(KIND, settings.TENANT_SCHEMA_POOL_SIZE)
    result = {"warm_pool": stats(warm), "empty_pool": stats(cold), "template_dump_s": template_dump_s}
    log(
        f"activation p50 {percentile(warm, 50) * 1000:.0f} ms (empty pool {percentile(cold, 50) * 1000:.0f} ms; "
        f"template dump once per process {template_dump_s:.1f} s)"
    )
    return result


def measure_noop_migrate() -> dict[str, Any]:
    from django.core.management import call_command

    from apps.tenancy import schemas

    to_public()
    checked = len(schemas.all_schema_pairs())
    fresh_session()
    started = time.perf_counter()
    call_command("migrate_schemas", tenant=True, verbosity=0, no_pool_fill=True)
    elapsed = time.perf_counter() - started
    log(f"no-op migrate_schemas --tenant over {checked} schemas: {elapsed:.2f} s")
    return {"schemas": checked, "seconds": elapsed}


def measure_connections(url: str, touch: list[int]) -> list[dict[str, Any]]:
    from connections import measure, table_names
    from django.db import connections

    from apps.tenancy import schemas
    from apps.tenancy.models import Tenant

    to_public()
    tables = table_names(schemas.template_schema(KIND))
    names = list(Tenant.objects.filter(tenant_type=KIND).order_by("id").values_list("schema_name", flat=True))
    connections.close_all()
    rows = []
    for n in touch:
        if n > len(names):
            continue
        row = measure(url, names[:n], tables)
        rows.append(row)
        log(
            f"connection after touching {n} tenants ({len(tables)} tables each): backend "
            f"{row['backend_total_mb']:.0f} MB, {row['growth_per_tenant_mb']:.2f} MB/tenant, "
            f"first touch {row['first_touch_ms_per_tenant']:.0f} ms/tenant"
        )
    return rows


def measure_backup(samples: int, legacy_samples: int, codes: Iterator[str]) -> dict[str, Any]:
    """Per-tenant archive time: the COPY format (default) and the pg_dump format, same tenants."""
    from django.conf import settings

    from apps.tenancy import archives, services
    from apps.tenancy.models import Tenant
    from apps.tenancy.restore import restore_archive

    to_public()
    folder = Path(tempfile.mkdtemp(prefix="kk-scale-backup-"))
    old_dir = settings.TENANT_ARCHIVE_DIR
    settings.TENANT_ARCHIVE_DIR = folder / "removed"
    try:
        tenants = list(Tenant.objects.filter(tenant_type=KIND).order_by("?")[: max(samples, legacy_samples)])
        copy_times: list[float] = []
        sizes: list[int] = []
        for tenant in tenants[:samples]:
            fresh_session()
            started = time.perf_counter()
            written = archives.write_archive(tenant, folder / "copy")
            copy_times.append(time.perf_counter() - started)
            sizes.append(written.size_bytes)
        legacy_times: list[float] = []
        for tenant in tenants[:legacy_samples]:
            fresh_session()
            started = time.perf_counter()
            archives.write_archive(tenant, folder / "legacy", dump=services.dump_schema)
            legacy_times.append(time.perf_counter() - started)
        # One archive restored under another (free) code, then removed again.
        path = sorted((folder / "copy").glob("*.tar.gz"))[0]
        fresh_session()
        started = time.perf_counter()
        restored = restore_archive(path, as_code=next(codes))
        restore_s = time.perf_counter() - started
        started = time.perf_counter()
        services.remove_tenant(restored)
        remove_s = time.perf_counter() - started
    finally:
        settings.TENANT_ARCHIVE_DIR = old_dir
        shutil.rmtree(folder, ignore_errors=True)
    result = {
        "copy_format": stats(copy_times),
        "pg_dump_format": stats(legacy_times),
        "archive_kb_p50": percentile([s / 1024 for s in sizes], 50),
        "restore_s": restore_s,
        "remove_s": remove_s,
    }
    legacy = f", pg_dump format p50 {percentile(legacy_times, 50):.2f} s" if legacy_times else ""
    log(
        f"backup per tenant: COPY format p50 {percentile(copy_times, 50):.3f} s{legacy}; "
        f"restore {restore_s:.2f} s, removal {remove_s:.2f} s"
    )
    return result


def _runs_per_day(schedule: Any) -> tuple[float, list[int]]:
    """(runs per day, minutes of the day a crontab fires at; empty for an interval)."""
    from celery.schedules import crontab

    if isinstance(schedule, crontab):
        minutes = sorted(h * 60 + m for h in schedule.hour for m in schedule.minute)
        days = len(schedule.day_of_week) / 7 * len(schedule.day_of_month) / 31
        return len(minutes) * days, minutes
    seconds = float(schedule.total_seconds() if hasattr(schedule, "total_seconds") else schedule)
    return 86400 / seconds, []


# Beat entries that do their work in the beat task itself instead of queueing per tenant
# (monthly invoices for every tenant): counted as one task a run, not run here.
NOT_RUN = frozenset({"billing.issue_invoices"})


def measure_beat() -> dict[str, Any]:
    """Each beat entry run once (in public, as beat does) with every queued task counted, not
    sent; tasks a minute from the schedule."""
    from celery.app.task import Task
    from django.conf import settings

    from config.celery import app

    app.loader.import_default_modules()  # the apps' tasks modules (autodiscovery is lazy)

    queued: list[str] = []

    def count(self: Task, *args: Any, **kwargs: Any) -> None:
        queued.append(self.name)

    entries = []
    with mock.patch.object(Task, "apply_async", count), mock.patch.object(Task, "delay", count):
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
            task = app.tasks[str(entry["task"])]
            queued.clear()
            to_public()
            started = time.perf_counter()
            error = ""
            try:
                if entry["task"] not in NOT_RUN:
                    task.run()
            except Exception as exc:  # reported, not fatal: the count of the others still stands
                error = f"{type(exc).__name__}: {exc}"[:200]
            per_day, minutes = _runs_per_day(entry["schedule"])
            entries.append(
                {
                    "entry": name,
                    "task": entry["task"],
                    "queued_per_run": len(queued),
                    "beat_run_s": time.perf_counter() - started,
                    "runs_per_day": per_day,
                    "crontab_minutes": minutes,
                    "error": error,
                }
            )
    steady = sum((1 + e["queued_per_run"]) * e["runs_per_day"] / 1440 for e in entries if not e["crontab_minutes"])
    peak_extra = 0
    by_minute: dict[int, int] = {}
    for e in entries:
        for minute in e["crontab_minutes"]:
            by_minute[minute] = by_minute.get(minute, 0) + 1 + e["queued_per_run"]
    if by_minute:
        peak_extra = max(by_minute.values())
    per_day = sum((1 + e["queued_per_run"]) * e["runs_per_day"] for e in entries)
    result = {
        "entries": entries,
        "steady_tasks_per_min": steady,
        "peak_minute_extra_tasks": peak_extra,
        "tasks_per_day": per_day,
    }
    log(
        f"beat: {steady:.0f} tasks/min steady (interval entries), +{peak_extra} at the busiest crontab minute, "
        f"{per_day:.0f} a day"
    )
    return result


# --- main -----------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--tenants", type=int, default=2000)
    parser.add_argument("--every", type=int, default=100, help="tenants per growth checkpoint")
    parser.add_argument("--samples", type=int, default=10)
    parser.add_argument("--legacy-backup-samples", type=int, default=3, help="pg_dump-format archives timed")
    parser.add_argument("--touch", default="1,20,100", help="tenants a fresh connection touches, comma-separated")
    parser.add_argument("--fresh", action="store_true", help="drop and re-create the database first")
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    parser.add_argument("--skip-grow", action="store_true", help="measure what exists, grow nothing")
    parser.add_argument("--only-grow", action="store_true", help="grow, measure nothing")
    parser.add_argument("--measure", default=",".join(SECTIONS), help=f"comma-separated, some of {','.join(SECTIONS)}")
    parser.add_argument("--workers", type=int, default=3, help="concurrent growth processes")
    parser.add_argument("--grow-worker", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.measure = [name for name in args.measure.split(",") if name.strip()]
    if unknown := set(args.measure) - set(SECTIONS):
        parser.error(f"unknown --measure: {', '.join(sorted(unknown))}")
    args.touch = sorted({int(n) for n in args.touch.split(",") if n.strip()})
    if args.tenants < 1 or args.every < 1 or args.samples < 1:
        parser.error("--tenants, --every and --samples must be positive")
    return args


def run(args: argparse.Namespace) -> dict[str, Any]:
    from django.core.management import call_command
    from django.db import connection

    started = time.perf_counter()
    if not is_migrated():
        log("migrate (public schema, templates, pool)")
        call_command("migrate", verbosity=0)
    to_public()
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server_version = str(cursor.fetchone()[0])
    report: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "postgres": server_version,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_before": os.getloadavg(),
    }
    report["growth"] = [] if args.skip_grow else grow(args.database_url, args.tenants, args.every, args.workers)
    codes = region_codes()
    report["tenants"] = tenant_count()
    report["catalog"] = catalog()
    if not args.only_grow:
        wanted = set(args.measure)
        if "activation" in wanted:
            report["activation"] = measure_activation(args.samples, codes)
        if "migrate" in wanted:
            report["noop_migrate"] = measure_noop_migrate()
        if "connections" in wanted:
            report["connections"] = measure_connections(args.database_url, args.touch)
        if "backup" in wanted:
            report["backup"] = measure_backup(args.samples, args.legacy_backup_samples, codes)
        if "beat" in wanted:
            report["beat"] = measure_beat()
    report["load_after"] = os.getloadavg()
    report["total_s"] = time.perf_counter() - started
    return report


def render(report: dict[str, Any]) -> str:
    c = report["catalog"]
    lines = [
        f"KotaKita scale benchmark ({report['started']}, PostgreSQL {report['postgres']}, {report['cpus']} CPUs)",
        f"tenants: {report['tenants']}; catalog: {c['pg_class_per_tenant']} pg_class / "
        f"{c['pg_attribute_per_tenant']} pg_attribute rows per tenant schema, {c['pg_class_total']} pg_class rows "
        f"in all, catalog {c['catalog_mb']:.0f} MB, database {c['database_mb'] / 1024:.1f} GB",
    ]
    if "activation" in report:
        a = report["activation"]
        lines.append(
            f"activation (warm pool): p50 {a['warm_pool']['p50_s'] * 1000:.0f} ms, p95 "
            f"{a['warm_pool']['p95_s'] * 1000:.0f} ms; empty pool p50 {a['empty_pool']['p50_s'] * 1000:.0f} ms; "
            f"template dump (once per process) {a['template_dump_s']:.1f} s"
        )
    if "noop_migrate" in report:
        m = report["noop_migrate"]
        lines.append(f"no-op migrate_schemas --tenant: {m['seconds']:.1f} s over {m['schemas']} schemas")
    if "backup" in report:
        b = report["backup"]
        legacy = b["pg_dump_format"]
        lines.append(
            f"backup per tenant: COPY format p50 {b['copy_format']['p50_s']:.3f} s / p95 "
            f"{b['copy_format']['p95_s']:.3f} s; pg_dump format p50 {legacy['p50_s']:.2f} s "
            f"({legacy['p50_s'] / b['copy_format']['p50_s']:.0f}x); restore {b['restore_s']:.2f} s"
        )
    if "beat" in report:
        beat = report["beat"]
        lines.append(
            f"beat: {beat['steady_tasks_per_min']:.0f} tasks/min steady, +{beat['peak_minute_extra_tasks']} at the "
            f"busiest crontab minute, {beat['tasks_per_day']:.0f} a day"
        )
        for e in beat["entries"]:
            lines.append(
                f"  {e['entry']}: {e['queued_per_run']} queued a run, {e['runs_per_day']:.2f} runs a day"
                f"{' (' + e['error'] + ')' if e['error'] else ''}"
            )
    for row in report.get("connections", []):
        lines.append(
            f"connection after touching {row['tenants']} tenants: {row['backend_total_mb']:.0f} MB backend, "
            f"{row['growth_per_tenant_mb']:.2f} MB per tenant"
        )
    lines.append(f"run {report['total_s']:.0f} s; load {report['load_before']} -> {report['load_after']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.grow_worker:
        setup_django(args.database_url)
        index, workers = (int(part) for part in args.grow_worker.split("/"))
        grow_worker(args.tenants, index, workers)
        return
    if args.fresh or not database_exists(args.database_url):
        log(f"(re)creating database {urlsplit(args.database_url).path.lstrip('/')}")
        recreate_database(args.database_url)
    else:
        log("resuming on the existing database")
    setup_django(args.database_url)
    try:
        report = run(args)
        print()
        print(render(report))
        RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
        RESULTS_FILE.write_text(json.dumps(report, indent=2, default=str) + "\n")
        print(f"\nJSON: {RESULTS_FILE.relative_to(BASE_DIR)}")
    finally:
        from django.db import connections

        connections.close_all()
        if args.drop:
            drop_database(args.database_url)
            log("benchmark database dropped")


if __name__ == "__main__":
    main()
