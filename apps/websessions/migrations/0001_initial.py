"""The session table of every tenant (public schema), and the public schema's old
`django_session` dropped: django.contrib.sessions is no longer installed (tenant schemas drop
theirs in core.0005). Everyone signed in to the platform site signs in once more."""

from typing import Any

from django.db import migrations, models
from django_tenants.utils import get_public_schema_name


def drop_public_django_session(apps: Any, schema_editor: Any) -> None:
    connection = schema_editor.connection
    if getattr(connection, "schema_name", None) != get_public_schema_name():
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {quote(get_public_schema_name())}.{quote('django_session')}")


class Migration(migrations.Migration):
    initial = True

    dependencies: list[tuple[str, str]] = []

    operations = [
        migrations.CreateModel(
            name="WebSession",
            fields=[
                (
                    "session_key",
                    models.CharField(max_length=40, primary_key=True, serialize=False, verbose_name="session key"),
                ),
                ("session_data", models.TextField(verbose_name="session data")),
                ("expire_date", models.DateTimeField(db_index=True, verbose_name="expire date")),
                ("schema_name", models.CharField(db_index=True, max_length=63)),
            ],
            options={
                "verbose_name": "session",
                "verbose_name_plural": "sessions",
                "abstract": False,
            },
        ),
        migrations.RunPython(drop_public_django_session, migrations.RunPython.noop, elidable=True),
    ]
