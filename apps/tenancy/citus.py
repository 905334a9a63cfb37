"""Citus (distributed PostgreSQL, schema-based sharding): what KotaKita does differently on it.

KotaKita runs unchanged on plain PostgreSQL (embedded or external); when the database has the
`citus` extension installed (`is_citus`) the same code also:

- builds every new tenant schema (pooled schema, clone, restored archive) as a plain local
  schema on the coordinator, with `citus.enable_schema_based_sharding` off for that
  transaction, and then distributes it whole with `citus_schema_distribute` (one colocation
  group, placed on one worker). Replaying a pg_dump straight into a distributed schema fails
  (`ALTER TABLE ... ADD GENERATED ... AS IDENTITY` is refused on distributed tables);
- keeps the per-type template schemas local and undistributed on the coordinator: no tenant
  ever queries them, migrations and pg_dump read them without a network hop, and a template
  spread to a worker would only be copied back to be cloned;
- leaves the public schema's tables (tenant registry, regions, analytics, billing) as plain
  coordinator tables: no tenant table references or joins them (docs/ARCHITECTURE.md, "Citus").

Detection is by the extension in the connected database, cached per database: a test database
made by apps.tenancy.postgresql.creation on a Citus cluster has it, the machine's PostgreSQL has
not. `KOTAKITA_CITUS=1` (tests only) makes the test run refuse a database without it, so the
Citus suite cannot quietly run on plain PostgreSQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg

from apps.core.db import connection as default_connection

SHARDING = "citus.enable_schema_based_sharding"
# What a Citus database of KotaKita is set to (ALTER DATABASE ... SET; docs/operations.md):
# new schemas distributed by default, and the ledger's triggers allowed on distributed tables.
DATABASE_SETTINGS = {SHARDING: "on", "citus.enable_unsafe_triggers": "on"}

_DETECTED: dict[tuple[str, str, str], bool] = {}


def _key(conn: Any) -> tuple[str, str, str]:
    db = conn.settings_dict
    return (str(db.get("HOST") or ""), str(db.get("PORT") or ""), str(db.get("NAME") or ""))


def is_citus(conn: Any = None) -> bool:
    """True when the connection's database has the citus extension (cached per database)."""
    conn = conn or default_connection
    key = _key(conn)
    if key not in _DETECTED:
        with conn.cursor() as cursor:
            cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')")
            _DETECTED[key] = bool(cursor.fetchone()[0])
    return _DETECTED[key]


def forget(conn: Any = None) -> None:
    """Drop the cached answer (a test database was created or dropped under this name)."""
    _DETECTED.pop(_key(conn or default_connection), None)


@contextmanager
def local_schema_build(cursor: Any) -> Iterator[None]:
    """Inside the caller's transaction: schemas created in the block stay plain local schemas
    on the coordinator (schema-based sharding off), then the setting is put back as it was."""
    cursor.execute("SELECT current_setting(%s)", [SHARDING])
    before = str(cursor.fetchone()[0])
    cursor.execute("SELECT set_config(%s, 'off', true)", [SHARDING])
    try:
        yield
    finally:
        cursor.execute("SELECT set_config(%s, %s, true)", [SHARDING, before])


def distribute_schema(cursor: Any, schema: str) -> None:
    """Make `schema` a distributed (tenant) schema: its tables become single-shard tables of
    one colocation group, copied whole to one worker. A no-op if it already is one."""
    cursor.execute(distribute_sql(schema))


def distribute_sql(schema: str) -> str:
    """The same as SQL text (a psql script runs it at the end of a restore).

    Citus copies the rows to the worker and leaves the local copy on the coordinator's disk,
    invisible: it is truncated right away (a restored tenant would otherwise be stored twice).
    The ledger's tables refuse TRUNCATE with a trigger; a superuser truncates them with
    triggers off for that statement (session_replication_role), any other role leaves their
    local copy (it is never read, and goes with the schema)."""
    literal = quote_literal(quote_ident(schema))
    superuser = "current_setting('is_superuser') = 'on'"
    return (
        f"SELECT citus_schema_distribute({literal}::regnamespace);\n"
        f"SELECT set_config('session_replication_role', 'replica', true) WHERE {superuser};\n"
        "SELECT truncate_local_data_after_distributing_table(c.oid) FROM pg_class c "
        f"WHERE c.relnamespace = {literal}::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition "
        f"AND ({superuser} OR NOT EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = c.oid "
        "AND NOT t.tgisinternal AND t.tgtype & 32 <> 0)) ORDER BY c.oid;\n"
        f"SELECT set_config('session_replication_role', 'origin', true) WHERE {superuser};\n"
    )


