"""The Idempotency-Key records of every tenant (public schema only: apps.idempotency is a public
app). The old per-schema `core_idempotencyrecord` tables are dropped by core.0006; their records
(transient) are not copied."""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
    ]

    operations = [
        migrations.CreateModel(
            name='IdempotencyRecord',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('schema_name', models.CharField(editable=False, max_length=63, verbose_name='skema tenant')),
                ('owner', models.CharField(max_length=100, verbose_name='pemilik')),
                ('key', models.CharField(max_length=200, verbose_name='kunci idempotensi')),
                ('scope', models.CharField(max_length=100, verbose_name='operasi')),
                ('fingerprint', models.CharField(max_length=64, verbose_name='sidik permintaan')),
                ('status_code', models.PositiveSmallIntegerField(verbose_name='status HTTP')),
                ('body', models.TextField(blank=True, verbose_name='jawaban')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='dibuat')),
            ],
            options={
                'verbose_name': 'catatan idempotensi',
                'verbose_name_plural': 'catatan idempotensi',
                'indexes': [models.Index(fields=['created_at'], name='idempotency_created_idx')],
                'constraints': [models.UniqueConstraint(fields=('schema_name', 'owner', 'key'), name='idempotency_key_once')],
            },
        ),
    ]
