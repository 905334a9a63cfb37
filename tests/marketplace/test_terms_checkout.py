"""Paying by invoice at checkout (HTML and API): offered to a business buyer at a shop that
accepts invoice terms, never to a resident (refused 403/422 in Bahasa Indonesia, nothing written);
the shop owner switches it on in the shop form."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from apps.accounts.api_tokens import issue_token
from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.marketplace import services
from apps.marketplace.models import Order, Placement, Shop, Stock
from apps.tenancy.models import Tenant
from tests.conftest import client_for

from .conftest import Market, signed_in
from .test_pages import _checkout

pytestmark = pytest.mark.django_db
FAKTUR = services.INVOICE_METHOD


def _cart(client: Client, market: Market) -> dict[str, Any]:
    assert client.post("/pasar/keranjang/tambah/", {"variant": market.nasi.pk, "quantity": 4}).status_code == 302
    html, fields = _checkout(client)
    return {"html": html, **fields, f"delivery_{market.pecel.pk}": "pickup", "address": ""}


def test_the_shop_owner_switches_invoice_terms_on_in_the_shop_form(market: Market, tenant_a: Tenant) -> None:
    owner = signed_in(tenant_a, market.sri)
    url = f"/pasar/toko/{market.pecel.slug}/ubah/"
    assert 'data-testid="shop-invoice-terms"' in owner.get(url).content.decode()
    form = {"name": market.pecel.name, "address": market.pecel.address, "offers_pickup": "on"}
    bad = owner.post(url, {**form, "accepts_invoice": "on", "invoice_terms_days": "400"})
    assert bad.status_code in (200, 422)
    market.pecel.refresh_from_db()
    assert not market.pecel.accepts_invoice
    assert owner.post(url, {**form, "accepts_invoice": "on", "invoice_terms_days": "21"}).status_code == 302
    market.pecel.refresh_from_db()
    assert market.pecel.accepts_invoice and market.pecel.invoice_terms_days == 21


def test_business_buyer_pays_by_invoice_at_checkout(market: Market, tenant_a: Tenant) -> None:
    services.update_shop(market.pecel, market.sri, accepts_invoice=True, invoice_terms_days=14)
    buyer = signed_in(tenant_a, market.yati)  # owns "Oleh-oleh Bu Yati": a business buyer
    data = _cart(buyer, market)
    assert f'value="{FAKTUR}"' in data.pop("html") and "tempo 14 hari" in buyer.get("/pasar/checkout/").content.decode()
    placed = buyer.post("/pasar/checkout/pesan/", {**data, "payment_method": FAKTUR})
    assert placed.status_code == 302
    order = Order.objects.get(buyer=market.yati)
    assert order.status == Order.Status.ON_TERMS and order.payment_method == FAKTUR and order.terms_days == 14
    assert order.payment_request_id is None
    page = buyer.get(f"/pasar/pesanan/{order.public_id}/").content.decode()
    assert "Bayar dengan faktur (tempo)" in page


def test_a_resident_is_not_offered_invoice_terms_and_cannot_force_them(market: Market, tenant_a: Tenant) -> None:
    services.update_shop(market.pecel, market.sri, accepts_invoice=True)
    buyer = signed_in(tenant_a, market.joko)
    data = _cart(buyer, market)
    assert f'value="{FAKTUR}"' not in data.pop("html")
    refused = buyer.post("/pasar/checkout/pesan/", {**data, "payment_method": FAKTUR})
    assert refused.status_code == 422
    assert not Order.objects.exists() and Stock.objects.get(variant=market.nasi).quantity_allocated == 0


def test_no_invoice_option_when_the_shop_does_not_accept_it(market: Market, tenant_a: Tenant) -> None:
    buyer = signed_in(tenant_a, market.yati)
    data = _cart(buyer, market)
    assert f'value="{FAKTUR}"' not in data.pop("html")


def test_the_api_refuses_a_resident_and_serves_a_business_buyer(market: Market, tenant_a: Tenant) -> None:
    services.update_shop(market.pecel, market.sri, accepts_invoice=True, invoice_terms_days=30)
    items = [{"variant": market.nasi.pk, "quantity": 2}]
    body = {"items": items, "delivery_method": "pickup", "payment_method": FAKTUR}
    resident = create_user(username="b2b-api-warga", full_name="Integrator Warga", roles=[Role.INTEGRATOR])
    api = client_for(tenant_a, HTTP_AUTHORIZATION=f"Token {issue_token(resident).key}")
    refused = api.post(
        "/api/v1/marketplace/orders/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="b2b-1"
    )
    assert refused.status_code == 403, refused.content
    error = refused.json()["error"]
    assert error["code"] == "terms_not_allowed" and "pembeli usaha" in error["message"]
    assert not Order.objects.exists() and not Placement.objects.exists()

    grosir = create_user(
        username="b2b-api-grosir", full_name="Grosir Mojorejo", roles=[Role.INTEGRATOR, Role.PEMILIK_UMKM]
    )
    services.open_shop(grosir, name="Grosir Mojorejo", address="Jl. Mojorejo No. 40")
    api = client_for(tenant_a, HTTP_AUTHORIZATION=f"Token {issue_token(grosir).key}")
    made = api.post("/api/v1/marketplace/orders/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="b2b-2")
    assert made.status_code == 201, made.content
    assert [(o["status"], o["terms_days"]) for o in made.json()["orders"]] == [("on_terms", 30)]
    assert Shop.objects.filter(owner=grosir).exists()
