from typing import Any

from django.db import migrations


def load(apps: Any, schema_editor: Any) -> None:
    from apps.tenancy.region_data import load_regions

    load_regions(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("tenancy", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop, elidable=False)]
