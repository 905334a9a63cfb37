"""The WhatsApp bot's conversation is keyed by its phone number (one per number): in place, rows
kept; the id column, its primary key and the unique phone constraint go, PRIMARY KEY (phone)
takes their place (apps.core.column_keys; one pg_class row fewer per tenant schema, issue 17)."""

from django.db import migrations, models

from apps.core import column_keys


class Migration(migrations.Migration):
    dependencies = [
        ("tukang", "0002_job_disputed_at"),
        ("core", "0007_admin_log_in_core_event"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveConstraint(model_name="conversation", name="tukang_conversation_phone_once"),
                migrations.RemoveField(model_name="conversation", name="id"),
                migrations.AlterField(
                    model_name="conversation",
                    name="phone",
                    field=models.CharField(
                        max_length=20, primary_key=True, serialize=False, verbose_name="nomor WhatsApp"
                    ),
                ),
            ],
            database_operations=[
                column_keys.to_column_key(
                    "tukang_conversation",
                    "phone",
                    unique_name="tukang_conversation_phone_once",
                    admin_model="tukang.conversation",
                ),
            ],
        ),
    ]
