"""The tenant admin's change history moves to core_event (apps.core.admin_log, issue 17,
docs/design/schema-cost.md "Admin history"): django.contrib.admin is a public-only app now, so a
tenant schema gets no `django_admin_log` any more. In a tenant schema made before, its rows are
copied to core_event (subject "admin", the model label, the object's repr and the change message
in `data`; new ids from the schema's sequence, the action time kept), row by row (plain SELECT and
INSERT ... VALUES, as reports.0010, for Citus), and the table is dropped.

The old table is read and dropped by its schema-qualified name, and the public schema is left
alone (the platform admin keeps its log there): unqualified, a schema without the table would
resolve the name through the search path to the public one. django-tenants never drops the
tables of an app taken off a tenant type's app list, hence this migration in core, which every
schema keeps. Backwards: the copied rows stay in core_event; the table is not recreated.
"""

import json
from typing import Any

from django.db import migrations

from apps.core.retired_tables import qualified_in_migrated_schema

_ACTIONS = {1: "add", 2: "change", 3: "delete"}
_INSERT = (
    "INSERT INTO core_event (subject_type, subject_id, action, from_status, to_status, actor_id,"
    " actor_role, note, ref_id, data, created_at)"
    " VALUES ('admin', %s, %s, '', '', %s, '', '', NULL, %s::jsonb, %s)"
)


def _message(text: str) -> Any:
    if text.startswith("["):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def _row(action_time: Any, user_id: int, object_id: str | None, object_repr: str, flag: int, change_message: str,
         app_label: str | None, model: str | None) -> tuple[Any, ...]:
    data: dict[str, Any] = {"model": f"{app_label}.{model}" if app_label else "", "repr": object_repr,
                            "message": _message(change_message or "")}
    try:
        subject_id = int(object_id or "")
    except ValueError:
        subject_id = 0
        data["object_id"] = object_id or ""
    return (subject_id, _ACTIONS.get(flag, "change"), user_id, json.dumps(data), action_time)


def move_admin_log(apps: Any, schema_editor: Any) -> None:
    log = qualified_in_migrated_schema(schema_editor, "django_admin_log")
    types = qualified_in_migrated_schema(schema_editor, "django_content_type")
    if log is None or types is None:
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_tables WHERE schemaname = %s AND tablename = 'django_admin_log'",
            [schema_editor.connection.schema_name],
        )
        if cursor.fetchone() is None:
            return
        cursor.execute(
            "SELECT l.action_time, l.user_id, l.object_id, l.object_repr, l.action_flag, l.change_message,"
            f" t.app_label, t.model FROM {log} l LEFT JOIN {types} t ON t.id = l.content_type_id ORDER BY l.id"
        )
        rows = [_row(*row) for row in cursor.fetchall()]
        if rows:
            cursor.executemany(_INSERT, rows)
        cursor.execute(f"DROP TABLE {log}")


class Migration(migrations.Migration):
    dependencies = [("core", "0006_idempotency_records_to_public")]

    operations = [
        migrations.CreateModel(
            name="AdminLogEntry",
            fields=[],
            options={
                "verbose_name": "catatan admin",
                "verbose_name_plural": "catatan admin",
                "ordering": ["-created_at", "-id"],
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("core.event",),
        ),
        migrations.RunPython(move_admin_log, migrations.RunPython.noop),
    ]
