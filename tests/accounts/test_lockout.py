"""The login lock-out (django-axes) in the public schema (apps.accounts.lockout): one table for
every tenant, usernames qualified by schema, so a lock-out, its reset and its records stay in
the tenant they belong to; no tenant schema has axes tables any more."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from axes.models import AccessAttempt, AccessLog
from django.test import Client

from apps.accounts import lockout
from apps.core.db import connection
from apps.tenancy import schemas
from apps.tenancy.models import Tenant
from tests.conftest import PASSWORD, TenantSet, client_for

pytestmark = pytest.mark.django_db

LOGIN = "/akun/masuk/"


def _fail(client: Client, username: str, times: int) -> None:
    for _ in range(times):  # the last one of AXES_FAILURE_LIMIT already answers 429
        assert client.post(LOGIN, {"username": username, "password": "tebak-tebakan"}).status_code in (200, 429)


def _regclass(name: str) -> Any:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [name])
        return cursor.fetchone()[0]


def test_a_lock_out_in_one_tenant_never_locks_the_namesake_in_another(tenants: TenantSet, settings: Any) -> None:
    a, b = client_for(tenants.a), client_for(tenants.b)
    _fail(a, "admin", settings.AXES_FAILURE_LIMIT)
    assert a.post(LOGIN, {"username": "admin", "password": PASSWORD}).status_code == 429
    # Same username, same address, other kelurahan: untouched; its success resets only its own.
    _fail(b, "admin", 1)
    assert b.post(LOGIN, {"username": "admin", "password": PASSWORD}).status_code == 302
    assert a.post(LOGIN, {"username": "admin", "password": PASSWORD}).status_code == 429
    connection.set_schema_to_public()
    ((username, failures),) = AccessAttempt.objects.values_list("username", "failures_since_start")
    assert username == f"{tenants.a.schema_name}:admin" and failures >= settings.AXES_FAILURE_LIMIT
    assert AccessLog.objects.filter(username=f"{tenants.b.schema_name}:admin").count() == 1


def test_the_api_sign_in_counts_under_the_qualified_name_too(tenants: TenantSet, settings: Any) -> None:
    api = client_for(tenants.a)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        api.post("/api/v1/auth/token/", {"username": "admin", "password": "salah"}, content_type="application/json")
    connection.set_schema_to_public()
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {f"{tenants.a.schema_name}:admin"}
    ok = client_for(tenants.b).post(
        "/api/v1/auth/token/", {"username": "admin", "password": PASSWORD}, content_type="application/json"
    )
    assert ok.status_code == 200


def test_reset_lockout_unlocks_only_the_current_tenants_user(tenants: TenantSet, settings: Any) -> None:
    a, b = client_for(tenants.a), client_for(tenants.b)
    _fail(a, "admin", settings.AXES_FAILURE_LIMIT)
    _fail(b, "admin", 2)
    with tenants.a:
        assert lockout.reset_lockout("admin") == 1
    assert a.post(LOGIN, {"username": "admin", "password": PASSWORD}).status_code == 302
    connection.set_schema_to_public()
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == [f"{tenants.b.schema_name}:admin"]


def _admin_client(tenant: Tenant) -> Client:
    client = client_for(tenant)
    assert client.post(LOGIN, {"username": "admin", "password": PASSWORD}).status_code == 302
    return client


def test_a_tenant_admin_lists_only_its_own_attempts(tenants: TenantSet) -> None:
    _fail(client_for(tenants.a), "warga-mojorejo", 1)
    _fail(client_for(tenants.b), "warga-pandean", 1)
    _fail(client_for(tenants.b), "warga-mojorejo", 1)  # A's user name, typed in B
    admin_a = _admin_client(tenants.a)
    page = admin_a.get("/admin/axes/accessattempt/")
    assert page.status_code == 200
    shown = {str(row.username) for row in page.context["cl"].result_list}
    assert shown == {f"{tenants.a.schema_name}:warga-mojorejo"}
    # B's rows are not reachable by id either, nor through search or the access log.
    connection.set_schema_to_public()
    other = AccessAttempt.objects.get(username=f"{tenants.b.schema_name}:warga-pandean")
    assert admin_a.get(f"/admin/axes/accessattempt/{other.pk}/change/").status_code == 302  # "does not exist"
    found = admin_a.get("/admin/axes/accessattempt/", {"q": "pandean"})
    assert list(found.context["cl"].result_list) == []
    logs = admin_a.get("/admin/axes/accesslog/")
    assert {str(row.username) for row in logs.context["cl"].result_list} == {f"{tenants.a.schema_name}:admin"}


def test_the_platform_admin_lists_every_tenants_attempts(tenants: TenantSet, operator_client: Client) -> None:
    _fail(client_for(tenants.a), "admin", 1)
    _fail(client_for(tenants.b), "admin", 1)
    page = operator_client.get("/admin/axes/accessattempt/")
    assert page.status_code == 200
    shown = {str(row.username) for row in page.context["cl"].result_list}
    assert shown == {f"{tenants.a.schema_name}:admin", f"{tenants.b.schema_name}:admin"}


def test_no_tenant_schema_has_axes_tables(tenants: TenantSet) -> None:
    for schema in (schemas.template_schema("kelurahan"), schemas.template_schema("kota"), tenants.a.schema_name):
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = %s AND tablename LIKE 'axes%%'", [schema])
            assert cursor.fetchone()[0] == 0, schema
    assert _regclass("public.axes_accessattempt") is not None


def test_the_migration_drops_a_tenant_schemas_old_axes_tables_and_never_the_public_ones(tenants: TenantSet) -> None:
    migration = importlib.import_module("apps.accounts.migrations.0006_drop_tenant_axes_tables")
    schema = tenants.a.schema_name
    with connection.cursor() as cursor:
        for table in migration.TABLES:
            cursor.execute(f"CREATE TABLE {schema}.{table} (id integer)")
    editor: Any = type("Editor", (), {"connection": connection})()
    with tenants.a:
        migration.drop_tenant_axes_tables(None, editor)
        assert all(_regclass(f"{schema}.{table}") is None for table in migration.TABLES)
        migration.drop_tenant_axes_tables(None, editor)  # again: the tables are gone, public stays
    connection.set_schema_to_public()
    migration.drop_tenant_axes_tables(None, editor)  # public: nothing
    assert all(_regclass(f"public.{table}") is not None for table in migration.TABLES)


def test_a_removed_tenants_login_records_are_forgotten(tenants: TenantSet) -> None:
    _fail(client_for(tenants.a), "admin", 1)
    _fail(client_for(tenants.b), "admin", 1)
    connection.set_schema_to_public()
    assert lockout.forget_schema(tenants.a.schema_name) == 1
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == [f"{tenants.b.schema_name}:admin"]


def test_qualified_username_is_idempotent_for_the_current_schema_only(tenants: TenantSet) -> None:
    with tenants.a:
        name = lockout.qualified_username("admin")
        assert name == f"{tenants.a.schema_name}:admin"
        assert lockout.qualified_username(name) == name
        other = f"{tenants.b.schema_name}:admin"  # typed as a username in A: A's counter for that text
        assert lockout.qualified_username(other) == f"{tenants.a.schema_name}:{other}"
