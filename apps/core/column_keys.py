"""Migration operation: make a table's real identity, one unique column, its primary key, in place.

A table with a surrogate `id` primary key and a single-column UNIQUE that is the row's real
identity (a one-to-one extension row's user or delivery, a rule's status, a conversation's phone
number) pays for two indexes. Keyed by that column (`OneToOneField(..., primary_key=True)`, as
multi-table inheritance does, or `CharField(primary_key=True)`) it pays for one: one pg_class row
fewer per table and per tenant schema (issue 17).

`to_column_key` is the database half of the `SeparateDatabaseAndState` whose state operations
remove the `id` field and the unique constraint and make the column the primary key: the rows
stay, the `id` column and its key go, the column's primary key (`<table>_pkey`) takes the place
of its unique constraint. Plain ALTER TABLE statements, one change per statement, so they run on
a Citus distributed schema too (its tables are single-shard: a primary key needs no
distribution column there). Each step checks the catalog first: running it twice changes nothing.

The tenant admin's change history (apps.core.admin_log) names an object by its primary key:
`admin_model` (the model label) moves the object's history to its new key before `id` goes (a
non-integer key goes into `data`, as admin_log does), event by event.

A varchar primary key gets no `varchar_pattern_ops` copy here (Django adds one to a unique or
primary key varchar column it creates or alters; nothing queries these keys by prefix).
"""

from __future__ import annotations

import json
from typing import Any

from django.db import migrations

from .pair_tables import restore_id_key


def _primary_key(cursor: Any, table: str) -> list[str]:
    """The columns of `table`'s primary key, in key order ([] without one)."""
    cursor.execute(
        "SELECT a.attname FROM pg_index i JOIN LATERAL unnest(i.indkey) WITH ORDINALITY k(attnum, ord) ON true "
        "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
        "WHERE i.indrelid = %s::regclass AND i.indisprimary ORDER BY k.ord",
        [table],
    )
    return [row[0] for row in cursor.fetchall()]


def _has_column(cursor: Any, table: str, column: str) -> bool:
    cursor.execute(
        "SELECT 1 FROM pg_attribute WHERE attrelid = %s::regclass AND attname = %s AND attnum > 0 AND NOT attisdropped",
        [table, column],
    )
    return cursor.fetchone() is not None


def _unique_on(cursor: Any, table: str, column: str) -> list[tuple[str, str | None]]:
    """(index name, constraint name or None) of every plain unique index on exactly `column`
    but the primary key: no predicate, no expression."""
    cursor.execute(
        "SELECT ic.relname, con.conname FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid "
        "LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid "
        "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attname = %s "
        "WHERE i.indrelid = %s::regclass AND i.indisunique AND NOT i.indisprimary AND i.indnatts = 1 "
        "AND i.indkey[0] = a.attnum AND i.indpred IS NULL AND i.indexprs IS NULL ORDER BY ic.relname",
        [column, table],
    )
    return [(index, constraint) for index, constraint in cursor.fetchall()]


def move_admin_history(cursor: Any, table: str, column: str, model: str) -> int:
    """Point the tenant admin's log of `model` (rows of `table`, named by `id` so far) at the
    rows' `column` values; returns how many events moved. Events of rows no longer there (a
    deletion) keep their old id."""
    cursor.execute("SELECT to_regclass('core_event') IS NOT NULL")
    if not cursor.fetchone()[0]:
        return 0
    cursor.execute(
        "SELECT id, subject_id FROM core_event WHERE subject_type = 'admin' AND data->>'model' = %s "
        "AND subject_id <> 0 AND NOT data ? 'object_id'",
        [model],
    )
    events = cursor.fetchall()
    if not events:
        return 0
    q = cursor.db.ops.quote_name
    cursor.execute(
        f"SELECT {q('id')}, {q(column)} FROM {q(table)} WHERE {q('id')} = ANY(%s)",
        [sorted({subject for _, subject in events})],
    )
    keys = dict(cursor.fetchall())
    moved = 0
    for event, subject in events:
        if subject not in keys:
            continue
        key = keys[subject]
        if isinstance(key, int) and not isinstance(key, bool):
            cursor.execute("UPDATE core_event SET subject_id = %s WHERE id = %s", [key, event])
        else:
            cursor.execute(
                "UPDATE core_event SET subject_id = 0, data = data || %s::jsonb WHERE id = %s",
                [json.dumps({"object_id": str(key)}), event],
            )
        moved += 1
    return moved


def to_column_key(
    table: str, column: str, *, unique_name: str | None = None, admin_model: str | None = None
) -> migrations.RunPython:
    """The operation converting `table` to PRIMARY KEY (`column`). `unique_name`: the name of the
    unique constraint the backwards operation recreates (a Meta UniqueConstraint's name; default
    PostgreSQL's `<table>_<column>_key`, as an inline UNIQUE gets). `admin_model`: the model's
    label when the tenant admin can log it (its history follows the key)."""
    pkey = f"{table}_pkey"

    def forwards(apps: Any, schema_editor: Any) -> None:
        q = schema_editor.quote_name
        execute = schema_editor.execute
        with schema_editor.connection.cursor() as cursor:
            if _has_column(cursor, table, "id"):
                if admin_model:
                    move_admin_history(cursor, table, column, admin_model)
                execute(f"ALTER TABLE {q(table)} DROP COLUMN {q('id')}")  # and its primary key
            if not _primary_key(cursor, table):
                execute(f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(pkey)} PRIMARY KEY ({q(column)})")
            for index, constraint in _unique_on(cursor, table, column):
                if constraint is not None:
                    execute(f"ALTER TABLE {q(table)} DROP CONSTRAINT {q(constraint)}")
                else:
                    execute(f"DROP INDEX {q(index)}")

    def backwards(apps: Any, schema_editor: Any) -> None:
        q = schema_editor.quote_name
        execute = schema_editor.execute
        with schema_editor.connection.cursor() as cursor:
            if _has_column(cursor, table, "id"):
                return  # never converted (or already back)
        restore_id_key(schema_editor, table)
        unique = unique_name or f"{table}_{column}_key"
        execute(f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(unique)} UNIQUE ({q(column)})")

    return migrations.RunPython(forwards, backwards, elidable=False)
