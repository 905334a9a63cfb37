"""Sessions moved to one public table keyed by schema (apps.websessions; issue 17,
docs/design/schema-cost.md "Sessions"): drop the `django_session` table a tenant schema made
before still holds. django-tenants never drops the tables of an app taken off a tenant type's
app list, so this runs in an app every schema keeps. Sessions are transient: nothing is copied,
everyone signed in to a tenant signs in once more.

The name is schema-qualified, and the public schema is left to apps.websessions.0001 (which
drops the public table once): unqualified, a schema without the table would resolve the name
through the search path to the public one.
"""

from typing import Any

from django.db import migrations

from apps.core.retired_tables import drop_retired_table


def drop_tenant_session_table(apps: Any, schema_editor: Any) -> None:
    drop_retired_table(schema_editor, "django_session")


class Migration(migrations.Migration):
    dependencies = [("core", "0004_event")]

    # Backwards: nothing to restore (sessions stay in the public table).
    operations = [migrations.RunPython(drop_tenant_session_table, migrations.RunPython.noop, elidable=True)]
