"""The lending_loanevent rows move to core_event (apps.core.audit, docs/design/schema-cost.md step 3):
copied in this schema by one INSERT ... SELECT (also on Citus: same schema, same node), then the
table is dropped and the class name stays as a proxy of core.Event. Backwards recreates the
empty table only.
"""


import apps.core.audit
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0004_event'),
        ("lending", "0006_unindexed_link_journal_entry"),
    ]

    operations = [
        migrations.RunSQL(
            """
            INSERT INTO core_event (subject_type, subject_id, action, from_status, to_status, actor_id, actor_role, note, ref_id, data, created_at)
            SELECT CASE WHEN loan_id IS NOT NULL THEN 'loan' WHEN application_id IS NOT NULL THEN 'loanapp' ELSE 'lender' END,
           COALESCE(loan_id, application_id, lender_id), kind, '', '', actor_id, '', message, NULL,
           data || jsonb_build_object('lender', lender_id)
           || CASE WHEN loan_id IS NOT NULL AND application_id IS NOT NULL
                   THEN jsonb_build_object('application', application_id) ELSE '{}'::jsonb END,
           created_at
            FROM lending_loanevent
            ORDER BY id
            """,
            migrations.RunSQL.noop,
        ),
        migrations.DeleteModel(
            name='LoanEvent',
        ),
        migrations.CreateModel(
            name='LoanEvent',
            fields=[
            ],
            options={
                'verbose_name': 'catatan audit pinjaman',
                'verbose_name_plural': 'catatan audit pinjaman',
                'proxy': True,
                'indexes': [],
                'constraints': [],
            },
            bases=(apps.core.audit.SubjectEventMixin, 'core.event'),
        ),
    ]
