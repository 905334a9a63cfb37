"""Schema plumbing: template schemas, migration state, and the pool of ready-made schemas.

Activation must be fast (a kelurahan is onboarded while the operator waits), but migrating or
even cloning a ~90-table schema takes seconds. So each tenant type keeps a few *pooled*
schemas, cloned from its template ahead of time; activation renames one of them
(`ALTER SCHEMA ... RENAME`, a catalogue update) inside the activation's transaction.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import subprocess
import uuid
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.migrations.loader import MigrationLoader
from django_tenants.clone import CloneSchema
from django_tenants.utils import get_tenant_types, schema_exists

from apps.core.db import connection
from config.embedded_db import binary_major, embedded_bin_dir

from . import citus
from .models import PooledSchema, Tenant

logger = logging.getLogger(__name__)

TENANT_TYPES = (Tenant.Type.KOTA, Tenant.Type.KELURAHAN)
POOL_PREFIX = "pool_"


def template_schema(tenant_type: str) -> str:
    return str(get_tenant_types()[tenant_type]["BASE_SCHEMA"])


def _app_labels(tenant_type: str) -> set[str]:
    """Labels of the type's apps, listed by module ("django.contrib.auth") or by AppConfig
    path ("config.admin_apps.KotaKitaAdminConfig", whose `name` is django.contrib.admin)."""
    names = set(get_tenant_types()[tenant_type]["APPS"])
    return {
        config.label
        for config in apps.get_app_configs()
        if config.name in names or f"{type(config).__module__}.{type(config).__qualname__}" in names
    }


@cache
def expected_migrations(tenant_type: str) -> frozenset[tuple[str, str]]:
    """Every migration on disk that a schema of this type must have applied."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    labels = _app_labels(tenant_type)
    return frozenset(key for key in loader.graph.nodes if key[0] in labels)


def fingerprint(tenant_type: str) -> str:
    joined = "\n".join(f"{app}.{name}" for app, name in sorted(expected_migrations(tenant_type)))
    return hashlib.sha256(joined.encode()).hexdigest()


def applied_migrations(schemas: Iterable[str], chunk: int = 200) -> dict[str, set[tuple[str, str]]]:
    """Applied migrations of many schemas, a few queries in all (not one per schema)."""
    names = list(schemas)
    existing = _existing_migration_tables(names)
    state: dict[str, set[tuple[str, str]]] = {name: set() for name in names}
    with connection.cursor() as cursor:
        for start in range(0, len(existing), chunk):
            part = existing[start : start + chunk]
            sql = " UNION ALL ".join(
                f"SELECT %s, app, name FROM {connection.ops.quote_name(s)}.django_migrations" for s in part
            )
            cursor.execute(sql, part)
            for schema, app, name in cursor.fetchall():
                state[schema].add((app, name))
    return state


def _existing_migration_tables(schemas: list[str]) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema FROM information_schema.tables "
            "WHERE table_name = 'django_migrations' AND table_schema = ANY(%s)",
            [schemas],
        )
        return [row[0] for row in cursor.fetchall()]