_TRIGGER = re.compile(r"^CREATE (CONSTRAINT )?TRIGGER ", re.MULTILINE)


def triggers_last(sql: str) -> tuple[str, str]:
    """Split a pg_dump script into (everything but the triggers, the CREATE TRIGGER lines).

    `citus_schema_distribute` copies every row into the new shard on the worker, and the shard
    already has the table's triggers: the ledger's would refuse an account whose balance is not
    0 and apply every posting to its account a second time. So a schema is distributed before
    its triggers exist, and they are created afterwards (Citus propagates CREATE TRIGGER to the
    shard). pg_dump writes each CREATE TRIGGER on one line."""
    body: list[str] = []
    triggers: list[str] = []
    for line in sql.splitlines(keepends=True):
        (triggers if _TRIGGER.match(line) else body).append(line)
    return "".join(body), "".join(triggers)


def is_distributed(cursor: Any, schema: str) -> bool:
    cursor.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_dist_schema WHERE schemaid = to_regnamespace(%s))",
        [quote_ident(schema)],
    )
    return bool(cursor.fetchone()[0])


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


# --- a cluster's nodes, for the test database (apps.tenancy.postgresql.creation) ------------


@dataclass(frozen=True)
class Node:
    host: str
    port: int


@dataclass
class Cluster:
    """The coordinator and workers registered in a Citus database, reached with the same
    user and password as Django's connection."""

    coordinator: Node
    workers: list[Node]
    settings: dict[str, str]
    user: str
    password: str

    def _connect(self, node: Node, dbname: str) -> psycopg.Connection[Any]:
        return psycopg.connect(
            host=node.host, port=node.port, user=self.user, password=self.password, dbname=dbname, autocommit=True
        )

    def _run(self, node: Node, dbname: str, *statements: str) -> None:
        with self._connect(node, dbname) as conn:
            for sql in statements:
                conn.execute(sql.encode())

    def drop_database(self, name: str, *, coordinator: bool = True) -> None:
        """Drop `name` on every node. FORCE ends the connections Citus keeps open to it (its
        maintenance daemon, and the coordinator's pooled connections to the workers)."""
        nodes = ([self.coordinator] if coordinator else []) + self.workers
        for node in nodes:
            self._run(node, "postgres", f"DROP DATABASE IF EXISTS {quote_ident(name)} WITH (FORCE)")

    def prepare_database(self, name: str) -> None:
        """`name` exists on the coordinator (Django made it): make it on every worker, install
        citus everywhere, register the coordinator and the workers, and set the database
        settings on every node."""
        alter = [f"ALTER DATABASE {quote_ident(name)} SET {key} = {value}" for key, value in self.settings.items()]
        for worker in self.workers:
            self._run(worker, "postgres", f"DROP DATABASE IF EXISTS {quote_ident(name)} WITH (FORCE)")
            self._run(worker, "postgres", f"CREATE DATABASE {quote_ident(name)}")
            self._run(worker, name, "CREATE EXTENSION IF NOT EXISTS citus", *alter)
        with self._connect(self.coordinator, name) as conn:
            conn.execute(b"CREATE EXTENSION IF NOT EXISTS citus")
            for sql in alter:
                conn.execute(sql.encode())
            conn.execute("SELECT citus_set_coordinator_host(%s, %s)", [self.coordinator.host, self.coordinator.port])
            for worker in self.workers:
                conn.execute("SELECT citus_add_node(%s, %s)", [worker.host, worker.port])


def cluster_of(conn: Any) -> Cluster | None:
    """The Citus cluster behind Django's connection (its own database, not a test database),
    or None on plain PostgreSQL or a Citus database without workers."""
    if not is_citus(conn):
        return None
    db = conn.settings_dict
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT groupid, nodename, nodeport FROM pg_dist_node "
            "WHERE noderole = 'primary' AND isactive ORDER BY groupid, nodeid"
        )
        rows = cursor.fetchall()
    workers = [Node(str(host), int(port)) for group, host, port in rows if group != 0]
    if not workers:
        return None
    coordinators = [Node(str(host), int(port)) for group, host, port in rows if group == 0]
    coordinator = (
        coordinators[0] if coordinators else Node(str(db.get("HOST") or "127.0.0.1"), int(db.get("PORT") or 5432))
    )
    return Cluster(
        coordinator, workers, dict(DATABASE_SETTINGS), str(db.get("USER") or ""), str(db.get("PASSWORD") or "")
    )
