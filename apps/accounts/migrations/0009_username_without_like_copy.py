"""The username stays unique (the same constraint, `accounts_user_username_key`, now declared in
Meta) and loses the varchar_pattern_ops copy Django adds for unique=True text fields: no query
reads usernames by case-sensitive prefix at a size where an index matters (issue 17, schema cost).
Only the copy is dropped: the unique constraint and its index stay as they are."""

import django.contrib.auth.validators
from django.db import migrations, models

LIKE_INDEX = "accounts_user_username_6088629e_like"


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_group_only_permissions_pair_keyed_groups"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="user",
                    name="username",
                    field=models.CharField(
                        error_messages={"unique": "A user with that username already exists."},
                        help_text="Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only.",
                        max_length=150,
                        validators=[django.contrib.auth.validators.UnicodeUsernameValidator()],
                        verbose_name="username",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="user",
                    constraint=models.UniqueConstraint(fields=("username",), name="accounts_user_username_key"),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{LIKE_INDEX}"',
                    reverse_sql=f'CREATE INDEX IF NOT EXISTS "{LIKE_INDEX}" ON "accounts_user" ("username" varchar_pattern_ops)',
                ),
            ],
        ),
    ]
