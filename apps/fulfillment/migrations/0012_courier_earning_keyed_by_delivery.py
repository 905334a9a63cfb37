"""A courier's earning is keyed by its delivery (one per delivery): in place, rows kept; the id
column, its primary key and the unique delivery constraint go, PRIMARY KEY (delivery_id) takes
their place (apps.core.column_keys; one pg_class row fewer per tenant schema, issue 17). The
listing's tie-break is the key."""

import django.db.models.deletion
from django.db import migrations, models

from apps.core import column_keys


class Migration(migrations.Migration):
    dependencies = [
        ("fulfillment", "0011_bounded_text_no_toast"),
        ("core", "0007_admin_log_in_core_event"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="courierearning",
            options={
                "ordering": ["-created_at", "-pk"],
                "verbose_name": "upah kurir",
                "verbose_name_plural": "upah kurir",
            },
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="courierearning", name="id"),
                migrations.AlterField(
                    model_name="courierearning",
                    name="delivery",
                    field=models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        primary_key=True,
                        related_name="earning",
                        serialize=False,
                        to="fulfillment.delivery",
                        verbose_name="antaran",
                    ),
                ),
            ],
            database_operations=[
                column_keys.to_column_key(
                    "fulfillment_courierearning", "delivery_id", admin_model="fulfillment.courierearning"
                ),
            ],
        ),
    ]
