"""The reports_reportupdate rows (a report's public timeline) move to core_event (apps.core.audit,
docs/design/schema-cost.md step 3), subject "report": copied in this schema row by
row (plain SELECT and INSERT ... VALUES: Citus refused the equivalent INSERT ... SELECT on a
distributed schema's worker with a syntax error in its deparsed query), then the table is dropped and the
class name stays as a proxy of core.Event.

The rows keep their ids (every id of a tenant schema comes from its one shared sequence, so no
core_event row has them; notification keys "report-update-<id>" keep pointing at their entry)
and their created_at. `author` becomes `actor`, the public `actor_label` goes to `data`, and
the action is "status" for a status change, else "note". Backwards recreates the empty table
only.
"""

import json
from typing import Any

import apps.core.audit
from django.db import migrations

_INSERT = (
    "INSERT INTO core_event (id, subject_type, subject_id, action, from_status, to_status, actor_id,"
    " actor_role, note, ref_id, data, created_at)"
    " VALUES (%s, 'report', %s, %s, %s, %s, %s, '', %s, NULL, %s::jsonb, %s)"
)


def copy_updates(cursor: Any) -> None:
    """Copy every reports_reportupdate row of the current schema into core_event."""
    cursor.execute(
        "SELECT id, report_id, from_status, to_status, author_id, note, actor_label, created_at"
        " FROM reports_reportupdate ORDER BY id"
    )
    rows = [
        (
            pk,
            report,
            "status" if to_status else "note",
            from_status,
            to_status,
            author,
            note,
            json.dumps({"actor_label": label}),
            created,
        )
        for pk, report, from_status, to_status, author, note, label, created in cursor.fetchall()
    ]
    if rows:
        cursor.executemany(_INSERT, rows)


def forwards(apps: Any, schema_editor: Any) -> None:
    with schema_editor.connection.cursor() as cursor:
        copy_updates(cursor)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_event"),
        ("reports", "0009_pair_keyed_link_tables"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.DeleteModel(
            name="ReportUpdate",
        ),
        migrations.CreateModel(
            name="ReportUpdate",
            fields=[],
            options={
                "verbose_name": "perkembangan laporan",
                "verbose_name_plural": "perkembangan laporan",
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=(apps.core.audit.SubjectEventMixin, "core.event"),
        ),
    ]
