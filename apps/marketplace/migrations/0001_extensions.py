"""pg_trgm (trigram similarity) and unaccent, installed once in the public schema so every
tenant schema (search_path = <tenant>, public) can use them. Both statements are no-ops when
the extensions exist; SCHEMA public keeps a tenant migration from installing them into the
tenant's own schema."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies: list[tuple[str, str]] = []

    operations = [
        migrations.RunSQL(
            sql=[
                "CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public",
                "CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public",
            ],
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
