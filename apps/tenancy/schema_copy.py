"""A tenant schema's data as COPY files, and back: the fast archive format (archives FORMAT 2).

Why not pg_dump: pg_dump reads the catalog of the whole database (every schema's ~930 pg_class
rows) even for `--schema=X`, so one tenant's dump grows with the number of tenants (2.4 s at
300). Here every catalog lookup goes through an index restricted to the tenant's own
relations (pg_class by name+namespace, pg_attribute/pg_constraint/pg_trigger by relation,
pg_depend by referenced relation), never a scan of a whole catalog, so a dump costs the same at
10 or 10,000 tenants.

Dump (`dump_schema_data`): inside ONE transaction at REPEATABLE READ (or the caller's, for a
removal that has locked writers out), so the archive is one snapshot: a committed write is in
every table it touched or in none.

* the tables are those of the tenant type's models (+ `django_migrations`); every one present
  in the schema and not empty is written with `COPY ... TO STDOUT` (text format) into
  `data/<table>.copy`; every one is listed with its columns (generated columns left out: they
  are recomputed) and row count;
* `migrations`: the schema's applied migrations (its migration state);
* `sequences`: every sequence owned by a column of those tables, with last_value/is_called
  (read after the data, so never behind a copied id).

Load (`load_schema_data`) into a fresh schema at the same migration state (from the pool or a
clone of the template, `schemas`), in one transaction: the tables the template filled are
emptied, user triggers are disabled (the ledger's refuse UPDATE/DELETE/TRUNCATE, recompute
balances on INSERT and check balance at commit: the archived rows are already the result of
those rules), deferrable constraints deferred, then COPY FROM every file, triggers enabled
again, sequences set, and each table's row count checked against the manifest.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.apps import apps

from apps.core import row_ids
from apps.core.db import connection

from . import citus, schemas

DATA_DIR = "data"
# Tables that archives made by older code list, but that no tenant schema has any more: their
# rows are left out on load. django-axes' login attempts moved to the public schema (issue 17,
# apps.accounts.lockout, migration accounts.0006), sessions to one public table keyed by schema
# (apps.websessions, migration core.0005), Idempotency-Key records to one public table keyed by
# schema (apps.idempotency, migration core.0006); they were transient anyway. Per-user permissions
# were dropped (accounts.0008: permissions come from groups only; never granted). The tenant admin's
# log is core_event rows (apps.core.admin_log, core.0007; the rows of an older archive's
# django_admin_log are left out: the restored schema starts its admin history afresh). SLA
# reminders sent are core_event rows too (reports.0012): an older archive's are left out, so a
# restored report still overdue is reminded (and escalated) once more. The OSS and
# channel configs moved to one public table keyed by schema (apps.integrations, migrations
# permits.0011 and notifications.0008): an older archive's rows of them are left out (the restored
# tenant starts on the sandboxes until its configs are entered again); newer archives carry them
# as public rows (archives.PUBLIC_ROWS).
RETIRED_TABLES = frozenset(
    {
        "django_admin_log",
        "axes_accessattempt",
        "axes_accessattemptexpiration",
        "axes_accessfailurelog",
        "axes_accesslog",
        "accounts_user_user_permissions",
        "core_idempotencyrecord",
        "django_session",
        "notifications_channelconfig",
        "permits_ossconfig",
        "reports_slareminder",
    }
)


def model_tables(tenant_type: str) -> list[str]:
    """Every table a schema of this type holds: its apps' concrete models (with auto-created
    many-to-many tables) and the migration recorder's table."""
    labels = schemas._app_labels(tenant_type)
    tables = {"django_migrations"}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.app_label in labels and meta.managed and not meta.proxy:
            tables.add(meta.db_table)
    return sorted(tables)


def _quote(name: str) -> str:
    return str(connection.ops.quote_name(name))


def _tables(cursor: Any, schema: str, names: list[str]) -> dict[str, int]:
    """{table: oid} of the plain tables among `names` in `schema` (index lookups by name)."""
    cursor.execute(
        "SELECT c.relname, c.oid FROM pg_class c "
        "WHERE c.relname = ANY(%s) AND c.relnamespace = to_regnamespace(%s) AND c.relkind = 'r'",
        [names, schema],
    )
    return {name: int(oid) for name, oid in cursor.fetchall()}


