"""A residency is keyed by its user (one per user): in place, rows kept; the id column, its
primary key and the unique user constraint go, PRIMARY KEY (user_id) takes their place
(apps.core.column_keys; one pg_class row fewer per tenant schema, issue 17). The admin's change
history of a residency follows it to its new key."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from apps.core import column_keys


class Migration(migrations.Migration):
    dependencies = [
        ("rtrw", "0003_admin_labels_in_indonesian"),
        ("core", "0007_admin_log_in_core_event"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="residency", name="id"),
                migrations.AlterField(
                    model_name="residency",
                    name="user",
                    field=models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="residency",
                        serialize=False,
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="pengguna",
                    ),
                ),
            ],
            database_operations=[
                column_keys.to_column_key("rtrw_residency", "user_id", admin_model="rtrw.residency"),
            ],
        ),
    ]
