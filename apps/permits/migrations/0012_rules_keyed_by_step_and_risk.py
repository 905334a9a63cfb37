"""The kelurahan's SLA rules are keyed by their step and its permit fees by their risk level (one
each): in place, rows kept; the id column, its primary key and the unique constraint go, PRIMARY
KEY (status) and PRIMARY KEY (risk_level) take their place (apps.core.column_keys; one pg_class
row fewer per table and tenant schema, issue 17). The admin's change history of a rule or fee
follows it to its new key."""

from django.db import migrations, models

from apps.core import column_keys


class Migration(migrations.Migration):
    dependencies = [
        ("permits", "0011_oss_config_to_public"),
        ("core", "0007_admin_log_in_core_event"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveConstraint(model_name="slarule", name="permits_slarule_status_unique"),
                migrations.RemoveField(model_name="slarule", name="id"),
                migrations.AlterField(
                    model_name="slarule",
                    name="status",
                    field=models.CharField(
                        choices=[
                            ("submitted", "Menunggu rekomendasi RT/RW"),
                            ("recommended", "Menunggu verifikasi petugas"),
                            ("verified", "Menunggu persetujuan lurah"),
                            ("approved", "Disetujui, menunggu terbit"),
                            ("returned", "Dikembalikan untuk dilengkapi"),
                        ],
                        max_length=16,
                        primary_key=True,
                        serialize=False,
                        verbose_name="langkah",
                    ),
                ),
            ],
            database_operations=[
                column_keys.to_column_key(
                    "permits_slarule",
                    "status",
                    unique_name="permits_slarule_status_unique",
                    admin_model="permits.slarule",
                ),
            ],
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveConstraint(model_name="permitfee", name="permits_fee_risk_unique"),
                migrations.RemoveField(model_name="permitfee", name="id"),
                migrations.AlterField(
                    model_name="permitfee",
                    name="risk_level",
                    field=models.CharField(
                        choices=[
                            ("rendah", "Rendah"),
                            ("menengah_rendah", "Menengah rendah"),
                            ("menengah_tinggi", "Menengah tinggi"),
                            ("tinggi", "Tinggi"),
                        ],
                        max_length=16,
                        primary_key=True,
                        serialize=False,
                        verbose_name="tingkat risiko",
                    ),
                ),
            ],
            database_operations=[
                column_keys.to_column_key(
                    "permits_permitfee",
                    "risk_level",
                    unique_name="permits_fee_risk_unique",
                    admin_model="permits.permitfee",
                ),
            ],
        ),
    ]
