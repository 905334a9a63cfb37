"""pg_trgm (trigram similarity) and unaccent, installed once in the public schema so every
tenant schema (search_path = <tenant>, public) can use them. Both statements are no-ops when
the extensions exist; SCHEMA public keeps a tenant migration from installing them into the
tenant's own schema."""

from typing import Any

from django.db import migrations

from apps.core.pg_extensions import install_if_available


def install(apps: Any, schema_editor: Any) -> None:
    # Absent on the embedded server (pgserver): search then works without typo tolerance.
    for name in ("pg_trgm", "unaccent"):
        install_if_available(schema_editor.connection, name)


class Migration(migrations.Migration):
    dependencies: list[tuple[str, str]] = []

    operations = [
        migrations.RunPython(install, migrations.RunPython.noop),
    ]
