"""Tenant provisioning benchmark: activation latency and no-op migrate time as tenants grow.

What it measures, in one run, on its own throw-away database:

* At each checkpoint (default 10, 100 and 1,000 existing kelurahan tenants), N samples each of
  - **ours**: `services.activate_region(code)` with a warm schema pool (the pool is topped up
    with `schemas.fill_pool` between samples, untimed);
  - **fallback**: `activate_region(code)` with an empty pool (our copy-the-template path: a
    pg_dump of the template replayed under the new name, `schemas.clone_template`);
  - **baseline A, migrate**: what django-tenants does for a new tenant without a template:
    `CREATE SCHEMA` and the full Django migrations into it (`run_migrations`, standard executor);
  - **baseline B, clone**: django-tenants' `clone_schema` SQL function (`CloneSchema`).
    django-tenants itself follows the clone with a faked `migrate_schemas`, which is not timed
    here, so this baseline is a lower bound.
  Every sample's schema (and tenant) is removed again, untimed, so each sample sees exactly the
  checkpoint's tenant count.
* At the largest checkpoint, a no-op migrate over all tenants: our `migrate_schemas --tenant`
  timed once over every schema, against django-tenants' standard executor migrating a sample
  of tenant schemas one by one, extrapolated per tenant to the full count.

Every timed call starts on a freshly opened database session (see `fresh_session`).
Tenants are grown between checkpoints (untimed) by filling the pool in bulk and activating
Jawa Timur (`35.`) desa/kelurahan from it through `activate_region`, so every tenant is a real
one.

Run from the repository root (PostgreSQL on 127.0.0.1:5432, user postgres):

    .venv/bin/python bench/tenants.py [--sizes 10,100,1000] [--samples 15] [--keep]
                                      [--database-url postgres://postgres@127.0.0.1:5432/kotakita_bench]

The database named in the URL is dropped and re-created at the start and dropped at the end
(unless --keep). Results are printed and written to bench/results/tenants.json.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from benchlib import drop_database, log, percentile, recreate_database

if TYPE_CHECKING:
    from apps.tenancy.services import Activation

BASE_DIR = Path(__file__).resolve().parent.parent
RESULTS_FILE = BASE_DIR / "bench" / "results" / "tenants.json"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/kotakita_bench"
KIND = "kelurahan"
PROVINCE = "35"  # Jawa Timur: ~8,500 desa/kelurahan, plenty for 1,000 tenants plus samples

# Targets from the issue.
TARGET_OURS_P50_S = 0.25
TARGET_VS_MIGRATE = 10.0
TARGET_FLAT_FACTOR = 2.0
TARGET_NOOP_MIGRATE_S = 60.0


# --- results --------------------------------------------------------------------------------


@dataclass
class Stats:
    samples: list[float]

    @property
    def p50(self) -> float:
        return percentile(self.samples, 50)

    @property
    def p95(self) -> float:
        return percentile(self.samples, 95)

    def as_dict(self) -> dict[str, Any]:
        return {"p50_s": self.p50, "p95_s": self.p95, "n": len(self.samples), "samples_s": self.samples}


@dataclass
class Checkpoint:
    tenants: int
    grow_s: float
    ours: Stats
    fallback: Stats
    migrate: Stats
    clone: Stats

    @property
    def migrate_ratio(self) -> float:
        return self.migrate.p50 / self.ours.p50

    @property
    def clone_ratio(self) -> float:
        return self.clone.p50 / self.ours.p50

    def as_dict(self) -> dict[str, Any]:
        return {
            "tenants": self.tenants,
            "grow_s": self.grow_s,
            "ours_warm_pool": self.ours.as_dict(),
            "ours_empty_pool_fallback": self.fallback.as_dict(),
            "baseline_migrate": self.migrate.as_dict(),
            "baseline_clone": self.clone.as_dict(),
            "migrate_p50_over_ours_p50": self.migrate_ratio,
            "clone_p50_over_ours_p50": self.clone_ratio,
        }


@dataclass
class NoopMigrate:
    tenants: int
    schemas_checked: int
    ours_s: float
    baseline_sample: int
    baseline_sample_s: float

    @property
    def baseline_per_tenant_s(self) -> float:
        return self.baseline_sample_s / self.baseline_sample

    @property
    def baseline_extrapolated_s(self) -> float:
        return self.baseline_per_tenant_s * self.tenants

    @property
    def ratio(self) -> float:
        return self.baseline_extrapolated_s / self.ours_s


@dataclass
class Report:
    started: str
    database: str
    postgres: str
    python: str
    cpus: int
    load_before: tuple[float, float, float]
    samples: int
    tenant_schema_tables: int
    setup_s: float = 0.0
    checkpoints: list[Checkpoint] = field(default_factory=list)
    noop: NoopMigrate | None = None
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    total_s: float = 0.0

    def targets(self) -> dict[str, bool]:
        first, last = self.checkpoints[0], self.checkpoints[-1]
        result = {
            f"ours_p50_le_{TARGET_OURS_P50_S}s": all(c.ours.p50 <= TARGET_OURS_P50_S for c in self.checkpoints),
            f"ge_{TARGET_VS_MIGRATE:g}x_faster_than_migrate": all(
                c.migrate_ratio >= TARGET_VS_MIGRATE for c in self.checkpoints
            ),
            f"flat_p50_at_{last.tenants}_within_{TARGET_FLAT_FACTOR:g}x_of_{first.tenants}": last.ours.p50
            <= TARGET_FLAT_FACTOR * first.ours.p50,
        }
        if self.noop is not None:
            result[f"noop_migrate_{self.noop.tenants}_le_{TARGET_NOOP_MIGRATE_S:g}s"] = (
                self.noop.ours_s <= TARGET_NOOP_MIGRATE_S
            )
        return result

    def as_dict(self) -> dict[str, Any]:
        noop = None
        if self.noop is not None:
            noop = {
                **asdict(self.noop),
                "baseline_per_tenant_s": self.noop.baseline_per_tenant_s,
                "baseline_extrapolated_s": self.noop.baseline_extrapolated_s,
                "baseline_is_extrapolated": self.noop.baseline_sample < self.noop.tenants,
                "baseline_over_ours": self.noop.ratio,
            }
        return {
            "started": self.started,
            "database": self.database,
            "postgres": self.postgres,
            "python": self.python,
            "cpus": self.cpus,
            "load_avg_before": self.load_before,
            "load_avg_after": self.load_after,
            "samples": self.samples,
            "tenant_schema_tables": self.tenant_schema_tables,
            "setup_s": self.setup_s,
            "checkpoints": [c.as_dict() for c in self.checkpoints],
            "noop_migrate": noop,
            "targets": self.targets(),
            "total_s": self.total_s,
        }


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["TENANT_SCHEMA_POOL_REFILL"] = "false"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    sys.path.insert(0, str(BASE_DIR))

    import django

    django.setup()
    # One INFO line per activation and pool fill would drown the benchmark's own output.
    logging.getLogger("apps.tenancy").setLevel(logging.WARNING)


# --- helpers on the Django side -------------------------------------------------------------


def to_public() -> None:
    """Public search path and an open connection, so no timed call pays for reconnecting."""
    from django.db import connection

    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def fresh_session() -> None:
    """Every timed call starts on a newly opened session (opened untimed).

    Sessions are not reused across samples because django-tenants' clone_schema() re-creates
    its PL/pgSQL function on every call, and PostgreSQL keeps each replaced version's
    compiled code and cached plans for the life of the session (~11 MB per call here);
    a long-lived session doing many clones gets slower and slower.
    """
    from django.db import connection

    connection.close()
    to_public()


def timed(action: Callable[[], object]) -> float:
    fresh_session()
    start = time.perf_counter()
    action()
    elapsed = time.perf_counter() - start
    to_public()
    return elapsed


def timed_activation(code: str) -> tuple[float, Activation]:
    from apps.tenancy.services import activate_region

    fresh_session()
    start = time.perf_counter()
    activation = activate_region(code)
    elapsed = time.perf_counter() - start
    to_public()
    return elapsed, activation


def region_codes() -> Iterator[str]:
    """Free desa/kelurahan codes, read up front (run_migrations closes the connection)."""
    from apps.tenancy.models import Region, Tenant

    taken = set(Tenant.objects.exclude(region=None).values_list("region_id", flat=True))
    codes = Region.objects.filter(level=Region.Level.DESA_KELURAHAN, code__startswith=f"{PROVINCE}.").order_by("code")
    return iter([code for code in codes.values_list("code", flat=True) if code not in taken])


def tenant_count() -> int:
    from apps.tenancy.models import Tenant

    return Tenant.objects.filter(tenant_type=KIND).count()


def pool_size() -> int:
    from django.conf import settings

    return int(settings.TENANT_SCHEMA_POOL_SIZE)


def empty_pool() -> None:
    from django.db import transaction

    from apps.tenancy import schemas
    from apps.tenancy.models import PooledSchema

    for entry in PooledSchema.objects.filter(tenant_type=KIND):
        with transaction.atomic():
            schemas.drop_schema(entry.schema_name)
            entry.delete()


def remove_sample_tenant(schema_name: str) -> None:
    """Undo one timed activation (untimed), keeping the tenant count at the checkpoint."""
    from django.db import transaction

    from apps.tenancy import schemas
    from apps.tenancy.models import Tenant

    to_public()
    with transaction.atomic():
        Tenant.objects.filter(schema_name=schema_name).delete()  # and its Domain (CASCADE)
        schemas.drop_schema(schema_name)


def drop(schema_name: str) -> None:
    from apps.tenancy import schemas

    to_public()
    schemas.drop_schema(schema_name)


def migrate_options(**overrides: Any) -> dict[str, Any]:
    """migrate_schemas' own defaults, as `call_command` would pass them (checks skipped)."""
    from django_tenants.management.commands.migrate_schemas import MigrateSchemasCommand

    parser = MigrateSchemasCommand().create_parser("manage.py", "migrate_schemas")
    options = vars(parser.parse_args(["--noinput", "--verbosity", "0"]))
    options.update(skip_checks=True, **overrides)
    return options


