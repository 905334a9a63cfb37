"""Auto primary keys of a tenant schema: from one IDENTITY (and sequence) per table to the
schema's shared id sequence (apps.core.row_ids). Runs in every schema; the public schema keeps
IDENTITY and is left alone. A schema migrated from scratch already has the shared defaults (the
database backend writes them), so there it converts nothing.

It comes after the latest migration of every app with tables in a tenant schema, so that it
sees all of them; a table created later gets the shared default from the backend.
"""

from typing import Any

from django.db import migrations

from apps.core import row_ids


def convert(apps: Any, schema_editor: Any) -> None:
    schema = getattr(schema_editor.connection, "schema_name", None)
    if schema is None or not row_ids.shared(schema):
        return
    with schema_editor.connection.cursor() as cursor:
        row_ids.convert_identity_columns(cursor, schema)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_move_legacy_authtoken_keys"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("agenda", "0001_initial"),
        ("aid", "0004_importbatch_confirm_job"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("axes", "0010_accessattemptexpiration"),
        ("community", "0002_file_storage_public_private"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0001_idempotency_record"),
        ("fulfillment", "0003_routingjob_heartbeat"),
        ("insights", "0001_initial"),
        ("lending", "0001_initial"),
        ("marketplace", "0006_copurchase_counts"),
        ("notifications", "0001_initial"),
        ("payments", "0006_charge_reference"),
        ("permits", "0002_file_storage_public_private"),
        ("procurement", "0001_initial"),
        ("reports", "0004_api_key_base"),
        ("rtrw", "0001_initial"),
        # ("sessions", "0001_initial") was here: django.contrib.sessions is no longer installed
        # (apps.websessions; its django_session table has no id column to convert anyway).
    ]

    # Backwards: nothing to undo that the code would keep; the backend writes shared defaults
    # whatever the migration state.
    operations = [migrations.RunPython(convert, migrations.RunPython.noop, elidable=True)]
