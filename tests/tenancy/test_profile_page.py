"""The kelurahan's public profile page (issue 19): services, laporan resolved in 90 days and
their median time, the next public events only, the UMKM open, the kantor's contact (edited by
the kelurahan's admins), a small map; each app's section cached; a query budget."""

from __future__ import annotations

from datetime import timedelta
from itertools import count

import pytest
from django.test import Client
from django.utils import timezone

from apps.accounts.models import User
from apps.agenda.models import Audience, Event
from apps.marketplace.models import Shop
from apps.reports import services
from apps.reports.models import Category
from apps.tenancy.models import Tenant
from tests.budgets import assert_list_budget
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
_serial = count(1)


def _resolved_report(hours: int) -> None:
    now = timezone.now()
    category = services.ensure_category(
        code="uji-profil", name="Uji profil", unit=Category.Unit.KELURAHAN, sla_hours=48, escalation_hours=120
    )
    report = services.submit_report(
        category=category,
        description="Got mampet",
        address="Depan balai RW",
        reporter=None,
        require_point=False,
        now=now - timedelta(hours=hours),
    )
    services.resolve(report, User.objects.get(username="admin"), "Sudah dibersihkan", now=now)


def _event(title: str, audience: str = Audience.PUBLIC, days: int = 2) -> Event:
    start = timezone.now() + timedelta(days=days)
    return Event.objects.create(
        title=title,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        place_name="Balai kelurahan",
        organiser="Kelurahan",
        audience=audience,
    )


def _shop() -> Shop:
    n = next(_serial)
    return Shop.objects.create(
        owner=User.objects.get(username="admin"), name=f"Toko {n}", slug=f"toko-uji-{n}", address="Jl. Uji"
    )


def test_a_guest_sees_the_kelurahan_profile(client_a: Client, tenant_a: Tenant) -> None:
    with tenant_a:
        _resolved_report(hours=24)
        _resolved_report(hours=72)
        _event("Kerja bakti bersih kali")
        _event("Rapat staf", audience=Audience.STAFF)
        _shop()
        inactive = _shop()
        Shop.objects.filter(pk=inactive.pk).update(is_active=False)
    Tenant.objects.filter(pk=tenant_a.pk).update(
        office_address="Jl. Mojorejo No. 1", office_phone="0351-123456", office_hours="Senin–Jumat 08.00–15.00"
    )
    try:
        page = client_a.get("/").content.decode()
    finally:
        Tenant.objects.filter(pk=tenant_a.pk).update(office_address="", office_phone="", office_hours="")
    for service in ("/laporan/baru/", "/izin/", "/pasar/", "/dompet/", "/agenda/"):
        assert f'href="{service}"' in page
    assert 'data-testid="resolved-count">2<' in page and "Biasanya selesai dalam 2" in page
    assert "Kerja bakti bersih kali" in page and "Rapat staf" not in page
    assert 'data-testid="shop-count">1<' in page
    assert "Jl. Mojorejo No. 1" in page and "Senin–Jumat 08.00–15.00" in page and 'href="tel:+62351123456"' in page
    assert 'class="profile-map"' in page and "Ubah kontak kantor" not in page


def test_sections_follow_writes(client_a: Client, tenant_a: Tenant) -> None:
    assert 'data-testid="shop-count">0<' in client_a.get("/").content.decode()
    with tenant_a:
        _shop()
        _event("Posyandu balita")
    page = client_a.get("/").content.decode()
    assert 'data-testid="shop-count">1<' in page and "Posyandu balita" in page


def test_the_kelurahan_admin_edits_the_kantor_contact(client_a: Client, tenant_a: Tenant) -> None:
    assert client_a.get("/wilayah/kantor/").status_code == 302  # sign in first
    assert client_a.post("/akun/masuk/", {"username": "admin", "password": PASSWORD}).status_code == 302
    assert "Ubah kontak kantor" in client_a.get("/").content.decode()
    try:
        bad = client_a.post("/wilayah/kantor/", {"address": "Jl. Baru 2", "phone": "12", "hours": ""})
        assert bad.status_code == 422 and "Nomor telepon kantor tidak valid." in bad.content.decode()
        done = client_a.post("/wilayah/kantor/", {"address": "Jl. Baru 2", "phone": "0351 45678", "hours": "Senin"})
        assert done.status_code == 302
        tenant = Tenant.objects.get(pk=tenant_a.pk)
        assert (tenant.office_address, tenant.office_phone, tenant.office_hours) == (
            "Jl. Baru 2",
            "0351 45678",
            "Senin",
        )
    finally:
        Tenant.objects.filter(pk=tenant_a.pk).update(office_address="", office_phone="", office_hours="")


def test_a_warga_cannot_edit_the_kantor_contact(client_a: Client) -> None:
    assert client_a.post("/akun/masuk/", {"username": "warga-mojorejo", "password": PASSWORD}).status_code == 302
    assert client_a.get("/wilayah/kantor/").status_code == 403


def test_profile_page_query_budget(client_a: Client, tenant_a: Tenant) -> None:
    def grow(k: int) -> None:
        with tenant_a:
            for i in range(k):
                _resolved_report(hours=10 + i)
                _event(f"Kegiatan {i}", days=1 + i)
                _shop()

    assert_list_budget(fetch=lambda: client_a.get("/"), grow=grow)