def count_tables(schema_name: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s AND table_type = 'BASE TABLE'",
            [schema_name],
        )
        return int(cursor.fetchone()[0])


# --- phases ---------------------------------------------------------------------------------


def grow(target: int, codes: Iterator[str], chunk: int = 100) -> float:
    """Activate kelurahan (untimed) until `target` exist: pool filled in bulk, then renamed in."""
    from django.db import connection

    from apps.tenancy import schemas
    from apps.tenancy.services import activate_region

    start = time.perf_counter()
    missing = target - tenant_count()
    if missing <= 0:
        return 0.0
    log(f"growing to {target} tenants: filling the pool in batches and activating from it")
    empty_pool()  # growth must not eat the clone-made pool, and vice versa
    done = 0
    while done < missing:
        batch = min(chunk, missing - done)
        schemas.fill_pool(KIND, batch)
        for _ in range(batch):
            to_public()
            activation = activate_region(next(codes), refill_pool=False)
            if not activation.from_pool:
                raise RuntimeError("growth expected a pooled schema")
        done += batch
        log(f"  {done}/{missing} activated ({time.perf_counter() - start:.0f} s)")
    connection.close()
    to_public()
    schemas.fill_pool(KIND, pool_size())
    elapsed = time.perf_counter() - start
    log(f"  now {tenant_count()} tenants ({elapsed:.0f} s)")
    return elapsed


