"""The OSS config moves to the public table of apps.integrations (issue 17: −2 pg_class rows per
tenant schema, docs/design/schema-cost.md "Outside-service configs"): this schema's row is
copied there under its schema name (service "oss"), then its table is dropped and `OssConfig`
stays as a proxy of integrations.ServiceConfig.

Row by row: a plain SELECT here and INSERT ... VALUES into public (no INSERT ... SELECT across a
Citus distributed schema and the coordinator's public schema). The old table had no unique
constraint, but the code only ever used its first row (by id): that one is kept, any later one
is skipped by the (schema, service) constraint. Backwards recreates the table empty.
"""

from typing import Any

from django.db import migrations

_INSERT = (
    "INSERT INTO public.integrations_serviceconfig (schema_name, service, mode, endpoint_url, api_token,"
    " sender, timeout_seconds, simulate_failure, app_secret, verify_token)"
    " VALUES (%s, 'oss', %s, %s, %s, '', %s, %s, '', '') ON CONFLICT DO NOTHING"
)


def copy_configs(cursor: Any, schema: str) -> None:
    """Copy the permits_ossconfig rows of the current schema into the public table."""
    cursor.execute("SELECT mode, base_url, api_token, timeout_seconds, simulate_timeout FROM permits_ossconfig ORDER BY id")
    for row in cursor.fetchall():  # one by one: ON CONFLICT keeps the first, as the code read it
        cursor.execute(_INSERT, [schema, *row])


def forwards(apps: Any, schema_editor: Any) -> None:
    schema = getattr(schema_editor.connection, "schema_name", "public")
    if schema == "public":
        return
    with schema_editor.connection.cursor() as cursor:
        copy_configs(cursor, schema)


class Migration(migrations.Migration):
    dependencies = [
        ("permits", "0010_index_audit_unread_indexes"),
        ("integrations", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.DeleteModel(name="OssConfig"),
        migrations.CreateModel(
            name="OssConfig",
            fields=[],
            options={
                "verbose_name": "konfigurasi OSS",
                "verbose_name_plural": "konfigurasi OSS",
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("integrations.serviceconfig",),
        ),
    ]
