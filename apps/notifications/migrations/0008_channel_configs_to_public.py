"""The channel configs move to the public table of apps.integrations (issue 17: −5 pg_class rows
per tenant schema, docs/design/schema-cost.md "Outside-service configs"): this schema's rows are
copied there under its schema name (`channel` becomes `service`, `simulate_outage` becomes
`simulate_failure`), then its table is dropped and `ChannelConfig` stays as a proxy of
integrations.ServiceConfig.

Row by row: a plain SELECT here and INSERT ... VALUES into public (no INSERT ... SELECT across a
Citus distributed schema and the coordinator's public schema). The channel was unique here as
(schema, service) is there. Backwards recreates the table empty.
"""

from typing import Any

from django.db import migrations

_INSERT = (
    "INSERT INTO public.integrations_serviceconfig (schema_name, service, mode, endpoint_url, api_token,"
    " sender, timeout_seconds, simulate_failure, app_secret, verify_token)"
    " VALUES (%s, %s, %s, %s, %s, %s, 10.0, %s, %s, %s) ON CONFLICT DO NOTHING"
)


def copy_configs(cursor: Any, schema: str) -> None:
    """Copy the notifications_channelconfig rows of the current schema into the public table."""
    cursor.execute(
        "SELECT channel, mode, endpoint_url, api_token, sender, simulate_outage, app_secret, verify_token"
        " FROM notifications_channelconfig ORDER BY id"
    )
    for row in cursor.fetchall():
        cursor.execute(_INSERT, [schema, *row])


def forwards(apps: Any, schema_editor: Any) -> None:
    schema = getattr(schema_editor.connection, "schema_name", "public")
    if schema == "public":
        return
    with schema_editor.connection.cursor() as cursor:
        copy_configs(cursor, schema)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0007_sandbox_deliveries_to_public"),
        ("integrations", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.DeleteModel(name="ChannelConfig"),
        migrations.CreateModel(
            name="ChannelConfig",
            fields=[],
            options={
                "verbose_name": "konfigurasi kanal",
                "verbose_name_plural": "konfigurasi kanal",
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("integrations.serviceconfig",),
        ),
    ]