def measure_checkpoint(target: int, samples: int, codes: Iterator[str], grow_s: float) -> Checkpoint:
    from django_tenants.clone import CloneSchema
    from django_tenants.migration_executors.base import run_migrations

    from apps.tenancy import schemas

    tenants = tenant_count()
    assert tenants == target, (tenants, target)
    ours, migrate, clone, fallback = [], [], [], []
    options = migrate_options()
    log(f"measuring at {tenants} tenants, {samples} samples each")

    for i in range(samples):
        # ours, warm pool
        to_public()
        schemas.fill_pool(KIND, pool_size())
        elapsed, activation = timed_activation(next(codes))
        if not activation.from_pool:
            raise RuntimeError("warm-pool activation did not use the pool")
        ours.append(elapsed)
        remove_sample_tenant(activation.tenant.schema_name)

        # baseline A: CREATE SCHEMA + full migrations, as django-tenants does without a template
        name = f"bench_migrate_{i}"

        def migrate_new(name: str = name) -> None:
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute(f"CREATE SCHEMA {connection.ops.quote_name(name)}")
            run_migrations(
                args=[], options=dict(options), executor_codename="standard", schema_name=name, tenant_type=KIND
            )

        migrate.append(timed(migrate_new))
        drop(name)

        # baseline B: django-tenants' clone_schema SQL function
        name = f"bench_clone_{i}"
        template = schemas.template_schema(KIND)
        clone.append(timed(lambda name=name, template=template: CloneSchema().clone_schema(template, name, "DATA")))
        drop(name)

    # ours, empty pool: the clone-the-template fallback
    empty_pool()
    for _ in range(samples):
        elapsed, activation = timed_activation(next(codes))
        if activation.from_pool:
            raise RuntimeError("empty-pool activation used the pool")
        fallback.append(elapsed)
        remove_sample_tenant(activation.tenant.schema_name)
    schemas.fill_pool(KIND, pool_size())

    checkpoint = Checkpoint(
        tenants=tenants,
        grow_s=grow_s,
        ours=Stats(ours),
        fallback=Stats(fallback),
        migrate=Stats(migrate),
        clone=Stats(clone),
    )
    log(
        f"  ours p50 {checkpoint.ours.p50 * 1000:.0f} ms, migrate p50 {checkpoint.migrate.p50 * 1000:.0f} ms, "
        f"clone p50 {checkpoint.clone.p50 * 1000:.0f} ms, fallback p50 {checkpoint.fallback.p50 * 1000:.0f} ms"
    )
    return checkpoint


