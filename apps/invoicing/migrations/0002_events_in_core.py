"""The invoicing_invoiceevent rows move to core_event (apps.core.audit, docs/design/schema-cost.md step 3):
copied in this schema by one INSERT ... SELECT (also on Citus: same schema, same node), then the
table is dropped and the class name stays as a proxy of core.Event. Backwards recreates the
empty table only.
"""


import apps.core.audit
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0004_event'),
        ('invoicing', '0001_initial'),
    ]

    operations = [
        migrations.RunSQL(
            """
            INSERT INTO core_event (subject_type, subject_id, action, from_status, to_status, actor_id, actor_role, note, ref_id, data, created_at)
            SELECT 'invoice', invoice_id, action, from_status, to_status, actor_id, '', reason,
           CASE WHEN action IN ('payment', 'late_payment') THEN payment_request_id END,
           data
           || CASE WHEN amount <> 0 THEN jsonb_build_object('amount', amount) ELSE '{}'::jsonb END
           || CASE WHEN payment_request_id IS NOT NULL AND action NOT IN ('payment', 'late_payment')
                   THEN jsonb_build_object('payment_request', payment_request_id) ELSE '{}'::jsonb END,
           created_at
            FROM invoicing_invoiceevent
            ORDER BY id
            """,
            migrations.RunSQL.noop,
        ),
        migrations.DeleteModel(
            name='InvoiceEvent',
        ),
        migrations.CreateModel(
            name='InvoiceEvent',
            fields=[
            ],
            options={
                'verbose_name': 'riwayat faktur',
                'verbose_name_plural': 'riwayat faktur',
                'proxy': True,
                'indexes': [],
                'constraints': [],
            },
            bases=(apps.core.audit.SubjectEventMixin, 'core.event'),
        ),
    ]
