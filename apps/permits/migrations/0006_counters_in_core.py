"""The yearly PermitSequence counters move to the one counter table of apps.core (apps.core.sequences):
a table per document kind cost every kelurahan schema a table and two indexes."""

from typing import Any

from django.db import migrations

KIND = "permit"


def to_core(apps: Any, schema_editor: Any) -> None:
    counters = apps.get_model("core", "DocumentCounter")
    for row in apps.get_model("permits", "PermitSequence").objects.all():
        counters.objects.update_or_create(kind=KIND, scope="", year=row.year, defaults={"last_value": row.last_value})


def back(apps: Any, schema_editor: Any) -> None:
    old = apps.get_model("permits", "PermitSequence")
    for row in apps.get_model("core", "DocumentCounter").objects.filter(kind=KIND, scope=""):
        old.objects.update_or_create(year=row.year, defaults={"last_value": row.last_value})


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_document_counter"),
        ("permits", "0005_unindexed_actor_columns"),
    ]

    operations = [
        migrations.RunPython(to_core, back),
        migrations.DeleteModel(name="PermitSequence"),
    ]
