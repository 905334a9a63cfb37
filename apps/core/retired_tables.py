"""Dropping the table of a model that left the tenant schemas, in the schema being migrated only.

django-tenants never drops the tables of an app taken off a tenant type's app list, so the drop
is a migration of an app every schema keeps (core). The name must be qualified with the schema
being migrated: unqualified, a schema without the table would resolve it through the search path
to the public schema's table of the same name.
"""

from __future__ import annotations

from typing import Any

from django_tenants.utils import get_public_schema_name


def qualified_in_migrated_schema(schema_editor: Any, table: str, *, public: bool = False) -> str | None:
    """`"schema"."table"` in the schema `schema_editor` migrates; None when no schema is set, or it
    is the public schema and `public` is False (the public table belongs to someone else)."""
    connection = schema_editor.connection
    schema = getattr(connection, "schema_name", None)
    if not schema or (schema == get_public_schema_name() and not public):
        return None
    quote = connection.ops.quote_name
    return f"{quote(schema)}.{quote(table)}"


def drop_retired_table(schema_editor: Any, table: str, *, public: bool = False) -> None:
    """DROP TABLE IF EXISTS `table` of the migrated schema (see `qualified_in_migrated_schema`)."""
    name = qualified_in_migrated_schema(schema_editor, table, public=public)
    if name is not None:
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {name}")