def outdated(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The (schema, type) pairs that miss at least one migration on disk."""
    pairs = list(pairs)
    state = applied_migrations(schema for schema, _ in pairs)
    return [(schema, kind) for schema, kind in pairs if not expected_migrations(kind) <= state[schema]]


def public_outdated() -> bool:
    """True when the public schema misses a migration on disk (or has no migration table yet).
    Running Django's migrate there with nothing to do costs about a second on every boot."""
    if not _existing_migration_tables(["public"]):
        return True
    return not expected_migrations("public") <= applied_migrations(["public"])["public"]


def ensure_template_schemas() -> list[tuple[str, str]]:
    """Create the per-type template schemas if missing; return them as (schema, type).

    On Citus they stay plain local schemas on the coordinator (apps.tenancy.citus): only
    pooled schemas, clones and restored tenants are distributed."""
    pairs = []
    with transaction.atomic(), connection.cursor() as cursor:
        on_citus = citus.is_citus(connection)
        if on_citus:
            cursor.execute("SELECT set_config(%s, 'off', true)", [citus.SHARDING])
        for kind in TENANT_TYPES:
            name = template_schema(kind)
            cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {connection.ops.quote_name(name)}")
            pairs.append((name, str(kind)))
    return pairs


def all_schema_pairs() -> list[tuple[str, str]]:
    """Every non-public schema we manage: templates, pooled schemas and tenants."""
    pairs = [(template_schema(kind), str(kind)) for kind in TENANT_TYPES]
    pairs += list(PooledSchema.objects.order_by("id").values_list("schema_name", "tenant_type"))
    pairs += list(
        Tenant.objects.exclude(tenant_type=Tenant.Type.PUBLIC).order_by("id").values_list("schema_name", "tenant_type")
    )
    return pairs


# --- the pool -----------------------------------------------------------------------------


def take_pooled_schema(tenant_type: str) -> str | None:
    """Claim a current pooled schema inside the caller's transaction (None if none left)."""
    entry = (
        PooledSchema.objects.select_for_update(skip_locked=True)
        .filter(tenant_type=tenant_type, fingerprint=fingerprint(tenant_type))
        .order_by("id")
        .first()
    )
    if entry is None:
        return None
    entry.delete()
    return entry.schema_name


def rename_schema(old: str, new: str) -> None:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER SCHEMA {quote(old)} RENAME TO {quote(new)}")


def clone_template(tenant_type: str, new_schema: str) -> None:
    """Create `new_schema` as a copy of the type's template, inside the caller's transaction.

    The template is dumped once per migration state with pg_dump (tables, constraints,
    indexes, identity sequences and rows) and the dump is replayed under the new name: about
    70 ms, flat in the number of schemas. django-tenants' clone_schema() is the fallback when
    no pg_dump is at hand; it takes seconds and grows with the number of schemas.
    """
    template = template_schema(tenant_type)
    script = _template_script(tenant_type)
    if not citus.is_citus(connection):
        _replay(template, new_schema, script)
        return
    # Citus: built as a local schema, then distributed whole (a dump replayed into a
    # distributed schema fails on its ADD GENERATED ... AS IDENTITY).
    body, triggers = citus.triggers_last(script) if script is not None else (None, "")
    with transaction.atomic(), connection.cursor() as cursor:
        with citus.local_schema_build(cursor):
            _replay(template, new_schema, body)
        citus.distribute_schema(cursor, new_schema)
        # After the rows reached the worker (apps.tenancy.citus.triggers_last); one statement per
        # execute: Citus passes each DDL on to the worker as a single prepared statement.
        for statement in triggers.splitlines():
            cursor.execute(re.sub(rf"\b{re.escape(template)}\b", new_schema, statement))


def _replay(template: str, new_schema: str, script: str | None) -> None:
    if script is None:
        CloneSchema().clone_schema(template, new_schema, "DATA")
        return
    with connection.cursor() as cursor:
        cursor.execute(re.sub(rf"\b{re.escape(template)}\b", new_schema, script))


_TEMPLATE_SCRIPTS: dict[tuple[str, str], str] = {}


def _template_script(tenant_type: str) -> str | None:
    key = (tenant_type, fingerprint(tenant_type))
    if key not in _TEMPLATE_SCRIPTS:
        try:
            dump = run_pg_dump(f"--schema={template_schema(tenant_type)}", "--inserts", "--no-owner", "--no-privileges")
        except PgDumpUnavailable as exc:
            logger.warning("schema clone falls back to clone_schema (slow): %s", exc)
            return None
        # Keep plain SQL only: no psql meta-commands (\restrict), and no SET/set_config that
        # would change the session (search_path!) under django-tenants' feet.
        keep = [
            line for line in dump.splitlines() if not line.startswith(("\\", "SET ", "SELECT pg_catalog.set_config"))
        ]
        _TEMPLATE_SCRIPTS[key] = "\n".join(keep)
    return _TEMPLATE_SCRIPTS[key]


class PgDumpUnavailable(RuntimeError):
    """No pg_dump/pg_restore of the server's major version: archives are refused (a dump
    written by another major version is not reliably restorable on this server)."""


def pg_client_binary(name: str) -> str:
    """`name` (pg_dump or pg_restore) from the same PostgreSQL major version as the server.

    Looked up in KOTAKITA_PG_BIN_DIR when set (and only there), else the embedded server's
    binaries, /usr/lib/postgresql/<major>/bin (Debian/Ubuntu keep every version side by side)
    and PATH. A newer pg_dump would write archives the server's own pg_restore cannot read,
    an older one refuses to dump: only an exact major match is used.
    """
    server_major = connection.pg_version // 10000
    override = settings.KOTAKITA_PG_BIN_DIR
    candidates: list[Path] = []
    if override:
        candidates.append(Path(override) / name)
    else:
        bin_dir = embedded_bin_dir()
        if bin_dir:
            candidates.append(bin_dir / name)
        candidates.append(Path("/usr/lib/postgresql") / str(server_major) / "bin" / name)
        on_path = shutil.which(name)
        if on_path:
            candidates.append(Path(on_path))
    seen: list[str] = []
    for candidate in candidates:
        if not candidate.exists():
            continue
        major = binary_major(candidate)
        if major == server_major:
            return str(candidate)
        seen.append(f"{candidate} (PostgreSQL {major if major is not None else '?'})")
    found = "; found " + ", ".join(seen) if seen else ""
    where = f"KOTAKITA_PG_BIN_DIR={override}" if override else "the embedded server, /usr/lib/postgresql or PATH"
    raise PgDumpUnavailable(
        f"No {name} from PostgreSQL {server_major} (the database server's version) in {where}{found}. "
        f"Install postgresql-client-{server_major} or set KOTAKITA_PG_BIN_DIR to the bin directory of "
        f"PostgreSQL {server_major}."
    )


def pg_dump_binary() -> str:
    return pg_client_binary("pg_dump")


def pg_restore_binary() -> str:
    return pg_client_binary("pg_restore")


def run_pg_dump(*args: str) -> str:
    """Run pg_dump against our database with `args`; returns its standard output."""
    cmd = [pg_dump_binary(), *args, *connection_args()]
    result = subprocess.run(cmd, capture_output=True, text=True, env=client_env(), check=False)
    if result.returncode != 0:
        raise RuntimeError(f"pg_dump failed: {result.stderr.strip()}")
    return result.stdout


def connection_args(database_option: str = "") -> list[str]:
    """Host, port, user and database of our connection as libpq client options (pg_dump,
    pg_restore, psql). `database_option` (e.g. "--dbname") names the database, else it is the
    last positional argument."""
    db = connection.settings_dict
    # The embedded server is reached through a socket directory given as OPTIONS["host"].
    host = db.get("HOST") or (db.get("OPTIONS") or {}).get("host")
    args = []
    for option, value in (("--host", host), ("--port", db.get("PORT")), ("--username", db.get("USER"))):
        if value:
            args.append(f"{option}={value}")
    args.append(f"{database_option}={db['NAME']}" if database_option else str(db["NAME"]))
    return args


def client_env() -> dict[str, str]:
    return {**os.environ, "PGPASSWORD": connection.settings_dict.get("PASSWORD") or ""}


def drop_schema(name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {connection.ops.quote_name(name)} CASCADE")


def fill_pool(tenant_type: str, size: int | None = None) -> int:
    """Top the pool of `tenant_type` up to `size` current schemas; returns how many it made.

    A session-level advisory lock keeps two fillers (two workers, or a worker and a
    deploy) from overfilling; the one that does not get the lock leaves the work to the
    other.
    """
    size = settings.TENANT_SCHEMA_POOL_SIZE if size is None else size
    if not schema_exists(template_schema(tenant_type)):
        return 0
    lock_key = int(hashlib.sha256(f"kotakita-pool-{tenant_type}".encode()).hexdigest()[:15], 16)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [lock_key])
        if not cursor.fetchone()[0]:
            return 0
    made = 0
    try:
        current = fingerprint(tenant_type)
        drop_stale_pool(tenant_type)
        while PooledSchema.objects.filter(tenant_type=tenant_type, fingerprint=current).count() < size:
            name = f"{POOL_PREFIX}{tenant_type}_{uuid.uuid4().hex[:12]}"
            with transaction.atomic():
                clone_template(tenant_type, name)
                PooledSchema.objects.create(schema_name=name, tenant_type=tenant_type, fingerprint=current)
            made += 1
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [lock_key])
    if made:
        logger.info("schema pool %s: %d new", tenant_type, made)
    return made


def drop_stale_pool(tenant_type: str) -> int:
    """Drop pooled schemas built at an older migration state than the template's."""
    stale = PooledSchema.objects.filter(tenant_type=tenant_type).exclude(fingerprint=fingerprint(tenant_type))
    count = 0
    for entry in stale:
        with transaction.atomic():
            drop_schema(entry.schema_name)
            entry.delete()
        count += 1
    return count


def refresh_pool_fingerprints() -> None:
    """After a migrate, mark pooled schemas that are now fully migrated as current."""
    entries = list(PooledSchema.objects.all())
    state = applied_migrations(entry.schema_name for entry in entries)
    for entry in entries:
        if expected_migrations(entry.tenant_type) <= state[entry.schema_name]:
            current = fingerprint(entry.tenant_type)
            if entry.fingerprint != current:
                PooledSchema.objects.filter(pk=entry.pk).update(fingerprint=current)