def _columns(cursor: Any, oids: list[int]) -> dict[int, list[str]]:
    cursor.execute(
        "SELECT attrelid, attname FROM pg_attribute WHERE attrelid = ANY(%s) AND attnum > 0 "
        "AND NOT attisdropped AND attgenerated = '' ORDER BY attrelid, attnum",
        [oids],
    )
    columns: dict[int, list[str]] = {}
    for oid, name in cursor.fetchall():
        columns.setdefault(int(oid), []).append(name)
    return columns


def _dependency_order(cursor: Any, tables: dict[str, int]) -> list[str]:
    """Referenced tables before the tables referencing them (foreign keys within the schema);
    deferrable keys are deferred anyway, this keeps a non-deferrable one loadable too."""
    cursor.execute(
        "SELECT conrelid, confrelid FROM pg_constraint WHERE conrelid = ANY(%s) AND contype = 'f'",
        [list(tables.values())],
    )
    by_oid = {oid: name for name, oid in tables.items()}
    needs: dict[str, set[str]] = {name: set() for name in tables}
    for child, parent in cursor.fetchall():
        if parent in by_oid and child != parent:
            needs[by_oid[child]].add(by_oid[parent])
    ordered: list[str] = []
    placed: set[str] = set()
    while len(ordered) < len(needs):
        ready = sorted(n for n, deps in needs.items() if n not in placed and deps <= placed)
        if not ready:  # a cycle: the rest in name order (their keys are deferrable in Django)
            ready = sorted(n for n in needs if n not in placed)
        ordered += ready
        placed.update(ready)
    return ordered


def _non_empty(cursor: Any, tables: dict[str, int]) -> set[str]:
    """The tables that may hold rows: those whose main fork is not empty (dead rows too).

    `pg_relation_size` looks at the file only; a `SELECT EXISTS` per table would have the
    planner open every index of every table (~580 here), the bulk of a dump's time. On Citus
    the coordinator's tables are empty shells (the rows live on a worker's shards): every
    table is read."""
    if citus.is_citus(connection):
        return set(tables)
    cursor.execute(
        "SELECT oid FROM pg_class WHERE oid = ANY(%s) AND pg_relation_size(oid) > 0", [list(tables.values())]
    )
    sized = {int(row[0]) for row in cursor.fetchall()}
    return {name for name, oid in tables.items() if oid in sized}


def _sequences(cursor: Any, schema: str, oids: list[int]) -> list[str]:
    """The schema's shared row-id sequences (apps.core.row_ids: owned by no column) and any
    sequence owned by a column (serial or identity) of one of the tables (schemas made before
    core.0002, archives of them)."""
    cursor.execute(
        "SELECT s.relname FROM pg_class s JOIN pg_namespace n ON n.oid = s.relnamespace "
        "WHERE n.nspname = %s AND s.relname = ANY(%s) AND s.relkind = 'S' "
        "UNION SELECT s.relname FROM pg_depend d JOIN pg_class s ON s.oid = d.objid "
        "WHERE d.refclassid = 'pg_class'::regclass AND d.refobjid = ANY(%s) AND d.classid = 'pg_class'::regclass "
        "AND d.deptype IN ('a', 'i') AND s.relkind = 'S' ORDER BY 1",
        [schema, list(row_ids.SEQUENCE_NAMES), oids],
    )
    return [row[0] for row in cursor.fetchall()]


