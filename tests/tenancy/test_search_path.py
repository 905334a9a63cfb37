"""`SET search_path` once per schema switch (TENANT_LIMIT_SET_CALLS), and never a query in
another tenant's schema on a reused connection (apps/tenancy/postgresql/base.py).

These run on committed data (no test transaction around them), like production: the
connection is in autocommit between requests, so a SET outside a transaction is final and
one inside a transaction is reverted by its rollback.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django_tenants.utils import schema_context, tenant_context

from apps.accounts.models import User
from apps.tenancy.postgresql import base as backend
from tests.conftest import TenantSet, client_for

from .search_path_tools import driver_statements, schema_witness, set_calls

pytestmark = pytest.mark.usefixtures("committed")


class Boom(Exception):
    pass


def logged_in(tenant: Any) -> Client:
    client = client_for(tenant)
    with tenant_context(tenant):
        client.force_login(User.objects.get(username="admin"))
    return client


def query_schema() -> str:
    """current_schema() through Django's cursor: runs wherever the SET left the connection."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        return str(cursor.fetchone()[0])


# --- one SET per switch ---------------------------------------------------------------------
@pytest.mark.parametrize("limit", [True, False])
def test_a_tenant_request_sets_the_path_once(
    tenants: TenantSet, monkeypatch: pytest.MonkeyPatch, settings: Any, limit: bool
) -> None:
    settings.TENANT_LIMIT_SET_CALLS = limit
    client = logged_in(tenants.a)
    assert logged_in(tenants.b).get("/").status_code == 200  # the connection last served tenant B
    with driver_statements(monkeypatch) as statements:
        response = client.get("/")
    assert response.status_code == 200
    sets = set_calls(statements)
    queries = [sql for sql in statements if not sql.startswith("SET ")]
    assert len(queries) >= 4  # tenant lookup, session, user, the page: per-cursor SETs would show
    if limit:
        # The tenant lookup names the public tables, so it needs no switch to public first.
        assert sets == [f'SET search_path = "{tenants.a.schema_name}","public"']
    else:
        assert len(sets) > 2  # django-tenants' default: one per cursor


