"""The permits_permitevent rows move to core_event (apps.core.audit, docs/design/schema-cost.md step 3):
copied in this schema by one INSERT ... SELECT (also on Citus: same schema, same node), then the
table is dropped and the class name stays as a proxy of core.Event. Backwards recreates the
empty table only.
"""


import apps.core.audit
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0004_event'),
        ("permits", "0007_sandbox_nibs_to_public"),
    ]

    operations = [
        migrations.RunSQL(
            """
            INSERT INTO core_event (subject_type, subject_id, action, from_status, to_status, actor_id, actor_role, note, ref_id, data, created_at)
            SELECT 'permit', permit_id, action, from_status, to_status, actor_id, actor_role, reason, NULL, '{}'::jsonb, created_at
            FROM permits_permitevent
            ORDER BY id
            """,
            migrations.RunSQL.noop,
        ),
        migrations.DeleteModel(
            name='PermitEvent',
        ),
        migrations.CreateModel(
            name='PermitEvent',
            fields=[
            ],
            options={
                'verbose_name': 'riwayat izin',
                'verbose_name_plural': 'riwayat izin',
                'proxy': True,
                'indexes': [],
                'constraints': [],
            },
            bases=(apps.core.audit.SubjectEventMixin, 'core.event'),
        ),
    ]
