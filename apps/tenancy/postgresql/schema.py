"""Migrations on Citus: a new column's constraints are added by their own statements.

Citus refuses `ALTER TABLE ... ADD COLUMN` carrying a PRIMARY KEY, UNIQUE, FOREIGN KEY or CHECK
constraint on a distributed table ("cannot execute ADD COLUMN command with PRIMARY KEY, UNIQUE,
FOREIGN and CHECK constraints"), which is how Django adds a ForeignKey, a unique field or a
PositiveIntegerField to an existing tenant table. On Citus (apps.tenancy.citus) AddField adds the
bare column, then the UNIQUE and CHECK constraints with their own ALTER TABLE, and the foreign key
with Django's deferred ALTER TABLE ... ADD CONSTRAINT (as on backends without inline FKs). On
plain PostgreSQL nothing changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.backends.postgresql.schema import DatabaseSchemaEditor as PostgresSchemaEditor

from apps.tenancy import citus


class DatabaseSchemaEditor(PostgresSchemaEditor):
    _constraints_apart = False

    def add_field(self, model: Any, field: Any) -> None:
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
