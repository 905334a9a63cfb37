"""The sandbox OSS's NIBs move to the public table of apps.sandbox (issue 17: −6 pg_class rows
per tenant schema): this schema's rows are copied there under its schema name, then its own
table is dropped.

The copy is a plain SELECT here and an INSERT into public (two statements, no INSERT ... SELECT
across a Citus distributed schema and the coordinator's public schema). The rows are throw-away
sandbox test data; the copy only keeps a running demo's NIBs known. The reverse migration
recreates the table empty.
"""

from typing import Any

from django.db import migrations


def copy_to_public(apps: Any, schema_editor: Any) -> None:
    connection = schema_editor.connection
    schema = getattr(connection, "schema_name", "public")
    if schema == "public":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nib, nik_digest, business_name, kbli_codes::text, status, issued_on "
            "FROM permits_sandboxnib ORDER BY id"
        )
        rows = cursor.fetchall()
        if rows:
            cursor.executemany(
                "INSERT INTO public.sandbox_sandboxnib "
                "(schema_name, nib, nik_digest, business_name, kbli_codes, status, issued_on) "
                "VALUES (%s, %s, %s, %s, %s::jsonb, %s, %s) ON CONFLICT DO NOTHING",
                [(schema, *row) for row in rows],
            )


class Migration(migrations.Migration):
    dependencies = [
        ("permits", "0006_counters_in_core"),
        ("sandbox", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(copy_to_public, migrations.RunPython.noop, elidable=True),
        migrations.DeleteModel(name="SandboxNib"),
    ]
