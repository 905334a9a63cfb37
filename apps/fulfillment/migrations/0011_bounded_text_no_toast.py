"""fulfillment_routingjob.error becomes varchar(400) (longer values cut), and the table its TOAST table:
2 pg_class rows less per tenant schema (issue 17, apps.core.bounded_text)."""

from django.db import migrations, models

from apps.core.bounded_text import to_bounded_varchar


class Migration(migrations.Migration):
    dependencies = [
        ("fulfillment", "0010_events_in_core"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="routingjob",
                    name="error",
                    field=models.CharField(blank=True, max_length=400, verbose_name="galat"),
                ),
            ],
            database_operations=[to_bounded_varchar("fulfillment_routingjob", "error", 400)],
        ),
    ]
