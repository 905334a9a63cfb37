"""marketplace_review.comment becomes varchar(480) (longer values cut), and the table its TOAST table:
2 pg_class rows less per tenant schema (issue 17, apps.core.bounded_text)."""

from django.db import migrations, models

from apps.core.bounded_text import to_bounded_varchar


class Migration(migrations.Migration):
    dependencies = [
        ("marketplace", "0016_index_audit_unread_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="review",
                    name="comment",
                    field=models.CharField(blank=True, max_length=480, verbose_name="ulasan"),
                ),
            ],
            database_operations=[to_bounded_varchar("marketplace_review", "comment", 480)],
        ),
    ]
