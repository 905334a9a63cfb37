from typing import Any

from django.db import migrations


def move(apps: Any, schema_editor: Any) -> None:
    from apps.accounts.legacy_tokens import move_legacy_tokens

    connection = schema_editor.connection
    move_legacy_tokens(connection, getattr(connection, "schema_name", "public"))


class Migration(migrations.Migration):
    # Not dependent on authtoken's migrations: that app is no longer installed. Where its
    # table exists (databases made before this change) it is moved, elsewhere nothing runs.
    dependencies = [("accounts", "0003_api_token")]
    operations = [migrations.RunPython(move, migrations.RunPython.noop)]
