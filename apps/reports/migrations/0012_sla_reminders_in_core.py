"""The reports_slareminder rows (SLA reminders and escalations sent, once per report, level and
stage) move to core_event (apps.core.audit; docs/design/schema-cost.md "SLA reminders"), subject
"report_sla": copied in this schema row by row (plain SELECT and INSERT ... VALUES, as in 0010:
Citus refuses the INSERT ... SELECT on a distributed schema's worker), then the table is dropped
and the class name stays as a proxy of core.Event.

The rows keep their ids (every id of a tenant schema comes from its one shared sequence) and
`sent_at` becomes `created_at`; the level is the action, the stage start and the number of
recipients go to `data`, the stage start as the text json_safe writes for a datetime. Backwards
recreates the empty table only.
"""

import json
from typing import Any

import apps.core.audit
from django.db import migrations

_INSERT = (
    "INSERT INTO core_event (id, subject_type, subject_id, action, from_status, to_status, actor_id,"
    " actor_role, note, ref_id, data, created_at)"
    " VALUES (%s, 'report_sla', %s, %s, '', '', NULL, '', '', NULL, %s::jsonb, %s)"
)


def copy_reminders(cursor: Any) -> None:
    """Copy every reports_slareminder row of the current schema into core_event."""
    cursor.execute("SELECT id, report_id, level, stage_started_at, sent_at, recipients FROM reports_slareminder")
    rows = [
        (pk, report, level, json.dumps({"stage_started_at": str(stage), "recipients": recipients}), sent)
        for pk, report, level, stage, sent, recipients in cursor.fetchall()
    ]
    if rows:
        cursor.executemany(_INSERT, rows)


def forwards(apps: Any, schema_editor: Any) -> None:
    with schema_editor.connection.cursor() as cursor:
        copy_reminders(cursor)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0007_admin_log_in_core_event"),
        ("reports", "0011_index_audit_third_pass"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.DeleteModel(
            name="SlaReminder",
        ),
        migrations.CreateModel(
            name="SlaReminder",
            fields=[],
            options={
                "verbose_name": "pengingat SLA",
                "verbose_name_plural": "pengingat SLA",
                "ordering": ["-created_at", "-id"],
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=(apps.core.audit.SubjectEventMixin, "core.event"),
        ),
    ]
