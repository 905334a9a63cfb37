"""Tenant isolation: what one kelurahan writes is invisible and unchangeable from another."""

from __future__ import annotations

import uuid

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connection
from django.test import Client

from apps.accounts.api_tokens import issue_token
from apps.accounts.models import User
from apps.rtrw.models import RukunTetangga, RukunWarga
from apps.tenancy.models import Tenant
from tests.conftest import PASSWORD, client_for

pytestmark = pytest.mark.django_db


def _make_rt(tenant: Tenant, rw: int, rt: int) -> RukunTetangga:
    with tenant:
        unit = RukunWarga.objects.create(number=rw)
        return RukunTetangga.objects.create(rw=unit, number=rt)


def test_orm_rows_of_a_are_invisible_from_b(tenant_a: Tenant, tenant_b: Tenant) -> None:
    _make_rt(tenant_a, 7, 3)
    with tenant_a:
        User.objects.create(username="rahasia-a", email="a@mojorejo.id")
        assert RukunTetangga.objects.filter(rw__number=7, number=3).count() == 1
    with tenant_b:
        assert not User.objects.filter(username="rahasia-a").exists()
        assert not RukunWarga.objects.filter(number=7).exists()


def test_raw_sql_sees_only_the_current_schema(tenant_a: Tenant, tenant_b: Tenant) -> None:
    with tenant_a:
        User.objects.create(username="raw-a")
    with tenant_b, connection.cursor() as cursor:
        cursor.execute("SELECT username FROM accounts_user")
        names = {row[0] for row in cursor.fetchall()}
        assert "raw-a" not in names
        assert "warga-pandean" in names


def test_public_schema_holds_no_tenant_app_tables() -> None:
    tenant_only = {
        model._meta.db_table
        for config in apps.get_app_configs()
        if config.name in {"apps.rtrw"}
        for model in config.get_models()
    }
    assert tenant_only
    with connection.cursor() as cursor:
        cursor.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
        public_tables = {row[0] for row in cursor.fetchall()}
    assert not tenant_only & public_tables
    assert "tenancy_tenant" in public_tables


def test_tenant_schema_holds_no_registry_tables(tenant_a: Tenant) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", [tenant_a.schema_name]
        )
        tables = {row[0] for row in cursor.fetchall()}
    assert "rtrw_rukuntetangga" in tables
    assert not {t for t in tables if t.startswith("tenancy_")}


def test_api_lists_only_the_tenants_own_rows(client_a: Client, client_b: Client, tenant_a: Tenant) -> None:
    _make_rt(tenant_a, 9, 1)
    client_a.post("/akun/masuk/", {"username": "admin", "password": PASSWORD})
    client_b.post("/akun/masuk/", {"username": "admin", "password": PASSWORD})
    a_rts = client_a.get("/api/v1/rt/").json()["results"]
    b_rts = client_b.get("/api/v1/rt/").json()["results"]
    assert any(rt["name"] == "RT 01/RW 09" for rt in a_rts)
    assert not any(rt["name"] == "RT 01/RW 09" for rt in b_rts)
    rt_id = a_rts[0]["id"]
    assert client_b.get(f"/api/v1/rt/{rt_id}/").status_code == 404


def test_token_of_a_does_not_authenticate_on_b(tenant_a: Tenant, tenant_b: Tenant) -> None:
    with tenant_a:
        key = issue_token(User.objects.get(username="warga-mojorejo")).key
    on_a = client_for(tenant_a).get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")
    assert on_a.status_code == 200 and on_a.json()["username"] == "warga-mojorejo"
    on_b = client_for(tenant_b).get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")
    assert on_b.status_code == 401
    assert on_b.json()["error"]["code"] == "authentication_failed"


def test_session_cookie_of_a_does_not_authenticate_on_b(client_a: Client, tenant_b: Tenant) -> None:
    response = client_a.post("/akun/masuk/", {"username": "warga-mojorejo", "password": PASSWORD})
    assert response.status_code == 302
    session_id = client_a.cookies["sessionid"].value
    assert client_a.get("/api/v1/me/").status_code == 200
    thief = client_for(tenant_b)
    thief.cookies["sessionid"] = session_id
    assert thief.get("/api/v1/me/").status_code == 401
    page = thief.get("/akun/profil/")
    assert page.status_code == 302 and "/akun/masuk/" in page["Location"]


def test_pages_show_only_the_tenants_own_data(client_a: Client, client_b: Client) -> None:
    page_a = client_a.get("/").content.decode()
    page_b = client_b.get("/").content.decode()
    assert "Kelurahan Mojorejo" in page_a and "Kelurahan Pandean" not in page_a
    assert "Kelurahan Pandean" in page_b and "Kelurahan Mojorejo" not in page_b


def test_admin_of_a_sees_only_a(client_a: Client, client_b: Client) -> None:
    client_a.post("/akun/masuk/", {"username": "admin", "password": PASSWORD})
    users = client_a.get("/admin/accounts/user/")
    assert users.status_code == 200
    body = users.content.decode()
    assert "warga-mojorejo" in body and "warga-pandean" not in body
    # the tenant registry is not reachable from a tenant's admin
    assert client_a.get("/admin/tenancy/tenant/").status_code == 404
    # and A's admin session means nothing on B's admin
    client_b.cookies["sessionid"] = client_a.cookies["sessionid"].value
    assert client_b.get("/admin/accounts/user/").status_code == 302


@pytest.mark.redis
def test_cache_keys_are_scoped_per_tenant(tenant_a: Tenant, tenant_b: Tenant) -> None:
    key = f"dashboard:umkm-count:{uuid.uuid4().hex}"  # the cache may be a shared Redis
    with tenant_a:
        cache.set(key, 42)
        assert cache.get(key) == 42
    with tenant_b:
        assert cache.get(key) is None
        cache.set(key, 7)
    with tenant_a:
        assert cache.get(key) == 42


def test_unknown_hosts_get_404_never_the_public_site() -> None:
    assert Client(HTTP_HOST="tidak-ada.localhost").get("/").status_code == 404
    assert Client(HTTP_HOST="evil.example.com").get("/").status_code == 404
    assert Client(HTTP_HOST="localhost").get("/").status_code == 200


def test_group_ids_are_per_tenant(tenant_a: Tenant, tenant_b: Tenant) -> None:
    with tenant_a:
        Group.objects.create(name="panitia-17-agustus")
    with tenant_b:
        assert not Group.objects.filter(name="panitia-17-agustus").exists()


def test_deleting_a_tenant_user_never_touches_platform_rows(tenant_a: Tenant) -> None:
    from apps.tenancy.models import ActivationJob

    with tenant_a:
        namesake = User.objects.create(username="id-kembar")
    # a platform row pointing at a public user that happens to share the tenant user's id
    shared_id = namesake.pk
    job = ActivationJob.objects.create(scope="35.77.03", created_by_id=shared_id)
    with tenant_a:
        namesake.delete()
    job.refresh_from_db()
    assert job.created_by_id == shared_id


def test_uploaded_files_live_under_the_tenants_own_folder(
    tenant_a: Tenant, tenant_b: Tenant, settings: object, tmp_path: object
) -> None:
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    settings.MEDIA_ROOT = str(tmp_path)  # type: ignore[attr-defined]
    with tenant_a:
        name = default_storage.save("ktp/scan.txt", ContentFile(b"rahasia A"))
        path_a = default_storage.path(name)
        assert default_storage.exists(name)
    with tenant_b:
        assert not default_storage.exists(name)
        assert default_storage.path(name) != path_a
    assert f"/{tenant_a.schema_name}/" in path_a
