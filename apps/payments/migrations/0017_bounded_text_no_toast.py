"""payments_reconciliationrun.error becomes varchar(400) (longer values cut), and the table its TOAST table:
2 pg_class rows less per tenant schema (issue 17, apps.core.bounded_text)."""

from django.db import migrations, models

from apps.core.bounded_text import to_bounded_varchar


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0016_paymentrequest_cancel_reason"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="reconciliationrun",
                    name="error",
                    field=models.CharField(blank=True, max_length=400, verbose_name="galat"),
                ),
            ],
            database_operations=[to_bounded_varchar("payments_reconciliationrun", "error", 400)],
        ),
    ]
