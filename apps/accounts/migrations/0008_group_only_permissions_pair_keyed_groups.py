"""Per-user permissions go and the user-group link table is keyed by the pair (issue 17,
docs/design/schema-cost.md step 8): roles are groups, and the admin's permissions come from
groups only (apps.accounts.backends).

* `accounts_user_user_permissions` is dropped (table, id key, unique pair, two FK indexes: 5
  pg_class rows). Never written: no code grants a permission to a user. Schema-qualified (as
  0006): unqualified, a schema without the table would resolve the public one through the
  search path. Runs in public too (accounts is in both app lists: platform operators are users).
* `accounts_user_groups` becomes the explicit `UserGroup` with PRIMARY KEY (user_id, group_id),
  in place, rows kept (apps.core.pair_tables.to_pair_key): 3 rows instead of 5.

Plain DROP TABLE / ALTER TABLE statements: they run on Citus distributed schemas too.
"""

from typing import Any

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from apps.core import pair_tables

DROPPED = "accounts_user_user_permissions"


def drop_user_permissions(apps: Any, schema_editor: Any) -> None:
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    schema = getattr(connection, "schema_name", None)
    qualified = f"{quote(schema)}.{quote(DROPPED)}" if schema else quote(DROPPED)
    schema_editor.execute(f"DROP TABLE IF EXISTS {qualified}")


def create_user_permissions(apps: Any, schema_editor: Any) -> None:
    # `apps` is the state before this migration, which still has the field.
    field = apps.get_model("accounts", "User")._meta.get_field("user_permissions")
    schema_editor.create_model(field.remote_field.through)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_user_nik_digest"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name="user",
                    name="user_permissions",
                ),
                migrations.CreateModel(
                    name="UserGroup",
                    fields=[
                        (
                            "pk",
                            models.CompositePrimaryKey(
                                "user_id", "group_id", blank=True, editable=False, primary_key=True, serialize=False
                            ),
                        ),
                        (
                            "group",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="auth.group"
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                db_index=False,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "peran pengguna",
                        "verbose_name_plural": "peran pengguna",
                        "db_table": "accounts_user_groups",
                    },
                ),
                migrations.AlterField(
                    model_name="user",
                    name="groups",
                    field=models.ManyToManyField(
                        blank=True,
                        help_text="The groups this user belongs to. A user will get all permissions granted to each of their groups.",
                        related_name="user_set",
                        related_query_name="user",
                        through="accounts.UserGroup",
                        to="auth.group",
                        verbose_name="groups",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunPython(drop_user_permissions, create_user_permissions, elidable=False),
                pair_tables.to_pair_key("accounts_user_groups", "user_id", "group_id"),
            ],
        ),
    ]
