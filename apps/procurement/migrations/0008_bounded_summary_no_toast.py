"""procurement_award.summary becomes varchar(450) (longer values cut), and the table its TOAST table:
2 pg_class rows less per tenant schema (issue 17, apps.core.bounded_text)."""

from django.db import migrations, models

from apps.core.bounded_text import to_bounded_varchar


class Migration(migrations.Migration):
    dependencies = [
        ("procurement", "0007_index_audit_unread_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="award",
                    name="summary",
                    field=models.CharField(max_length=450, verbose_name="ringkasan alasan (publik)"),
                ),
            ],
            database_operations=[to_bounded_varchar("procurement_award", "summary", 450)],
        ),
    ]
