"""One id sequence per tenant schema, shared by every auto primary key in it.

Django gives each AutoField/BigAutoField its own IDENTITY column, hence its own sequence: 122
sequences, 122 catalog rows, in every kelurahan schema, the largest share of a schema's catalog
after its indexes. A tenant schema instead has `kk_row_id`, and every BigAutoField in it
defaults to `nextval('<schema>.kk_row_id')`: ids are unique across the schema's tables and
independent between schemas. (Replaying a pg_dump into a Citus distributed schema also fails on
`ALTER TABLE ... ADD GENERATED ... AS IDENTITY`; a plain default replays.)

Citus requires every column that takes its default from one sequence to have the same type,
so integer and smallint keys (Django's contrib apps use AutoField) get their own
sequences of their own type, created only in a schema that has such a key.

The public schema keeps Django's IDENTITY columns: it is one schema, its catalog does not grow
with the number of tenants, and its integer keys (content types, permissions, axes logs) should
not share one 2^31 counter with its busiest tables.

The database backend (apps/tenancy/postgresql) writes these defaults when it creates a table;
migration core.0002_shared_row_ids converts the IDENTITY columns of a schema created before.
A default names its sequence by OID, so it follows `ALTER SCHEMA ... RENAME`; pg_dump writes it
schema-qualified, so a dump replayed under another schema name (schema clone, restore --as)
points at the new schema's own sequence.
"""

from __future__ import annotations

from typing import Any

from django_tenants.utils import get_public_schema_name

# Field internal type -> (sequence name, SQL type of the sequence and of the column).
AUTO_FIELDS: dict[str, tuple[str, str]] = {
    "BigAutoField": ("kk_row_id", "bigint"),
    "AutoField": ("kk_row_id_int", "integer"),
    "SmallAutoField": ("kk_row_id_small", "smallint"),
}
# pg_type.typname of a key column -> the field internal type it is stored as.
KIND_OF_TYPE = {"int8": "BigAutoField", "int4": "AutoField", "int2": "SmallAutoField"}
SEQUENCE_NAMES = tuple(name for name, _ in AUTO_FIELDS.values())


def shared(schema_name: str | None) -> bool:
    """True when auto keys created in `schema_name` take their ids from the shared sequence."""
    return bool(schema_name) and schema_name != get_public_schema_name()


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sequence(schema: str, kind: str) -> str:
    """The schema-qualified, quoted name of the sequence serving keys of field type `kind`."""
    return f"{_ident(schema)}.{_ident(AUTO_FIELDS[kind][0])}"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def nextval(schema: str, kind: str) -> str:
    """The default expression; qualified so that it can never bind to another schema's sequence
    through the search_path."""
    return f"nextval({_literal(sequence(schema, kind))}::regclass)"


def column_suffixes(schema: str) -> dict[str, str]:
    """`DatabaseWrapper.data_types_suffix` for a schema with shared ids."""
    return {kind: f"DEFAULT {nextval(schema, kind)}" for kind in AUTO_FIELDS}


def create_sql(schema: str, kind: str) -> str:
    return f"CREATE SEQUENCE IF NOT EXISTS {sequence(schema, kind)} AS {AUTO_FIELDS[kind][1]}"


def _next_value(seq: str) -> str:
    """SQL: the value nextval() of `seq` will return, without taking it."""
    return f"(SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM {seq})"


def _setval_if_behind(schema: str, kind: str, top: str) -> str:
    """SQL moving the sequence to `top` (an SQL expression) when nextval() would not return
    more than it; never backwards: every table of the schema takes ids from it."""
    seq = sequence(schema, kind)
    return f"SELECT setval({_literal(seq)}::regclass, {top}) WHERE {top} >= {_next_value(seq)}"


def advance_sql(schema: str, kind: str, table: str, column: str) -> str:
    """Move the sequence past the highest value of `column` in `table` (both quoted)."""
    return _setval_if_behind(schema, kind, f"(SELECT max({column}) FROM {table})")


def existing_sequences(cursor: Any, schema: str) -> set[str]:
    """The field types whose shared sequence exists in `schema`."""
    cursor.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relkind = 'S' AND c.relname = ANY(%s)",
        [schema, list(SEQUENCE_NAMES)],
    )
    names = {row[0] for row in cursor.fetchall()}
    return {kind for kind, (name, _) in AUTO_FIELDS.items() if name in names}


def convert_identity_columns(cursor: Any, schema: str) -> int:
    """Turn every IDENTITY integer column of `schema`'s tables into a plain column defaulting
    to the shared sequence of its type; returns how many were converted.

    Each sequence ends past every id the old ones handed out (the highest row and the identity
    sequence's own last value: an id of a deleted row is not handed out again)."""
    cursor.execute(
        "SELECT c.relname, a.attname, t.typname, "
        "pg_sequence_last_value(pg_get_serial_sequence(format('%%I.%%I', n.nspname, c.relname), a.attname)::regclass) "
        "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_type t ON t.oid = a.atttypid "
        "WHERE n.nspname = %s AND c.relkind = 'r' AND a.attidentity <> '' AND NOT a.attisdropped "
        "AND t.typname = ANY(%s) ORDER BY c.relname, a.attname",
        [schema, list(KIND_OF_TYPE)],
    )
    columns = cursor.fetchall()
    tops: dict[str, int] = {}
    for table, column, typname, issued in columns:
        kind = KIND_OF_TYPE[typname]
        qualified, col = f"{_ident(schema)}.{_ident(table)}", _ident(column)
        cursor.execute(f"SELECT max({col}) FROM {qualified}")
        top = max(value for value in (cursor.fetchone()[0], issued, tops.get(kind), 0) if value is not None)
        tops[kind] = top
        cursor.execute(create_sql(schema, kind))
        alter = f"ALTER TABLE {qualified} ALTER COLUMN {col}"
        cursor.execute(f"{alter} DROP IDENTITY, ALTER COLUMN {col} SET DEFAULT {nextval(schema, kind)}")
    for kind, top in tops.items():
        if top > 0:
            cursor.execute(_setval_if_behind(schema, kind, str(int(top))))
    return len(columns)
