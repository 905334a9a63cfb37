"""The tenant admin's change history is core_event rows (apps.core.admin_log): no django_admin_log
in a tenant schema, and nothing in tenant context reads or writes the public one (which the name
would reach through the search path)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models.deletion import Collector
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.accounts.models import User
from apps.core.admin_log import AdminLogEntry, AdminLogMixin
from apps.rtrw.models import RukunWarga
from apps.tenancy.models import Tenant
from tests.conftest import TenantSet, client_for

pytestmark = pytest.mark.django_db

SECRET = "PUBLIC-ONLY-LOG-ROW"


def _admin_client(tenant: Tenant) -> Client:
    client = client_for(tenant)
    with tenant:
        client.force_login(User.objects.get(username="admin"))
    return client


def _add_rw(client: Client, number: int) -> Any:
    return client.post(
        "/admin/rtrw/rukunwarga/add/",
        {
            "number": str(number),
            "ketua": "",
            "rts-TOTAL_FORMS": "0",
            "rts-INITIAL_FORMS": "0",
            "rts-MIN_NUM_FORMS": "0",
            "rts-MAX_NUM_FORMS": "1000",
        },
    )


def _public_log_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM public.django_admin_log")
        return int(cursor.fetchone()[0])


def _public_entry_for(user_id: int, object_id: int) -> LogEntry:
    """A platform admin log row of a public user whose id is `user_id` (made if missing)."""
    connection.set_schema_to_public()
    if not User.objects.filter(pk=user_id).exists():
        User.objects.create(pk=user_id, username=f"platform-{user_id}", email=f"p{user_id}@kotakita.id")
    return LogEntry.objects.create(
        user_id=user_id,
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(object_id),
        object_repr=SECRET,
        action_flag=ADDITION,
        change_message=SECRET,
    )


def test_tenant_schemas_have_no_admin_log_table_and_public_keeps_its_own(tenants: TenantSet) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT schemaname FROM pg_tables WHERE tablename = 'django_admin_log'")
        schemas = {row[0] for row in cursor.fetchall()}
    assert schemas == {"public"}


def test_every_tenant_model_admin_keeps_its_history_in_core_event() -> None:
    assert all(isinstance(model_admin, AdminLogMixin) for model_admin in admin.site._registry.values())


def test_admin_add_change_and_delete_are_core_events_in_the_same_schema(tenants: TenantSet) -> None:
    client = _admin_client(tenants.a)
    before = _public_log_rows()
    assert _add_rw(client, 91).status_code == 302
    with tenants.a:
        rw = RukunWarga.objects.get(number=91)
        admin_user = User.objects.get(username="admin")
    response = client.post(
        f"/admin/rtrw/rukunwarga/{rw.pk}/change/",
        {
            "number": "92",
            "ketua": "",
            "rts-TOTAL_FORMS": "0",
            "rts-INITIAL_FORMS": "0",
            "rts-MIN_NUM_FORMS": "0",
            "rts-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302
    history = client.get(f"/admin/rtrw/rukunwarga/{rw.pk}/history/")
    assert history.status_code == 200
    html = history.content.decode()
    with tenants.a:
        changed = AdminLogEntry.objects.get(subject_id=rw.pk, action="change")
    assert changed.get_change_message() and changed.get_change_message() in html
    assert len(history.context["action_list"]) == 2
    assert client.post(f"/admin/rtrw/rukunwarga/{rw.pk}/delete/", {"post": "yes"}).status_code == 302
    with tenants.a:
        entries = list(AdminLogEntry.objects.filter(subject_id=rw.pk).order_by("created_at", "id"))
    assert [e.action for e in entries] == ["add", "change", "delete"]
    assert {e.actor_id for e in entries} == {admin_user.pk}
    assert entries[0].data["model"] == "rtrw.rukunwarga"
    assert entries[0].object_repr == "RW 91" and entries[2].object_repr == "RW 92"
    assert json.loads(entries[1].change_message)[0]["changed"]["fields"]
    assert _public_log_rows() == before  # nothing went to the platform's log


def test_recent_actions_and_history_never_show_a_public_log_entry(tenants: TenantSet) -> None:
    with tenants.a:
        admin_user = User.objects.get(username="admin")
    _public_entry_for(admin_user.pk, admin_user.pk)  # same user id, same object id as in tenant A
    with tenants.a:
        # The test can fail: in tenant context LogEntry does reach the public row.
        assert LogEntry.objects.filter(user_id=admin_user.pk, object_repr=SECRET).exists()
    client = _admin_client(tenants.a)
    index = client.get("/admin/")
    assert index.status_code == 200
    assert SECRET not in index.content.decode()
    history = client.get(f"/admin/accounts/user/{admin_user.pk}/history/")
    assert history.status_code == 200
    assert SECRET not in history.content.decode()


def test_an_admin_change_in_one_tenant_is_not_seen_in_another(tenants: TenantSet) -> None:
    client_a = _admin_client(tenants.a)
    assert _add_rw(client_a, 93).status_code == 302
    index_a = client_a.get("/admin/").content.decode()
    assert "RW 93" in index_a  # the recent actions list it in A
    with tenants.a:
        rw = RukunWarga.objects.get(number=93)
    client_b = _admin_client(tenants.b)
    assert "RW 93" not in client_b.get("/admin/").content.decode()
    with tenants.b:
        assert not AdminLogEntry.objects.filter(subject_id=rw.pk, data__model="rtrw.rukunwarga").exists()
        if RukunWarga.objects.filter(pk=rw.pk).exists():  # same pk in B: its history is B's only
            page = client_b.get(f"/admin/rtrw/rukunwarga/{rw.pk}/history/").content.decode()
            assert "RW 93" not in page


def test_deleting_a_tenant_user_leaves_the_public_log_alone(tenants: TenantSet) -> None:
    with tenants.a:
        user = User.objects.create(username="log-guard", email="log-guard@mojorejo.id")
    entry = _public_entry_for(user.pk, 1)
    with tenants.a, CaptureQueriesContext(connection) as queries:
        User.objects.filter(pk=user.pk).delete()
    assert not any("django_admin_log" in q["sql"] for q in queries.captured_queries)
    connection.set_schema_to_public()
    assert LogEntry.objects.filter(pk=entry.pk).exists()
    # In public, deleting a platform user still cascades to its log rows.
    collector = Collector(using="default")
    field = LogEntry._meta.get_field("user")
    field.remote_field.on_delete(collector, field, LogEntry.objects.filter(user_id=user.pk), "default")  # type: ignore[union-attr]
    collector.delete()
    assert not LogEntry.objects.filter(pk=entry.pk).exists()


def test_history_page_reads_a_fixed_number_of_queries(tenants: TenantSet) -> None:
    client = _admin_client(tenants.a)
    assert _add_rw(client, 94).status_code == 302
    with tenants.a:
        rw = RukunWarga.objects.get(number=94)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/admin/rtrw/rukunwarga/{rw.pk}/history/").status_code == 200
        return len(queries)

    one = count()
    with tenants.a:
        admin_user = User.objects.get(username="admin")
        for _ in range(5):
            AdminLogEntry.objects.create(
                subject_type="admin",
                subject_id=rw.pk,
                action="change",
                actor=admin_user,
                data={"model": "rtrw.rukunwarga", "repr": "RW 94", "message": "x"},
            )
    assert count() == one


def test_migration_moves_an_old_tenant_admin_log_into_core_event(tenants: TenantSet) -> None:
    from importlib import import_module

    migration = import_module("apps.core.migrations.0007_admin_log_in_core_event")
    schema = tenants.a.schema_name
    with tenants.a:
        admin_user = User.objects.get(username="admin")
        ct = ContentType.objects.get_for_model(RukunWarga)
        with connection.cursor() as cursor:
            cursor.execute(
                f'CREATE TABLE "{schema}".django_admin_log (LIKE public.django_admin_log INCLUDING DEFAULTS)'
            )
            cursor.execute(
                f'INSERT INTO "{schema}".django_admin_log (id, action_time, user_id, content_type_id, object_id,'
                " object_repr, action_flag, change_message) VALUES"
                " (1, now(), %s, %s, '77', 'RW 77', 2, %s), (2, now(), %s, %s, 'x-1', 'odd', 1, 'Added.')",
                [admin_user.pk, ct.pk, json.dumps([{"changed": {"fields": ["Nomor RW"]}}]), admin_user.pk, ct.pk],
            )

        class Editor:
            pass

        editor = Editor()
        editor.connection = connection  # type: ignore[attr-defined]
        migration.move_admin_log(None, editor)
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_tables WHERE schemaname = %s AND tablename = 'django_admin_log'", [schema])
            assert cursor.fetchone() is None
        moved = AdminLogEntry.objects.filter(data__model="rtrw.rukunwarga", data__repr__in=["RW 77", "odd"])
        by_repr = {e.object_repr: e for e in moved}
        assert by_repr["RW 77"].subject_id == 77 and by_repr["RW 77"].action == "change"
        assert by_repr["RW 77"].actor_id == admin_user.pk
        assert "Nomor RW" in by_repr["RW 77"].get_change_message()
        assert by_repr["odd"].subject_id == 0 and by_repr["odd"].object_id == "x-1"
        assert by_repr["odd"].action == "add"
    assert LogEntry.objects.filter(object_repr="RW 77").count() == 0  # public untouched


def test_import_export_never_writes_log_entry() -> None:
    """django-import-export's ImportMixin writes LogEntry itself (a tenant would reach the public
    table); the setting turns that off for every admin that does not say otherwise."""
    from types import SimpleNamespace

    from import_export.admin import ImportMixin

    assert ImportMixin.get_skip_admin_log(SimpleNamespace(skip_admin_log=None)) is True  # type: ignore[arg-type]
    importing = [a for a in admin.site._registry.values() if isinstance(a, ImportMixin)]
    assert all(a.skip_admin_log in (None, True) for a in importing)