def dump_schema_data(schema: str, tenant_type: str, folder: Path) -> dict[str, Any]:
    """Write every table of `schema` as `folder/data/<table>.copy`; returns the manifest part
    (tables with columns and row counts in load order, sequences, migrations). Must run inside
    a transaction whose snapshot is the archive's (see `snapshot`)."""
    if not connection.in_atomic_block:
        raise RuntimeError("dump_schema_data needs the caller's transaction (one snapshot)")
    target = folder / DATA_DIR
    target.mkdir(parents=True, exist_ok=True)
    with connection.cursor() as cursor:
        tables = _tables(cursor, schema, model_tables(tenant_type))
        if "django_migrations" not in tables:
            raise RuntimeError(f"{schema} has no django_migrations table: not a tenant schema")
        columns = _columns(cursor, list(tables.values()))
        order = _dependency_order(cursor, tables)
        filled = _non_empty(cursor, tables)
        raw = cursor.cursor  # psycopg's own cursor: COPY streams through it
        listed: list[dict[str, Any]] = []
        for name in order:
            cols = columns[tables[name]]
            if name not in filled:  # most tables of a tenant are empty: no round trip, no file
                listed.append({"name": name, "columns": cols, "rows": 0})
                continue
            column_sql = ", ".join(_quote(c) for c in cols)
            rows = 0
            with (target / f"{name}.copy").open("wb") as out:
                sql = f"COPY {_quote(schema)}.{_quote(name)} ({column_sql}) TO STDOUT"
                with raw.copy(sql) as copy:
                    for chunk in copy:
                        data = bytes(chunk)
                        rows += data.count(b"\n")  # text format: one line per row, newlines escaped
                        out.write(data)
            listed.append({"name": name, "columns": cols, "rows": rows})
        cursor.execute(f"SELECT app, name FROM {_quote(schema)}.django_migrations ORDER BY app, name")
        migrations = [f"{app}.{name}" for app, name in cursor.fetchall()]
        sequences: dict[str, list[Any]] = {}
        names = _sequences(cursor, schema, list(tables.values()))
        if names:
            cursor.execute(
                " UNION ALL ".join(
                    f"SELECT %s, last_value, is_called FROM {_quote(schema)}.{_quote(s)}" for s in names
                ),
                names,
            )
            sequences = {name: [int(value), bool(called)] for name, value, called in cursor.fetchall()}
    return {"tables": listed, "sequences": sequences, "migrations": migrations}


def snapshot(action: Callable[[], Any]) -> Any:
    """Run `action` in one consistent snapshot: the caller's transaction when there is one (a
    removal holding writers off), else a REPEATABLE READ, READ ONLY transaction of its own."""
    from django.db import transaction

    if connection.in_atomic_block:
        return action()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        return action()


