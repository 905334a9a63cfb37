"""Sessions of every tenant in one public table keyed by schema (apps.websessions): written with
the current schema, read, updated and deleted only there; rotated at sign-in, ended at sign-out
and for a deactivated user; purged once for all tenants; no tenant schema keeps django_session."""

from __future__ import annotations

import importlib
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.sessions.backends.base import UpdateError
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.services import deactivate_user
from apps.core.db import connection
from apps.jobs import tasks as jobs
from apps.tenancy import schemas
from apps.websessions import services
from apps.websessions.backend import SessionStore
from apps.websessions.models import WebSession
from tests.conftest import PASSWORD, TenantSet, client_for

pytestmark = pytest.mark.django_db

LOGIN = "/akun/masuk/"
ME = "/api/v1/me/"


def _signed_in(client: Client, username: str = "warga-mojorejo") -> str:
    assert client.post(LOGIN, {"username": username, "password": PASSWORD}).status_code == 302
    assert client.get(ME).status_code == 200
    return str(client.cookies["sessionid"].value)


def _regclass(name: str) -> Any:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [name])
        return cursor.fetchone()[0]


def test_a_session_is_written_with_its_tenants_schema(tenants: TenantSet) -> None:
    key = _signed_in(client_for(tenants.a))
    connection.set_schema_to_public()
    row = WebSession.objects.get(session_key=key)
    assert row.schema_name == tenants.a.schema_name
    assert row.get_decoded()["_auth_user_id"]


def test_a_cookie_of_a_is_an_anonymous_session_on_b_and_b_never_touches_as_row(tenants: TenantSet) -> None:
    a = client_for(tenants.a)
    key = _signed_in(a, "admin")
    with tenants.a:
        a_admin = User.objects.get(username="admin").pk
    with tenants.b:  # the namesake on B has the same id: loading A's row on B would sign it in
        assert User.objects.get(username="admin").pk == a_admin
    b = client_for(tenants.b)
    b.cookies["sessionid"] = key
    assert b.get(ME).status_code == 401
    assert b.get("/admin/").status_code == 302
    b.post("/akun/keluar/")  # flushes B's (empty) session: deletes only a B row of that key
    with tenants.b:
        store = SessionStore(key)
        store["x"] = 1  # loads nothing, so this becomes a new session under a new key
        store.save()
        assert store.session_key != key
        assert SessionStore(key).load() == {}
        SessionStore(key).delete()
    connection.set_schema_to_public()
    assert WebSession.objects.get(session_key=key).schema_name == tenants.a.schema_name
    assert WebSession.objects.get(session_key=store.session_key).schema_name == tenants.b.schema_name
    assert a.get(ME).status_code == 200  # A's sign-in is intact


def test_an_update_only_writes_the_current_schemas_row(tenants: TenantSet) -> None:
    key = _signed_in(client_for(tenants.a))
    with tenants.b:
        store = SessionStore(key)
        store._session_cache = {"stolen": True}  # as if loaded: an update of key in B
        store.modified = True
        with pytest.raises(UpdateError):
            store.save()
    connection.set_schema_to_public()
    row = WebSession.objects.get(session_key=key)
    assert row.schema_name == tenants.a.schema_name and "stolen" not in row.get_decoded()


def test_sign_in_rotates_the_key_and_sign_out_deletes_the_row(tenants: TenantSet) -> None:
    with tenants.a:  # an anonymous session with something in it (a cart, a language)
        anonymous = SessionStore()
        anonymous["x"] = 1
        anonymous.save()
    client = client_for(tenants.a)
    client.cookies["sessionid"] = str(anonymous.session_key)
    signed = _signed_in(client)
    assert signed != anonymous.session_key
    connection.set_schema_to_public()
    assert not WebSession.objects.filter(session_key=anonymous.session_key).exists()
    assert WebSession.objects.get(session_key=signed).get_decoded()["x"] == 1  # kept, under the new key
    client.post("/akun/keluar/")
    assert client.get(ME).status_code in (401, 403)
    connection.set_schema_to_public()
    assert not WebSession.objects.filter(session_key=signed).exists()


