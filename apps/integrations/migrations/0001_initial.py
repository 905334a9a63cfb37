"""How each tenant reaches the outside services, one public table keyed by schema (apps.integrations
is a public app). The rows of the old per-schema tables `permits_ossconfig` and
`notifications_channelconfig` are copied here by permits.0011 and notifications.0008, which
depend on this migration."""

from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
    ]

    operations = [
        migrations.CreateModel(
            name='ServiceConfig',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('schema_name', models.CharField(editable=False, max_length=63, verbose_name='skema tenant')),
                ('service', models.CharField(choices=[('oss', 'OSS'), ('whatsapp', 'WhatsApp'), ('sms', 'SMS'), ('telegram', 'Telegram')], max_length=16, verbose_name='layanan')),
                ('mode', models.CharField(choices=[('sandbox', 'Sandbox (lokal)'), ('http', 'HTTP API')], default='sandbox', max_length=16, verbose_name='mode')),
                ('endpoint_url', models.URLField(blank=True, verbose_name='URL API')),
                ('api_token', models.CharField(blank=True, max_length=255, verbose_name='token API')),
                ('sender', models.CharField(blank=True, max_length=64, verbose_name='pengirim')),
                ('timeout_seconds', models.FloatField(default=10.0, verbose_name='batas waktu (detik)')),
                ('simulate_failure', models.BooleanField(default=False, help_text='Hanya sandbox: setiap panggilan gagal.', verbose_name='simulasikan gangguan')),
                ('app_secret', models.CharField(blank=True, max_length=128, verbose_name='app secret (webhook)')),
                ('verify_token', models.CharField(blank=True, max_length=128, verbose_name='verify token (webhook)')),
            ],
            options={
                'verbose_name': 'konfigurasi layanan luar',
                'verbose_name_plural': 'konfigurasi layanan luar',
                'constraints': [models.UniqueConstraint(fields=('schema_name', 'service'), name='integrations_service_once')],
            },
        ),
    ]
