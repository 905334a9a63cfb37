"""Operations: `sequence_reset_sql` (loaddata, sqlsequencereset) also moves a tenant schema's
shared id sequence past the loaded rows. Django's statements find no sequence owned by such a
column (`pg_get_serial_sequence` is NULL, and `setval(NULL, ...)` does nothing)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.backends.postgresql.operations import DatabaseOperations as PostgresOperations
from django.db.models import AutoField, Model

from apps.core import row_ids


class DatabaseOperations(PostgresOperations):
    def sequence_reset_sql(self, style: Any, model_list: Sequence[type[Model]]) -> list[str]:
        output: list[str] = super().sequence_reset_sql(style, model_list)
        schema: str | None = getattr(self.connection, "schema_name", None)
        if schema is None or not row_ids.shared(schema):
            return output
        with self.connection.cursor() as cursor:
            present = row_ids.existing_sequences(cursor, schema)
        for model in model_list:
            for field in model._meta.local_fields:
                if isinstance(field, AutoField):  # BigAutoField and SmallAutoField too
                    kind = field.get_internal_type()
                    if kind in present:
                        table, column = self.quote_name(model._meta.db_table), self.quote_name(str(field.column))
                        output.append(row_ids.advance_sql(schema, kind, table, column) + ";")
                    break
        return output
