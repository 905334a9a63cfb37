"""The site menu of base.html: links per role, the unread badge, and its cost (one query)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.notifications import badge, services
from apps.tenancy.models import Tenant
from tests.budgets import assert_list_budget
from tests.conftest import PASSWORD, client_for

pytestmark = pytest.mark.django_db


def _menu_links(client: Client, path: str = "/notifikasi/pengaturan/") -> tuple[str, list[str]]:
    response = client.get(path)
    assert response.status_code == 200
    menu = response.context["site_menu"]
    return response.content.decode(), [p for p, _label in menu["links"]]


def _grower(user: User) -> Callable[[int], None]:
    def grow(count: int) -> None:
        for i in range(count):
            services.notify([user], event="uji", title=f"Kabar {i}", body="Isi", key=uuid.uuid4().hex, url="/")

    return grow


def test_the_menu_lists_what_the_roles_open(tenant_a: Tenant) -> None:
    with tenant_a:
        lurah = create_user(username="menu-lurah", full_name="Bu Lurah", roles=[Role.LURAH], password=PASSWORD)
        warga = create_user(username="menu-warga", full_name="Pak Warga", roles=[Role.WARGA], password=PASSWORD)
    page, links = _menu_links(client_for(tenant_a), "/")
    assert 'data-testid="menu-phone"' in page and 'data-testid="unread-badge"' not in page
    assert links == ["/laporan/", "/izin/", "/pasar/", "/agenda/", "/kas/"]  # a visitor: the public pages

    client = client_for(tenant_a)
    client.force_login(warga)
    _page, links = _menu_links(client)
    assert "/dompet/" in links and "/notifikasi/" in links
    assert not {"/dasbor/", "/bansos/", "/pinjaman/"} & set(links)

    client.force_login(lurah)
    _page, links = _menu_links(client)
    assert {"/dasbor/", "/bansos/", "/pengadaan/", "/notifikasi/"} <= set(links)


def test_the_badge_counts_unread_in_app_notifications(
    tenant_a: Tenant, django_capture_on_commit_callbacks: Any
) -> None:
    with tenant_a:
        user = User.objects.get(username=f"warga-{tenant_a.slug}")
        services.mark_read(user)
        client = client_for(tenant_a)
        client.force_login(user)
        page, _links = _menu_links(client)
        assert 'data-testid="unread-badge"' not in page
        _grower(user)(2)  # not committed: the cached badge stays as it was
        page, _links = _menu_links(client)
        assert 'data-testid="unread-badge"' not in page
        with django_capture_on_commit_callbacks(execute=True):  # committed: notify forgets the cache
            _grower(user)(1)
        page, _links = _menu_links(client)
        assert page.count("3 belum dibaca") == 3  # the "Menu" button and the link, phone and desktop
        services.mark_read(user)
        page, _links = _menu_links(client)
        assert "belum dibaca</span>" not in page


def test_the_menu_costs_one_query_however_many_notifications(tenant_a: Tenant) -> None:
    with tenant_a:
        user = User.objects.get(username=f"warga-{tenant_a.slug}")
        client = client_for(tenant_a)
        client.force_login(user)
        # The same page at n and 10n unread: the badge's count does not grow with them.
        assert_list_budget(lambda: client.get("/notifikasi/pengaturan/"), _grower(user))

        from apps.notifications.context_processors import menu

        request = client.get("/notifikasi/pengaturan/").wsgi_request
        badge.forget(user.pk)
        lazy = menu(request)["site_menu"]
        with CaptureQueriesContext(connection) as captured:
            assert lazy["links"] and lazy["unread"] >= 3
            assert lazy["links"]  # evaluated once per request
        assert len(captured.captured_queries) == 1, [q["sql"] for q in captured.captured_queries]
        with CaptureQueriesContext(connection) as captured:
            assert menu(request)["site_menu"]["unread"] >= 3
        assert not captured.captured_queries  # warm: the menu costs nothing