def migration_state(schema: str) -> set[str]:
    """The applied migrations of a template or pooled schema, read directly: the generic
    `schemas.applied_migrations` first looks the table up in information_schema, a scan of
    the whole catalog."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT app, name FROM {_quote(schema)}.django_migrations")
        return {f"{app}.{name}" for app, name in cursor.fetchall()}


def load_schema_data(schema: str, folder: Path, part: dict[str, Any]) -> None:
    """Fill the fresh `schema` (same migration state as the archive) from `folder/data`,
    inside the caller's transaction. Raises on any difference in tables, columns or counts."""
    if not connection.in_atomic_block:
        raise RuntimeError("load_schema_data needs the caller's transaction (all or nothing)")
    listed: list[dict[str, Any]] = [t for t in part["tables"] if t["name"] not in RETIRED_TABLES]
    with connection.cursor() as cursor:
        tables = _tables(cursor, schema, [t["name"] for t in listed])
        missing = sorted({t["name"] for t in listed} - set(tables))
        if missing:
            raise RuntimeError(f"{schema} lacks archived tables: {', '.join(missing[:5])}")
        oids = list(tables.values())
        columns = _columns(cursor, oids)
        for table in listed:
            if columns[tables[table["name"]]] != table["columns"]:
                raise RuntimeError(f"{schema}.{table['name']}: columns differ from the archive")
        cursor.execute("SELECT DISTINCT tgrelid FROM pg_trigger WHERE tgrelid = ANY(%s) AND NOT tgisinternal", [oids])
        with_triggers = {int(row[0]) for row in cursor.fetchall()}
        triggered = [name for name, oid in tables.items() if oid in with_triggers]
        qualified = {name: f"{_quote(schema)}.{_quote(name)}" for name in tables}
        # On Citus the foreign-key checks of the loaded rows queue on the workers as deferred
        # events that SET CONSTRAINTS does not reach, and ENABLE TRIGGER below would then be
        # refused ("pending trigger events"): there the key triggers are off during the load too
        # (superuser, as every restore here; the archive is one consistent snapshot and each
        # table's row count is checked).
        switched = "ALL" if citus.is_citus(connection) else "USER"
        if switched == "ALL":
            triggered = list(tables)
        for name in triggered:
            cursor.execute(f"ALTER TABLE {qualified[name]} DISABLE TRIGGER {switched}")
        # Rows the template put there (migrations' data, django_migrations): the archive has its own.
        filled = _non_empty(cursor, tables)
        if filled:
            cursor.execute(f"TRUNCATE {', '.join(qualified[n] for n in sorted(filled))} CASCADE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        raw = cursor.cursor
        for table in listed:
            name = table["name"]
            if not table["rows"]:
                continue
            column_sql = ", ".join(_quote(c) for c in table["columns"])
            copy_sql = f"COPY {qualified[name]} ({column_sql}) FROM STDIN"
            with (folder / DATA_DIR / f"{name}.copy").open("rb") as source, raw.copy(copy_sql) as copy:
                while chunk := source.read(1 << 20):
                    copy.write(chunk)
            if raw.rowcount != table["rows"]:
                raise RuntimeError(f"{schema}.{name}: {raw.rowcount} rows loaded, the archive has {table['rows']}")
        # The deferred key checks run now (a broken key fails here), and must have run before
        # ALTER TABLE: it refuses a table with pending trigger events.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for name in triggered:
            cursor.execute(f"ALTER TABLE {qualified[name]} ENABLE TRIGGER {switched}")
        sequences: dict[str, list[Any]] = part["sequences"]
        if sequences:
            cursor.execute(
                "SELECT " + ", ".join("setval(%s::regclass, %s, %s)" for _ in sequences),
                [
                    v
                    for name, (value, called) in sequences.items()
                    for v in (f"{_quote(schema)}.{_quote(name)}", value, called)
                ],
            )


def _targets(graph: Any, labels: set[str], applied: set[str]) -> list[tuple[str, str | None]]:
    """Per app, the migration to migrate to so that exactly `applied` is applied: the applied
    node no other applied node of the app depends on (None: none of the app's migrations)."""
    keys: set[tuple[str, str]] = set()
    for item in applied:
        app, _, name = item.partition(".")
        keys.add((app, name))
    on_disk = set(graph.nodes)
    unknown = sorted(f"{a}.{n}" for a, n in keys if (a, n) not in on_disk and a in labels)
    if unknown:
        raise RuntimeError(f"the archive has migrations this code does not: {', '.join(unknown[:5])}")
    targets: list[tuple[str, str | None]] = []
    for label in sorted(labels):
        mine = {key for key in keys if key[0] == label}
        if not mine:
            targets.append((label, None))
            continue
        parents = {parent.key for key in mine for parent in graph.node_map[key].parents if parent.key in mine}
        leaves = sorted(mine - parents)
        if len(leaves) != 1:
            raise RuntimeError(f"the archive's {label} migrations have {len(leaves)} leaves: {leaves}")
        app, name = leaves[0]
        targets.append((app, name))
    return targets


def _migrate(schema: str, tenant_type: str, applied: set[str] | None, create: bool) -> None:
    from django.db.migrations.executor import MigrationExecutor
    from django.db.migrations.recorder import MigrationRecorder

    if create:
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE SCHEMA {_quote(schema)}")
    try:
        # As django-tenants' run_migrations: the recorder's table in the schema itself, then
        # the tenant type set so the router migrates only this type's apps.
        connection.set_schema(schema, tenant_type=tenant_type, include_public=False)
        MigrationRecorder(connection).ensure_schema()
        connection.set_schema(schema, tenant_type=tenant_type)
        executor = MigrationExecutor(connection)
        graph = executor.loader.graph
        labels = {key[0] for key in graph.nodes}
        executor.migrate(graph.leaf_nodes() if applied is None else _targets(graph, labels, applied))
    finally:
        connection.set_schema_to_public()


def migrate_to(schema: str, tenant_type: str, applied: set[str]) -> None:
    """Create `schema` and run the migrations so that exactly `applied` are applied."""
    _migrate(schema, tenant_type, applied, create=True)


def migrate_forward(schema: str, tenant_type: str) -> None:
    """Apply every migration on disk that `schema` misses."""
    _migrate(schema, tenant_type, None, create=False)
