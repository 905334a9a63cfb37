"""Idempotency-Key records moved to one public table keyed by schema (apps.idempotency; issue 17,
docs/design/schema-cost.md "Idempotency keys"): drop `core_idempotencyrecord` from every schema
that has it, the tenant schemas and the public one (core is a tenant and public app; the new table
is `idempotency_idempotencyrecord`, in public only). The records are transient (7 days): nothing
is copied, so the deploy forgets the keys of the last 7 days once. A request sent before it and
retried after it with the same key runs again (the money moves that keep their own domain key,
transfers, payments, refunds, orders, still refuse a second one), and a WhatsApp message recorded
but whose turn task was lost is not re-queued by the repair (docs/operations.md).

The name is schema-qualified with the schema being migrated (as core.0005), so a schema without
the table never resolves it through the search path to another schema's.
"""

from typing import Any

from django.db import migrations

from apps.core.retired_tables import drop_retired_table


def drop_idempotency_table(apps: Any, schema_editor: Any) -> None:
    drop_retired_table(schema_editor, "core_idempotencyrecord", public=True)


def recreate_idempotency_table(apps: Any, schema_editor: Any) -> None:
    schema_editor.create_model(apps.get_model("core", "IdempotencyRecord"))  # backwards: empty again


class Migration(migrations.Migration):
    dependencies = [("core", "0005_drop_tenant_session_table")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="IdempotencyRecord")],
            database_operations=[migrations.RunPython(drop_idempotency_table, recreate_idempotency_table)],
        )
    ]
