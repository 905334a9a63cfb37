"""Test databases on a Citus cluster: made and dropped on every node, not just the coordinator.

On plain PostgreSQL this is Django's own DatabaseCreation, unchanged. When the database Django
connects to (DATABASE_URL) has the citus extension and registered workers, the test database
is made like a Citus database (apps.tenancy.citus.Cluster.prepare_database): on every worker
too, with the extension everywhere, the coordinator and workers registered in it and the
database settings KotaKita needs; and it is dropped on every node WITH (FORCE), because Citus
keeps connections of its own open to it.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.postgresql.creation import DatabaseCreation as PostgresCreation

from apps.tenancy import citus


class DatabaseCreation(PostgresCreation):
    _cluster: citus.Cluster | None = None

    # django-stubs does not declare the private hooks overridden here: reached through Any.
    def _create_test_db(self, verbosity: int, autoclobber: bool, keepdb: bool = False) -> Any:
        parent: Any = super()
        this: Any = self
        # Asked of the database named in DATABASE_URL: the test database does not exist yet.
        self._cluster = citus.cluster_of(self.connection)
        if self._cluster is None:
            return parent._create_test_db(verbosity, autoclobber, keepdb)
        name = this._get_test_db_name()
        with this.connection._nodb_cursor() as cursor:
            kept = keepdb and this._database_exists(cursor, name)
        if not kept:  # what an interrupted run left on any node (Django would DROP it without FORCE)
            self._cluster.drop_database(name)
        result = parent._create_test_db(verbosity, autoclobber, keepdb)
        if not kept:
            self._cluster.prepare_database(name)
        return result

    def _destroy_test_db(self, test_database_name: str, verbosity: int) -> None:
        if self._cluster is None:
            parent: Any = super()
            parent._destroy_test_db(test_database_name, verbosity)
            return
        self.connection.close_pool()
        self._cluster.drop_database(test_database_name)
