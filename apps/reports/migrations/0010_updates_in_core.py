"""The reports_reportupdate rows (a report's public timeline) move to core_event (apps.core.audit,
docs/design/schema-cost.md step 3), subject "report": copied in this schema by one
INSERT ... SELECT (also on Citus: same schema, same node), then the table is dropped and the
class name stays as a proxy of core.Event.

The rows keep their ids (every id of a tenant schema comes from its one shared sequence, so no
core_event row has them; notification keys "report-update-<id>" keep pointing at their entry)
and their created_at. `author` becomes `actor`, the public `actor_label` goes to `data`, and
the action is "status" for a status change, else "note". Backwards recreates the empty table
only.
"""

import apps.core.audit
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_event"),
        ("reports", "0009_pair_keyed_link_tables"),
    ]

    operations = [
        migrations.RunSQL(
            """
            INSERT INTO core_event (id, subject_type, subject_id, action, from_status, to_status, actor_id, actor_role, note, ref_id, data, created_at)
            SELECT id, 'report', report_id, CASE WHEN to_status <> '' THEN 'status' ELSE 'note' END,
                   from_status, to_status, author_id, '', note, NULL,
                   jsonb_build_object('actor_label', actor_label), created_at
            FROM reports_reportupdate
            ORDER BY id
            """,
            migrations.RunSQL.noop,
        ),
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
