"""Who sees and does what (shop owner, buyer staff, lurah, warga), pages and API, the list's
query budget, idempotent creation, and isolation between kelurahan."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client

from apps.invoicing.models import Invoice
from apps.tenancy.models import Tenant
from tests.budgets import assert_list_budget

from .conftest import World, make_world, manual, signed_in

pytestmark = pytest.mark.django_db


def office_invoice(world: World) -> Invoice:
    from apps.invoicing import services

    return services.issue_invoice(
        world.shop,
        world.people.umkm_b,
        buyer_name="Kelurahan Mojorejo",
        buyer_is_office=True,
        lines=[{"description": "Nasi kotak", "quantity": "10", "unit": "kotak", "unit_price": 20_000}],
    )


def test_role_matrix_on_pages_and_api(world: World, tenant_a: Tenant) -> None:
    with tenant_a:
        office = office_invoice(world)
        to_warga = manual(world)
    p = world.people
    # (user, sees the office invoice, sees the warga's invoice)
    matrix = {
        "pemilik_umkm (seller)": (p.umkm_b, True, True),
        "staf_opd (buyer staff)": (p.staf, True, False),
        "admin_kelurahan (buyer staff)": (p.petugas, True, False),
        "lurah": (p.lurah, True, False),
        "warga (buyer of its own)": (p.warga, False, True),
        "other UMKM": (p.umkm, False, False),
        "ketua_rt": (p.ketua_rt, False, False),
    }
    for name, (user, sees_office, sees_warga) in matrix.items():
        client = signed_in(tenant_a, user)
        for invoice, expected in ((office, sees_office), (to_warga, sees_warga)):
            page = client.get(f"/faktur/{invoice.pk}/")
            api = client.get(f"/api/v1/invoicing/invoices/{invoice.pk}/")
            pdf = client.get(f"/faktur/{invoice.pk}/pdf/")
            want = 200 if expected else 404
            assert (page.status_code, api.status_code, pdf.status_code) == (want, want, want), name
        listed = {row["id"] for row in client.get("/api/v1/invoicing/invoices/").json()["results"]}
        assert listed == {i.pk for i, ok in ((office, sees_office), (to_warga, sees_warga)) if ok}, name
        assert client.get("/faktur/").status_code == 200
    # Only a shop owner issues; only the seller cancels.
    body = {"buyer_name": "Toko Maju", "lines": [{"description": "Snack", "quantity": "2", "unit_price": 5000}]}
    for user in (p.warga, p.lurah, p.staf):
        answer = signed_in(tenant_a, user).post(
            "/api/v1/invoicing/invoices/", json.dumps(body), content_type="application/json"
        )
        assert answer.status_code == 403, answer.content
    answer = signed_in(tenant_a, p.staf).post(
        f"/api/v1/invoicing/invoices/{office.pk}/cancel/", {"reason": "x"}, content_type="application/json"
    )
    assert answer.status_code == 403
    anonymous = Client(HTTP_HOST=signed_in(tenant_a, p.warga).defaults["HTTP_HOST"])
    assert anonymous.get("/api/v1/invoicing/invoices/").status_code in (401, 403)
    assert anonymous.get("/faktur/").status_code == 302


def test_create_is_idempotent_and_pay_returns_the_bill(world: World, tenant_a: Tenant) -> None:
    client = signed_in(tenant_a, world.people.umkm_b)
    body = {
        "buyer_name": "Toko Maju",
        "buyer_username": world.people.warga.username,
        "terms_days": 14,
        "lines": [{"description": "Snack", "quantity": "2.5", "unit": "kg", "unit_price": 13_333}],
    }
    headers = {"HTTP_IDEMPOTENCY_KEY": "faktur-1"}
    first = client.post("/api/v1/invoicing/invoices/", json.dumps(body), content_type="application/json", **headers)
    again = client.post("/api/v1/invoicing/invoices/", json.dumps(body), content_type="application/json", **headers)
    assert first.status_code == 201, first.content
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    assert first.json()["total"] == 33_333 and first.json()["tax"] == 0
    with tenant_a:
        assert Invoice.objects.count() == 1
    bad = client.post("/api/v1/invoicing/invoices/", json.dumps({**body, "lines": []}), content_type="application/json")
    assert bad.status_code == 422
    buyer = signed_in(tenant_a, world.people.warga)
    bill = buyer.post(f"/api/v1/invoicing/invoices/{first.json()['id']}/pay/", {}, content_type="application/json")
    assert bill.status_code == 200 and bill.json()["amount"] == 33_333 and bill.json()["qris_payload"]
    assert buyer.get(f"/api/v1/invoicing/invoices/{first.json()['id']}/").json()["status"] == "viewed"


def test_pages_issue_pay_and_report(world: World, tenant_a: Tenant) -> None:
    seller = signed_in(tenant_a, world.people.umkm_b)
    assert seller.get("/faktur/baru/").status_code == 200
    made = seller.post(
        "/faktur/baru/",
        {
            "buyer_name": "Toko Maju",
            "buyer_username": world.people.warga.username,
            "terms_days": "30",
            "line-1-description": "Nasi kotak",
            "line-1-quantity": "10",
            "line-1-unit": "kotak",
            "line-1-unit_price": "25000",
        },
    )
    assert made.status_code == 302, made.content
    with tenant_a:
        invoice = Invoice.objects.get()
    assert invoice.total == 250_000
    page = seller.get("/faktur/").content.decode()
    assert invoice.number in page and 'data-testid="ageing"' in page
    assert seller.get("/faktur/laporan/").status_code == 200
    buyer = signed_in(tenant_a, world.people.warga)
    paying = buyer.post(f"/faktur/{invoice.pk}/bayar/", {"amount": ""})
    assert paying.status_code == 302 and paying["Location"].startswith("/dompet/tagihan/")
    assert buyer.get(paying["Location"]).status_code == 200
    assert signed_in(tenant_a, world.people.warga).get("/faktur/baru/").status_code == 403


def test_a_price_typed_with_sen_is_refused_not_read_as_a_bigger_amount(world: World, tenant_a: Tenant) -> None:
    """A unit price of "1500.50" (Rp1.500 and 50 sen) or "1.500,50" is refused on the form and no
    invoice is written; "1500.50" used to become Rp150.050 (the dot stripped as a thousands mark)."""
    seller = signed_in(tenant_a, world.people.umkm_b)
    form = {
        "buyer_name": "Toko Maju",
        "buyer_username": world.people.warga.username,
        "terms_days": "30",
        "line-1-description": "Nasi kotak",
        "line-1-quantity": "10",
        "line-1-unit": "kotak",
    }
    for typed in ("1500.50", "1.500,50"):
        refused = seller.post("/faktur/baru/", {**form, "line-1-unit_price": typed})
        assert 400 <= refused.status_code < 500, typed
    with tenant_a:
        assert not Invoice.objects.exists()
    made = seller.post("/faktur/baru/", {**form, "line-1-unit_price": "Rp1.500,00"})
    assert made.status_code == 302, made.content
    with tenant_a:
        assert Invoice.objects.get().total == 15_000


def test_list_query_budget(world: World, tenant_a: Tenant) -> None:
    client = signed_in(tenant_a, world.people.umkm_b)

    def grow(count: int) -> None:
        with tenant_a:
            for _n in range(count):
                manual(world)

    assert_list_budget(fetch=lambda: client.get("/api/v1/invoicing/invoices/"), grow=grow)
    assert_list_budget(fetch=lambda: client.get("/faktur/"), grow=grow)


def test_every_invoicing_model_written_in_a_is_invisible_in_b(world: World, tenant_a: Tenant, tenant_b: Tenant) -> None:
    with tenant_a:
        invoice = manual(world)
    models: list[Any] = list(apps.get_app_config("invoicing").get_models())
    assert len(models) == 3
    with tenant_a:
        for model in models:
            assert model.objects.exists(), model
    with tenant_b:
        for model in models:
            assert not model.objects.exists(), f"{model.__name__} leaks into B"
        people_b = make_world("b-")
    client_b = signed_in(tenant_b, people_b.people.umkm_b)
    assert client_b.get(f"/faktur/{invoice.pk}/").status_code == 404
    assert client_b.get(f"/api/v1/invoicing/invoices/{invoice.pk}/").status_code == 404
    assert client_b.get("/api/v1/invoicing/invoices/").json()["results"] == []
    with connection.cursor() as cursor:
        cursor.execute("SELECT table_schema FROM information_schema.tables WHERE table_name = 'invoicing_invoice'")
        assert "public" not in {row[0] for row in cursor.fetchall()}
