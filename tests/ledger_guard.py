"""Switch the ledger's triggers off for one test transaction, on PostgreSQL and on Citus.

Tests that wipe committed ledger rows or simulate corruption need the triggers that refuse
DELETE/UPDATE (apps/payments/migrations/0002, 0008) out of the way. On PostgreSQL
`SET LOCAL session_replication_role = replica` (superuser) does it for the transaction; Citus
does not pass that setting on to the workers, where the triggers fire on the shards. There
`ALTER TABLE ... DISABLE TRIGGER ALL` (propagated to the shards) is run for the given tables
and undone before the transaction ends, so no other session ever sees them off. A table with
trigger events already pending in the transaction (deferred key checks, which SET CONSTRAINTS
cannot fire on the workers) cannot be altered: use it at the start of a transaction.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection

from apps.tenancy import citus


@contextmanager
def ledger_triggers_off(cursor: Any, tables: Sequence[str] | None = None) -> Iterator[None]:
    """Inside a transaction: the triggers of `tables` (default: every table of the current
    schema that has user triggers) do not fire until the block ends."""
    if not citus.is_citus(connection):
        cursor.execute("SET LOCAL session_replication_role = replica")
        yield
        cursor.execute("SET LOCAL session_replication_role = origin")
        return
    if tables is None:
        cursor.execute(
            "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace ORDER BY 1"
        )
        tables = [row[0] for row in cursor.fetchall()]
    names = [connection.ops.quote_name(table) for table in tables]
    for name in names:
        cursor.execute(f"ALTER TABLE {name} DISABLE TRIGGER ALL")
    yield
    for name in names:
        cursor.execute(f"ALTER TABLE {name} ENABLE TRIGGER ALL")
