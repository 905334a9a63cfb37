"""Journal entry references are indexed once: a varchar_pattern_ops index serves both the
reconciliation's prefix read (reference__startswith="charge:") and equality, so the plain btree
copy Django made for db_index=True goes (issue 17, schema cost: one pg_class row per schema).
AlterField(db_index=False) drops both of Django's indexes on the column; AddIndex builds the one."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0017_bounded_text_no_toast"),
    ]

    operations = [
        migrations.AlterField(
            model_name="journalentry",
            name="reference",
            field=models.CharField(blank=True, max_length=100, verbose_name="referensi"),
        ),
        migrations.AddIndex(
            model_name="journalentry",
            index=models.Index(
                fields=["reference"], name="payments_entry_reference", opclasses=["varchar_pattern_ops"]
            ),
        ),
    ]
