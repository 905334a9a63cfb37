"""Permissions come from groups (roles) only: users have no per-user permissions and their groups
are stored in a pair-keyed link table (issue 17, docs/design/schema-cost.md step 8)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.test import Client

from apps.accounts.models import User, UserGroup
from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.tenancy.models import Tenant
from tests.conftest import PASSWORD, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_a(tenant_a: Tenant) -> Iterator[Tenant]:
    with tenant_a:
        yield tenant_a


def _viewers() -> Group:
    group = Group.objects.create(name="uji-pembaca-pesan")
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="notifications", content_type__model="message")
    )
    return group


def test_users_have_no_per_user_permissions_and_their_table_is_gone(in_a: Tenant) -> None:
    with pytest.raises(FieldDoesNotExist):
        User._meta.get_field("user_permissions")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relname = 'accounts_user_user_permissions' AND n.nspname IN (%s, 'public')",
            [in_a.schema_name],
        )
        assert cursor.fetchone()[0] == 0


def test_group_permissions_work_through_the_backend(in_a: Tenant) -> None:
    person = create_user(username="staf-pembaca", roles=[Role.STAF_OPD], password=PASSWORD)
    person = User.objects.get(pk=person.pk)
    assert not person.has_perm("notifications.view_message")
    person.groups.add(_viewers())
    person = User.objects.get(pk=person.pk)  # fresh permission caches
    assert person.has_perm("notifications.view_message") and person.has_module_perms("notifications")
    assert "notifications.change_message" in person.get_all_permissions()
    assert person.get_user_permissions() == set()
    assert person.get_group_permissions() == person.get_all_permissions()
    backend = "apps.accounts.backends.ModelBackend"
    holders = User.objects.with_perm("notifications.view_message", include_superusers=False, backend=backend)
    assert list(holders) == [person]
    assert person in User.objects.with_perm("notifications.view_message", backend=backend)
    person.is_active = False
    assert not person.has_perm("notifications.view_message")


def test_the_groups_link_table_is_keyed_by_the_pair(in_a: Tenant) -> None:
    person = create_user(username="warga-pasangan", roles=[Role.WARGA], password=PASSWORD)
    person.groups.add(Group.objects.get(name=Role.WARGA))  # already there: no duplicate, no error
    person.groups.add(Group.objects.get(name=Role.PEMILIK_UMKM))
    assert person.has_role(Role.PEMILIK_UMKM) and person.has_any_role(Role.LURAH, Role.WARGA)
    assert UserGroup.objects.filter(user=person).count() == 2
    fetched = User.objects.prefetch_related("groups").get(pk=person.pk)
    assert sorted(g.name for g in fetched.groups.all()) == sorted([str(Role.WARGA), str(Role.PEMILIK_UMKM)])
    assert User.objects.filter(groups__name=Role.PEMILIK_UMKM, pk=person.pk).exists()
    person.groups.remove(Group.objects.get(name=Role.WARGA))
    assert list(person.groups.values_list("name", flat=True)) == [str(Role.PEMILIK_UMKM)]
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "accounts_user_groups")
        columns = [c.name for c in connection.introspection.get_table_description(cursor, "accounts_user_groups")]
    assert sorted(columns) == ["group_id", "user_id"]
    (key,) = [c for c in constraints.values() if c["primary_key"]]
    assert key["columns"] == ["user_id", "group_id"]
    indexes = [c["columns"] for c in constraints.values() if c["index"] and not c["primary_key"]]
    assert indexes == [["group_id"]]


def test_the_admin_edits_a_users_groups(tenants: object, tenant_a: Tenant) -> None:
    with tenant_a:
        person = create_user(username="staf-baru", roles=[Role.STAF_OPD], password=PASSWORD)
        lurah = Group.objects.get(name=Role.LURAH)
        client: Client = client_for(tenant_a)
        client.force_login(User.objects.get(username="admin"))
    page = client.get(f"/admin/accounts/user/{person.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="groups"' in html and "user_permissions" not in html
    response = client.post(
        f"/admin/accounts/user/{person.pk}/change/",
        {
            "username": person.username,
            "full_name": "Staf Baru",
            "email": "",
            "phone": "",
            "is_active": "on",
            "is_staff": "on",
            "groups": [lurah.pk],
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": "2026-12-01",
            "date_joined_1": "08:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    with tenant_a:
        assert list(User.objects.get(pk=person.pk).groups.values_list("name", flat=True)) == [str(Role.LURAH)]
        assert User.objects.get(pk=person.pk).full_name == "Staf Baru"
