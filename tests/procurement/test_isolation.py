"""Tenant isolation: every procurement model written in A is invisible in B; pages and API of A
are unreachable from B."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client

from apps.procurement import selectors
from apps.procurement.models import PurchaseRequest
from apps.tenancy.models import Tenant

from .conftest import People, advance, logged_in, make_people

pytestmark = pytest.mark.django_db


@pytest.fixture
def filled(tenant_a: Tenant, people: People) -> PurchaseRequest:
    """At least one row of every procurement model in A."""
    with tenant_a:
        return advance(people, "paid")


def test_every_procurement_model_written_in_a_is_invisible_in_b(
    filled: PurchaseRequest, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    models = list(apps.get_app_config("procurement").get_models())
    assert len(models) == 11  # the order-number counter is apps.core.DocumentCounter (tests/core/test_sequences.py)
    with tenant_a:
        for model in models:
            assert model.objects.exists(), f"{model.__name__} has no row in A"
    with tenant_b:
        for model in models:
            assert not model.objects.exists(), f"{model.__name__} leaks into B"
        assert not selectors.public_awards().exists()


def test_procurement_tables_live_only_in_tenant_schemas(tenant_a: Tenant) -> None:
    # ProcurementEvent is a proxy of core.Event (core_event, checked with apps.core)
    tables = {m._meta.db_table for m in apps.get_app_config("procurement").get_models() if not m._meta.proxy}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema, table_name FROM information_schema.tables WHERE table_name LIKE 'procurement_%%'"
        )
        found = cursor.fetchall()
    assert not {t for s, t in found if s == "public"} & tables
    assert tables <= {t for s, t in found if s == tenant_a.schema_name}


def test_pages_and_api_of_a_are_unreachable_from_b(
    filled: PurchaseRequest, tenant_a: Tenant, tenant_b: Tenant, client_b: Client
) -> None:
    pk = filled.pk
    with tenant_b:
        staff_b = make_people("b-")
        # Even a request with the same id in B is another request.
        assert not PurchaseRequest.objects.filter(title=filled.title).exists()
    b = logged_in(tenant_b, staff_b.petugas)
    for url in (f"/pengadaan/{pk}/", f"/pengadaan/{pk}/perbandingan/", f"/pengadaan/{pk}/surat-pesanan.pdf"):
        assert b.get(url).status_code == 404, url
    for url in (f"/api/v1/procurement/requests/{pk}/", f"/api/v1/procurement/requests/{pk}/quotes/"):
        assert b.get(url).status_code == 404, url
    assert b.post(f"/api/v1/procurement/requests/{pk}/cancel/", {"reason": "x"}).status_code == 404
    assert b.get("/api/v1/procurement/requests/").json()["results"] == []
    assert b.get("/api/v1/procurement/quotes/").json()["results"] == []
    assert client_b.get("/api/v1/procurement/awards/").json()["results"] == []
    page = client_b.get("/pengadaan/transparansi/").content.decode()
    assert filled.title not in page and "Katering Pak Budi" not in page
    # A's staff logged in on B's host is not a user there.
    with tenant_a:
        a_staff = PurchaseRequest.objects.get(pk=pk).requested_by
    assert logged_in(tenant_a, a_staff).get(f"/pengadaan/{pk}/").status_code == 200


def test_a_permit_in_b_does_not_make_anyone_eligible_in_a(tenant_a: Tenant, tenant_b: Tenant, people: People) -> None:
    from .conftest import issue_permit, new_request

    with tenant_b:
        other = make_people("b2-")
        issue_permit(other.umkm_tanpa_izin, kbli="56102")
    with tenant_a:
        purchase = new_request(people)
        assert selectors.eligibility(people.umkm_tanpa_izin, purchase) is None
        assert {u.pk for u in selectors.eligible_suppliers(purchase)} == {people.umkm.pk, people.umkm_b.pk}
