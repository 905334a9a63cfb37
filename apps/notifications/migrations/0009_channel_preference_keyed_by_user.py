"""A user's channel preference is keyed by the user (one per user): in place, rows kept; the id
column, its primary key and the unique user constraint go, PRIMARY KEY (user_id) takes their
place (apps.core.column_keys; one pg_class row fewer per tenant schema, issue 17)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from apps.core import column_keys


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0008_channel_configs_to_public"),
        ("core", "0007_admin_log_in_core_event"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="channelpreference", name="id"),
                migrations.AlterField(
                    model_name="channelpreference",
                    name="user",
                    field=models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="channel_preference",
                        serialize=False,
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="pengguna",
                    ),
                ),
            ],
            database_operations=[
                column_keys.to_column_key(
                    "notifications_channelpreference", "user_id", admin_model="notifications.channelpreference"
                ),
            ],
        ),
    ]