def measure_noop_migrate(sample: int) -> NoopMigrate:
    from django.core.management import call_command
    from django_tenants.migration_executors import get_executor

    from apps.tenancy import schemas
    from apps.tenancy.models import Tenant

    to_public()
    tenants = list(Tenant.objects.filter(tenant_type=KIND).order_by("id").values_list("schema_name", "tenant_type"))
    checked = len(schemas.all_schema_pairs())
    log(f"no-op migrate: ours over all {checked} schemas ({len(tenants)} tenants)")
    ours_s = timed(lambda: call_command("migrate_schemas", tenant=True, verbosity=0, no_pool_fill=True))

    # django-tenants' MigrateSchemasCommand with the standard executor, on an evenly spread sample
    picked = tenants if sample <= 0 or sample >= len(tenants) else tenants[:: len(tenants) // sample][:sample]
    log(f"no-op migrate: django-tenants standard executor over {len(picked)} tenant schemas")
    executor = get_executor("standard")(args=[], options=migrate_options(tenant=True))
    baseline_s = timed(lambda: executor.run_multi_type_migrations(tenants=[tuple(p) for p in picked]))
    return NoopMigrate(
        tenants=len(tenants),
        schemas_checked=checked,
        ours_s=ours_s,
        baseline_sample=len(picked),
        baseline_sample_s=baseline_s,
    )


# --- output ---------------------------------------------------------------------------------


def render(report: Report) -> str:
    ms = 1000.0
    lines = [
        f"KotaKita tenant provisioning benchmark  ({report.started}, PostgreSQL {report.postgres}, "
        f"{report.cpus} CPUs, {report.samples} samples per cell)",
        f"Tenant schema ({KIND}): {report.tenant_schema_tables} tables "
        "(the issue's reference figures were for a ~90-table schema; ours is smaller today).",
        "",
        f"{'tenants':>8} | {'ours p50/p95 ms':>16} | {'migrate p50/p95 ms':>19} | {'clone p50/p95 ms':>17} | "
        f"{'migr/ours':>9} | {'clone/ours':>10} | {'empty-pool p50 ms':>17}",
        "-" * 115,
    ]
    for c in report.checkpoints:
        lines.append(
            f"{c.tenants:>8} | {c.ours.p50 * ms:>7.1f} / {c.ours.p95 * ms:>6.1f} | "
            f"{c.migrate.p50 * ms:>8.1f} / {c.migrate.p95 * ms:>8.1f} | "
            f"{c.clone.p50 * ms:>7.1f} / {c.clone.p95 * ms:>7.1f} | "
            f"{c.migrate_ratio:>8.1f}x | {c.clone_ratio:>9.1f}x | {c.fallback.p50 * ms:>17.1f}"
        )
    lines.append("")
    lines.append(
        "ours = activate_region() with a warm pool; migrate = CREATE SCHEMA + full django-tenants "
        "run_migrations; clone = django-tenants clone_schema() only (its faked migrate afterwards not timed); "
        "empty-pool = activate_region() with no pooled schema (replays the cached template dump). "
        "Each timed call on a fresh DB session."
    )
    if report.noop is not None:
        n = report.noop
        how = (
            f"measured on {n.baseline_sample} tenant schemas ({n.baseline_sample_s:.1f} s, "
            f"{n.baseline_per_tenant_s * ms:.0f} ms/tenant), extrapolated to {n.tenants}"
            if n.baseline_sample < n.tenants
            else f"measured over all {n.tenants}"
        )
        lines += [
            "",
            f"No-op migrate at {n.tenants} tenants:",
            f"  ours (migrate_schemas --tenant, {n.schemas_checked} schemas checked): {n.ours_s:.2f} s",
            f"  django-tenants standard executor: {n.baseline_extrapolated_s:.1f} s ({how})",
            f"  baseline / ours: {n.ratio:.1f}x",
        ]
    lines += ["", "Targets:"]
    lines += [f"  {'PASS' if ok else 'FAIL'}  {name}" for name, ok in report.targets().items()]
    load = ", ".join(f"{a:.1f}/{b:.1f}" for a, b in zip(report.load_before, report.load_after, strict=True))
    lines += ["", f"Load average (1/5/15 min) before/after: {load}"]
    lines += [f"Setup {report.setup_s:.0f} s; whole run {report.total_s:.0f} s ({report.total_s / 60:.1f} min)."]
    return "\n".join(lines)


# --- main -----------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL, help="dropped and re-created!")
    parser.add_argument("--sizes", default="10,100,1000", help="tenant-count checkpoints, comma-separated")
    parser.add_argument("--samples", type=int, default=15, help="timed samples per cell")
    parser.add_argument(
        "--noop-sample", type=int, default=30, help="tenant schemas the no-op migrate baseline runs on (0 = all)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database afterwards")
    args = parser.parse_args(argv)
    args.sizes = sorted({int(size) for size in args.sizes.split(",") if size.strip()})
    if not args.sizes or args.sizes[0] < 1 or args.samples < 1:
        parser.error("--sizes needs positive counts and --samples at least 1")
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

        from apps.tenancy import schemas

        log("migrate (public schema, templates, pool)")
        call_command("migrate", verbosity=0)
        to_public()
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            server_version = str(cursor.fetchone()[0])
        report = Report(
            started=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            database=database,
            postgres=server_version,
            python=platform.python_version(),
            cpus=os.cpu_count() or 0,
            load_before=os.getloadavg(),
            samples=args.samples,
            tenant_schema_tables=count_tables(schemas.template_schema(KIND)),
            setup_s=time.perf_counter() - started,
        )
        codes = region_codes()
        for size in args.sizes:
            grow_s = grow(size, codes)
            report.checkpoints.append(measure_checkpoint(size, args.samples, codes, grow_s))
        report.noop = measure_noop_migrate(args.noop_sample)
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
