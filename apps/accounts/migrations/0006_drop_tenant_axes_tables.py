"""Login attempts (django-axes) moved to the public schema (apps.accounts.lockout; issue 17,
docs/design/schema-cost.md step 2): drop the four axes tables a tenant schema made before still
holds. django-tenants never drops the tables of an app taken off a tenant type's app list, so
this runs in an app every schema keeps. Attempts are transient: nothing is copied.

The names are schema-qualified: unqualified, a schema without the table would resolve it
through the search path to the public table every tenant now uses.
"""

from typing import Any

from django.db import migrations
from django_tenants.utils import get_public_schema_name

TABLES = ("axes_accessattemptexpiration", "axes_accessfailurelog", "axes_accesslog", "axes_accessattempt")


def drop_tenant_axes_tables(apps: Any, schema_editor: Any) -> None:
    connection = schema_editor.connection
    schema = getattr(connection, "schema_name", None)
    if not schema or schema == get_public_schema_name():
        return
    qualified = ", ".join(f"{connection.ops.quote_name(schema)}.{connection.ops.quote_name(t)}" for t in TABLES)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {qualified} CASCADE")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_slim_indexes")]

    # Backwards: nothing to restore (a tenant schema at an older state gets no axes tables
    # either: the router keeps axes in the public schema).
    operations = [migrations.RunPython(drop_tenant_axes_tables, migrations.RunPython.noop, elidable=True)]
