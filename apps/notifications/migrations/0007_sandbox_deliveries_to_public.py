"""What the sandbox channels recorded moves to the public table of apps.sandbox (issue 17: −5
pg_class rows per tenant schema): this schema's rows are copied there under its schema name,
then its own table is dropped.

The copy is a plain SELECT here and an INSERT into public (two statements, no INSERT ... SELECT
across a Citus distributed schema and the coordinator's public schema). The rows are throw-away
sandbox test data; the copy keeps the idempotency keys, so a retried message is still not
recorded twice. The reverse migration recreates the table empty.
"""

from typing import Any

from django.db import migrations

COLUMNS = "channel, address, title, body, url, idempotency_key, created_at"


def copy_to_public(apps: Any, schema_editor: Any) -> None:
    connection = schema_editor.connection
    schema = getattr(connection, "schema_name", "public")
    if schema == "public":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {COLUMNS} FROM notifications_sandboxdelivery ORDER BY id")
        rows = cursor.fetchall()
        if rows:
            cursor.executemany(
                f"INSERT INTO public.sandbox_sandboxdelivery (schema_name, {COLUMNS}) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                [(schema, *row) for row in rows],
            )


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0006_interactive_payload"),
        ("sandbox", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(copy_to_public, migrations.RunPython.noop, elidable=True),
        migrations.DeleteModel(name="SandboxDelivery"),
    ]
