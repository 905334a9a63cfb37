"""pg_trgm (trigram similarity) and unaccent, installed once in the public schema so every
tenant schema (search_path = <tenant>, public) can use them. Both statements are no-ops when
the extensions exist; SCHEMA public keeps a tenant migration from installing them into the
tenant's own schema."""

from typing import Any

from django.db import migrations

from apps.core import pg_extensions


def install(apps: Any, schema_editor: Any) -> None:
    # Every supported server has them (contrib; the embedded server ships it): a server
    # without them is refused here with a message saying what to install.
    pg_extensions.install(schema_editor.connection, "pg_trgm", "unaccent")


class Migration(migrations.Migration):
    dependencies: list[tuple[str, str]] = []

    operations = [
        migrations.RunPython(install, migrations.RunPython.noop),
    ]