def test_a_deactivated_users_open_session_ends(tenants: TenantSet) -> None:
    client = client_for(tenants.a)
    _signed_in(client)
    with tenants.a:
        deactivate_user(User.objects.get(username="warga-mojorejo"), actor=User.objects.get(username="admin"))
    assert client.get(ME).status_code == 401


def test_the_csrf_check_still_guards_the_sign_in(tenants: TenantSet) -> None:
    client = Client(HTTP_HOST=tenants.a.get_primary_domain().domain, enforce_csrf_checks=True)
    page = client.get(LOGIN)
    token = page.context["csrf_token"]
    assert client.post(LOGIN, {"username": "warga-mojorejo", "password": "salah"}).status_code == 403
    signed = client.post(LOGIN, {"username": "warga-mojorejo", "password": PASSWORD, "csrfmiddlewaretoken": token})
    assert signed.status_code == 302
    assert client.get(ME).status_code == 200


def test_expired_sessions_of_every_tenant_are_purged_at_once(tenants: TenantSet, monkeypatch: Any) -> None:
    live_a, live_b = _signed_in(client_for(tenants.a)), _signed_in(client_for(tenants.b), "warga-pandean")
    old_a, old_b = _signed_in(client_for(tenants.a)), _signed_in(client_for(tenants.b), "warga-pandean")
    connection.set_schema_to_public()
    WebSession.objects.filter(session_key__in=[old_a, old_b]).update(expire_date=timezone.now() - timedelta(seconds=1))
    monkeypatch.setattr(jobs, "enqueue_in_every_tenant", lambda task, **kwargs: 0)
    jobs.repair_everywhere()  # the beat's public sweep: one DELETE for all tenants
    left = set(WebSession.objects.values_list("session_key", flat=True))
    assert {live_a, live_b} <= left and not {old_a, old_b} & left
    WebSession.objects.filter(session_key=live_a).update(expire_date=timezone.now() - timedelta(seconds=1))
    call_command("clearsessions")
    assert not WebSession.objects.filter(session_key=live_a).exists()
    assert WebSession.objects.filter(session_key=live_b).exists()


def test_forgetting_a_schema_deletes_only_its_sessions(tenants: TenantSet) -> None:
    a, b = _signed_in(client_for(tenants.a)), _signed_in(client_for(tenants.b), "warga-pandean")
    connection.set_schema_to_public()
    assert services.forget_schema(tenants.a.schema_name) == 1
    assert set(WebSession.objects.filter(session_key__in=[a, b]).values_list("session_key", flat=True)) == {b}


def test_no_schema_has_a_django_session_table(tenants: TenantSet) -> None:
    for schema in (schemas.template_schema("kelurahan"), schemas.template_schema("kota"), tenants.a.schema_name):
        assert _regclass(f"{schema}.django_session") is None, schema
    assert _regclass("public.django_session") is None
    assert _regclass("public.websessions_websession") is not None


def test_the_migration_drops_a_tenant_schemas_django_session_and_never_the_public_one(tenants: TenantSet) -> None:
    migration = importlib.import_module("apps.core.migrations.0005_drop_tenant_session_table")
    schema = tenants.a.schema_name
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {schema}.django_session (session_key varchar(40))")
        cursor.execute("CREATE TABLE public.django_session (session_key varchar(40))")
    editor: Any = type("Editor", (), {"connection": connection})()
    with tenants.a:
        migration.drop_tenant_session_table(None, editor)
        assert _regclass(f"{schema}.django_session") is None
        migration.drop_tenant_session_table(None, editor)  # again: gone here, and public stays
    assert _regclass("public.django_session") is not None
    connection.set_schema_to_public()
    migration.drop_tenant_session_table(None, editor)  # public: nothing
    assert _regclass("public.django_session") is not None