def test_a_request_for_the_tenant_the_connection_serves_sets_nothing(
    tenants: TenantSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = logged_in(tenants.a)
    assert client.get("/").status_code == 200
    with driver_statements(monkeypatch) as statements:
        assert client.get("/").status_code == 200
    assert set_calls(statements) == []
    assert query_schema() == tenants.a.schema_name


def test_a_platform_request_sets_the_path_once(tenants: TenantSet, monkeypatch: pytest.MonkeyPatch) -> None:
    assert logged_in(tenants.a).get("/").status_code == 200
    with driver_statements(monkeypatch) as statements:
        client_for(None).get("/")
    assert set_calls(statements) == ['SET search_path = "public"']


def test_an_unknown_host_is_answered_in_public(tenants: TenantSet, settings: Any) -> None:
    assert logged_in(tenants.a).get("/").status_code == 200
    response = Client(HTTP_HOST=f"tidak-ada.{settings.KOTAKITA_BASE_DOMAIN}").get("/")
    assert response.status_code == 404
    assert query_schema() == "public"


def test_every_switch_to_another_schema_sets_the_path_again(
    tenants: TenantSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even when the connection's state says the path is already there: a drift of the
    session's path (raw SQL that changed it) never outlives the next switch."""
    connection.set_tenant(tenants.a)
    query_schema()
    with connection.cursor() as cursor:
        cursor.execute("SET search_path = public")  # behind the backend's back
    connection.set_schema_to_public()
    connection.set_tenant(tenants.a)
    with driver_statements(monkeypatch) as statements:
        assert query_schema() == tenants.a.schema_name
        assert query_schema() == tenants.a.schema_name
    assert len(set_calls(statements)) == 1


# --- never another tenant's schema on a reused connection ------------------------------------
def test_alternating_tenants_requests_commands_and_tasks_on_one_connection(tenants: TenantSet, settings: Any) -> None:
    from config.celery import app

    assert settings.TENANT_LIMIT_SET_CALLS
    assert connection.settings_dict["CONN_MAX_AGE"] != 0 or connection.pool  # a reused connection

    @app.task(name="tests.tenancy.search_path_probe")
    def probe() -> str:
        return query_schema()

    a, b = tenants.a, tenants.b
    client_a, client_b, platform = logged_in(a), logged_in(b), client_for(None)
    pid = connection.connection.info.backend_pid if connection.connection else None
    try:
        with schema_witness(connection) as wrong:
            for _ in range(3):
                assert client_a.get("/").status_code == 200
                assert client_b.get("/").status_code == 200
                assert platform.get("/").status_code == 200
                with schema_context(a.schema_name):
                    assert query_schema() == a.schema_name
                    with tenant_context(b):
                        assert query_schema() == b.schema_name
                    assert query_schema() == a.schema_name
                with tenant_context(b):
                    assert probe.apply_async().get() == b.schema_name
                with tenant_context(a):
                    assert probe.apply_async().get() == a.schema_name
                    assert User.objects.filter(username="warga-mojorejo").exists()
                    assert not User.objects.filter(username="warga-pandean").exists()
                assert query_schema() == "public"
    finally:
        app.tasks.pop("tests.tenancy.search_path_probe", None)
    assert wrong == []
    if pid is not None:
        assert connection.connection.info.backend_pid == pid  # one persistent connection throughout


# --- the trap: PostgreSQL reverts a SET whose transaction rolls back ---------------------------
def _b_then_a(tenants: TenantSet) -> None:
    connection.set_tenant(tenants.b)
    assert query_schema() == tenants.b.schema_name  # SET b, in autocommit: final
    connection.set_tenant(tenants.a)


def _rolled_back_by_django(tenants: TenantSet) -> None:
    _b_then_a(tenants)
    with pytest.raises(Boom), transaction.atomic():
        assert query_schema() == tenants.a.schema_name  # SET a, inside the transaction
        raise Boom  # ROLLBACK: PostgreSQL puts the path back to b


def _rolled_back_behind_djangos_back(tenants: TenantSet) -> None:
    """A rollback Django never sees: the pool's on a returned connection, a driver-level one."""
    _b_then_a(tenants)
    transaction.set_autocommit(False)
    assert query_schema() == tenants.a.schema_name  # SET a, inside the transaction
    connection.connection.rollback()  # the driver's, not Django's: back to b


SCENARIOS = {"django_rollback": _rolled_back_by_django, "driver_rollback": _rolled_back_behind_djangos_back}


def _naive(monkeypatch: pytest.MonkeyPatch, *, rollback: bool = True, transaction_end: bool = True) -> None:
    """Take the guards out: the state survives a rollback / the end of its transaction."""
    if rollback:
        grandparent = backend.tenants_base.original_backend.DatabaseWrapper
        monkeypatch.setattr(backend.DatabaseWrapper, "_rollback", grandparent._rollback)
    if transaction_end:
        monkeypatch.setattr(
            backend.DatabaseWrapper, "_path_holds", staticmethod(lambda raw, state, wanted: state.path == wanted)
        )


@pytest.fixture
def autocommit_after(committed: None) -> Any:
    """Back to autocommit, the connection's state between requests (before `committed` ends)."""
    yield
    if not connection.get_autocommit():
        connection.rollback()
        transaction.set_autocommit(True)


@pytest.mark.usefixtures("autocommit_after")
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_without_the_guards_the_next_query_runs_in_the_previous_tenant(
    tenants: TenantSet, monkeypatch: pytest.MonkeyPatch, scenario: str
) -> None:
    """The trap is real: with a naive "already set" flag, a's next query runs in b's schema."""
    _naive(monkeypatch)
    SCENARIOS[scenario](tenants)
    assert query_schema() == tenants.b.schema_name


@pytest.mark.usefixtures("autocommit_after")
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_a_set_undone_by_a_rollback_is_issued_again(tenants: TenantSet, scenario: str) -> None:
    SCENARIOS[scenario](tenants)
    assert query_schema() == tenants.a.schema_name


@pytest.mark.usefixtures("autocommit_after")
def test_djangos_rollback_alone_closes_the_trap(tenants: TenantSet, monkeypatch: pytest.MonkeyPatch) -> None:
    _naive(monkeypatch, rollback=False)
    _rolled_back_by_django(tenants)
    assert query_schema() == tenants.a.schema_name


@pytest.mark.usefixtures("autocommit_after")
def test_the_end_of_the_transaction_alone_closes_the_trap(tenants: TenantSet, monkeypatch: pytest.MonkeyPatch) -> None:
    """A SET made in a transaction counts only once that transaction is seen to commit."""
    _naive(monkeypatch, transaction_end=False)
    _rolled_back_behind_djangos_back(tenants)
    assert query_schema() == tenants.a.schema_name


def test_a_set_undone_by_a_savepoint_rollback_is_issued_again(tenants: TenantSet) -> None:
    connection.set_tenant(tenants.b)
    with transaction.atomic():
        assert query_schema() == tenants.b.schema_name
        connection.set_tenant(tenants.a)
        with pytest.raises(Boom), transaction.atomic():
            assert query_schema() == tenants.a.schema_name
            raise Boom  # ROLLBACK TO SAVEPOINT: back to b
        assert query_schema() == tenants.a.schema_name


def test_a_committed_set_is_kept_without_another_set(tenants: TenantSet, monkeypatch: pytest.MonkeyPatch) -> None:
    connection.set_tenant(tenants.a)
    with transaction.atomic():
        assert query_schema() == tenants.a.schema_name
    with driver_statements(monkeypatch) as statements:
        assert query_schema() == tenants.a.schema_name
    assert set_calls(statements) == []


def test_a_failed_statement_then_rollback_keeps_the_right_schema(tenants: TenantSet) -> None:
    connection.set_tenant(tenants.b)
    query_schema()
    connection.set_tenant(tenants.a)
    with pytest.raises(DatabaseError), transaction.atomic():
        query_schema()
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table_anywhere")
    assert query_schema() == tenants.a.schema_name
