"""The marketplace_orderevent rows move to core_event (apps.core.audit, docs/design/schema-cost.md step 3):
copied in this schema by one INSERT ... SELECT (also on Citus: same schema, same node), then the
table is dropped and the class name stays as a proxy of core.Event. Backwards recreates the
empty table only.
"""


import apps.core.audit
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0004_event'),
        ("marketplace", "0013_order_voucher"),
    ]

    operations = [
        migrations.RunSQL(
            """
            INSERT INTO core_event (subject_type, subject_id, action, from_status, to_status, actor_id, actor_role, note, ref_id, data, created_at)
            SELECT 'order', order_id, action, from_status, to_status, actor_id, '', note, NULL, '{}'::jsonb, created_at
            FROM marketplace_orderevent
            ORDER BY id
            """,
            migrations.RunSQL.noop,
        ),
        migrations.DeleteModel(
            name='OrderEvent',
        ),
        migrations.CreateModel(
            name='OrderEvent',
            fields=[
            ],
            options={
                'verbose_name': 'riwayat pesanan',
                'verbose_name_plural': 'riwayat pesanan',
                'proxy': True,
                'indexes': [],
                'constraints': [],
            },
            bases=(apps.core.audit.SubjectEventMixin, 'core.event'),
        ),
    ]
