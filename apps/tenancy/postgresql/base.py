"""django-tenants' PostgreSQL backend with a `SET search_path` that is issued once, not per cursor.

django-tenants re-issues `SET search_path` on every cursor unless TENANT_LIMIT_SET_CALLS is on;
with it on, it trusts a flag on the DatabaseWrapper that says "already set". That flag can lie:

- PostgreSQL reverts a `SET` (and `set_config(..., false)`, which is the same thing) when the
  transaction that ran it rolls back, wholly or to a savepoint taken before it. The flag stays
  set, and the next query runs in whatever schema the connection had before: another tenant's.
- Django's connection pool hands the same DatabaseWrapper a different physical connection on
  every request, and one physical connection serves many wrappers (threads) in turn.

So the state lives here on the physical connection (what PostgreSQL has), not on the wrapper:

- which search_path was set on it, and whether the transaction that set it is still open
  (`provisional`): only a commit we saw, or a SET that ran outside a transaction, makes it
  final. A rollback (Django's, a savepoint's, the pool's on return) or any end of that
  transaction we did not see as a commit drops it, and the next cursor sets the path again;
- a switch to another schema (`set_tenant`: a request, a task, `schema_context`) always
  issues one SET on the next cursor, whatever the connection is believed to hold;
- which tenant schemas the connection has touched. PostgreSQL caches the catalog of every
  table a backend has opened and never gives it back (about 0.4 MB per tenant schema, see
  docs/operations.md "Connections"), so a connection that touched more than
  DATABASE_CONN_MAX_TENANTS schemas is closed when its request ends instead of being reused.

It also gives the auto primary keys of a tenant schema one shared id sequence instead of an
IDENTITY each (apps.core.row_ids; schema.py creates it, operations.py resets it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import psycopg
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError
from django_tenants.postgresql_backend import base as tenants_base
from django_tenants.utils import get_limit_set_calls, quote_schema_name
from psycopg.pq import TransactionStatus

from apps.core import row_ids

from .creation import DatabaseCreation
from .operations import DatabaseOperations
from .schema import DatabaseSchemaEditor

# Django loads the backend's other modules (client, creation, features, ...) from the package
# named in ENGINE through DatabaseWrapper's class attributes, which this subclass inherits.
_STATE = "_kotakita_search_path"
# Django's IDENTITY suffixes, kept for the public schema (apps.core.row_ids).
_IDENTITY_SUFFIXES = dict(tenants_base.DatabaseWrapper.data_types_suffix)


@dataclass
class PathState:
    """What one physical connection's session holds, as far as we know."""

    path: tuple[str, ...] | None = None
    # Set inside a transaction not yet committed: a rollback would revert it.
    provisional: bool = False
    touched: set[str] = field(default_factory=set)


def state_of(raw: Any) -> PathState:
    """The state kept on a psycopg connection (created on first use)."""
    state: PathState | None = getattr(raw, _STATE, None)
    if state is None:
        state = PathState()
        setattr(raw, _STATE, state)
    return state


def max_tenants_per_connection() -> int:
    """0 means no limit."""
    return int(getattr(settings, "DATABASE_CONN_MAX_TENANTS", 0) or 0)


class DatabaseWrapper(tenants_base.DatabaseWrapper):
    _setting_search_path: bool
    SchemaEditorClass = DatabaseSchemaEditor
    creation_class = DatabaseCreation
    ops_class = DatabaseOperations

    @property  # Django reads it for each auto field it writes a column for
    def data_types_suffix(self) -> dict[str, str]:
        """Auto keys of a tenant schema default to the schema's shared sequence; the public
        schema keeps IDENTITY (apps.core.row_ids)."""
        schema = getattr(self, "schema_name", None)
        return row_ids.column_suffixes(schema) if schema and row_ids.shared(schema) else _IDENTITY_SUFFIXES

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Before super().__init__: it calls set_tenant (set_schema_to_public).
        self._path_requested = True
        super().__init__(*args, **kwargs)

    def set_tenant(self, tenant: Any, include_public: bool = True) -> None:
        before = (self.schema_name, self.include_public_schema)
        super().set_tenant(tenant, include_public)
        if (self.schema_name, self.include_public_schema) != before:
            # A switch always issues its SET, whatever the connection is believed to hold.
            self._path_requested = True

    # --- the SET itself --------------------------------------------------------------------
    def _handle_search_path(self, cursor: Any = None) -> None:
        if self._setting_search_path:
            return
        if not self.schema_name:
            raise ImproperlyConfigured("Database schema not set. Did you forget to call set_schema() or set_tenant()?")
        wanted = tuple(self._get_cursor_search_paths())
        raw = self.connection
        state = state_of(raw)
        if get_limit_set_calls() and not self._path_requested and self._path_holds(raw, state, wanted):
            return
        self._setting_search_path = True
        path_cursor = raw.cursor() if cursor is None else cursor
        try:
            path_cursor.execute("SET search_path = " + ",".join(quote_schema_name(s) for s in wanted))
        except (DatabaseError, psycopg.Error):
            # An aborted transaction refuses every statement until it is rolled back; the query
            # that follows fails the same way, so there is nothing to protect yet.
            state.path = None
        else:
            state.path = wanted
            state.provisional = raw.info.transaction_status != TransactionStatus.IDLE
            state.touched.add(wanted[0])
            self._path_requested = False
        finally:
            self._setting_search_path = False
            if cursor is None:
                path_cursor.close()

    @staticmethod
    def _path_holds(raw: Any, state: PathState, wanted: tuple[str, ...]) -> bool:
        if state.path != wanted:
            return False
        if state.provisional and raw.info.transaction_status != TransactionStatus.INTRANS:
            # The transaction that ran the SET ended, and not through a commit we saw (that
            # would have made it final): PostgreSQL may have reverted it.
            state.path = None
            return False
        return True

    # --- transaction ends ------------------------------------------------------------------
    def _commit(self) -> None:
        raw = self.connection
        try:
            super()._commit()
        except Exception:
            if raw is not None:
                state_of(raw).path = None  # a failed COMMIT is a rollback
            raise
        if raw is not None:
            state_of(raw).provisional = False

    def _rollback(self) -> None:
        raw = self.connection
        try:
            super()._rollback()
        finally:
            if raw is not None:
                state_of(raw).path = None

    def _savepoint_rollback(self, sid: str) -> None:
        raw = self.connection
        try:
            super()._savepoint_rollback(sid)
        finally:
            # Reverts a SET issued after the savepoint. Cleared after, not before: the
            # rollback's own cursor must not issue a SET that the rollback then discards.
            if raw is not None:
                state_of(raw).path = None

    # --- bounded catalog memory ------------------------------------------------------------
    def touched_too_many_tenants(self) -> bool:
        limit = max_tenants_per_connection()
        return bool(limit and self.connection is not None and len(state_of(self.connection).touched) > limit)

    def close_if_unusable_or_obsolete(self) -> None:
        super().close_if_unusable_or_obsolete()
        # Called when a request starts and ends (and by Celery around tasks): a persistent
        # connection that has cached too many tenants' catalogs is replaced by a fresh one.
        if self.touched_too_many_tenants() and not self.in_atomic_block:
            self.close()

    def _close(self) -> None:
        raw = self.connection
        if raw is not None and self.pool and self.touched_too_many_tenants():
            # Returned to the pool as expired: the pool closes it and opens a fresh one. (A
            # connection closed by us would be discarded too, with a warning in the log.)
            if hasattr(raw, "_expire_at"):
                raw._expire_at = 0.0
            else:
                raw.close()
        super()._close()
