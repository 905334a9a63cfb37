"""The schema editor: shared row ids in tenant schemas, and column constraints apart on Citus.

Row ids. Django's column SQL comes from `DatabaseWrapper.data_types_suffix` (see base.py): in a tenant
schema it is `DEFAULT nextval('<schema>.kk_row_id')` instead of IDENTITY (apps.core.row_ids
explains why). This editor creates that sequence before the first table that needs it, and
replaces Django's IDENTITY handling when a field becomes, stops being or changes its type of
auto field.

Citus. Citus refuses `ALTER TABLE ... ADD COLUMN` carrying a PRIMARY KEY, UNIQUE, FOREIGN KEY or CHECK
constraint on a distributed table ("cannot execute ADD COLUMN command with PRIMARY KEY, UNIQUE,
FOREIGN and CHECK constraints"), which is how Django adds a ForeignKey, a unique field or a
PositiveIntegerField to an existing tenant table. On Citus (apps.tenancy.citus) AddField adds the
bare column, then the UNIQUE and CHECK constraints with their own ALTER TABLE, and the foreign key
with Django's deferred ALTER TABLE ... ADD CONSTRAINT (as on backends without inline FKs). On
plain PostgreSQL nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.db.backends.postgresql.schema import DatabaseSchemaEditor as PostgresSchemaEditor
from django.db.models import Field, Model

from apps.core import row_ids
from apps.tenancy import citus

AlterSql = tuple[tuple[str, list[Any]], list[tuple[str, list[Any]]]]


class DatabaseSchemaEditor(PostgresSchemaEditor):
    _constraints_apart = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._row_ids_ready: set[tuple[str, str]] = set()

    def _row_id_schema(self) -> str | None:
        schema: str | None = getattr(self.connection, "schema_name", None)
        return schema if row_ids.shared(schema) else None

    def _ensure_row_ids(self, fields: Iterable[Field[Any, Any]]) -> None:
        schema = self._row_id_schema()
        if schema is None:
            return
        for field in fields:
            kind = field.get_internal_type()
            if kind in row_ids.AUTO_FIELDS and (schema, kind) not in self._row_ids_ready:
                self.execute(row_ids.create_sql(schema, kind))
                self._row_ids_ready.add((schema, kind))

    def create_model(self, model: type[Model]) -> None:
        self._ensure_row_ids(model._meta.local_fields)
        super().create_model(model)

    def add_field(self, model: type[Model], field: Field[Any, Any]) -> None:
        self._ensure_row_ids([field])
        if not citus.is_citus(self.connection) or field.many_to_many:
            super().add_field(model, field)
            return
        this: Any = self  # django-stubs does not declare the private helpers used here
        self._constraints_apart = True
        this.sql_create_column_inline_fk = None  # instance attribute: the FK goes to deferred_sql
        this.sql_check_constraint = ""
        try:
            super().add_field(model, field)
        finally:
            self._constraints_apart = False
            del this.sql_create_column_inline_fk, this.sql_check_constraint
        check = field.db_parameters(connection=self.connection)["check"]
        if check:
            name = this._create_index_name(model._meta.db_table, [field.column], suffix="_check")
            self.execute(this._create_check_sql(model, name, check))
        if field.unique and not field.primary_key:
            self.execute(this._create_unique_sql(model, [field]))

    def _iter_column_sql(self, *args: Any, **kwargs: Any) -> Iterator[str]:
        parent: Any = super()
        for part in parent._iter_column_sql(*args, **kwargs):
            if self._constraints_apart and part == "UNIQUE":
                continue
            yield part

    def _alter_column_type_sql(
        self,
        model: type[Model],
        old_field: Field[Any, Any],
        new_field: Field[Any, Any],
        new_type: str,
        old_collation: str,
        new_collation: str,
    ) -> AlterSql:
        args = (model, old_field, new_field, new_type, old_collation, new_collation)
        schema = self._row_id_schema()
        new_kind, old_kind = new_field.get_internal_type(), old_field.get_internal_type()
        new_auto, old_auto = new_kind in row_ids.AUTO_FIELDS, old_kind in row_ids.AUTO_FIELDS
        if schema is None or not (new_auto or old_auto):
            return self._django_alter_column_type_sql(*args)
        table, column = self.quote_name(model._meta.db_table), self.quote_name(str(new_field.column))
        # A column created before the shared ids (an IDENTITY) is converted on the way.
        self.execute(self.sql_drop_indentity % {"table": table, "column": column})
        if not new_auto:
            self.execute(f"ALTER TABLE {table} ALTER COLUMN {column} DROP DEFAULT")
            return self._django_alter_column_type_sql(*args)
        self._ensure_row_ids([new_field])
        # Django's other actions add an IDENTITY or retype the column's own sequence: replaced.
        fragment, _ = self._django_alter_column_type_sql(*args)
        return fragment, [
            (f"ALTER TABLE {table} ALTER COLUMN {column} SET DEFAULT {row_ids.nextval(schema, new_kind)}", []),
            (row_ids.advance_sql(schema, new_kind, table, column), []),
        ]

    def _django_alter_column_type_sql(self, *args: Any) -> AlterSql:
        # Django's PostgreSQL editor has it; django-stubs do not declare it.
        method: Callable[..., AlterSql] = super()._alter_column_type_sql  # type: ignore[misc]
        return method(*args)
