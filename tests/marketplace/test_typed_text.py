"""Text people type into the market (addresses, notes, descriptions, reasons, categories) is
refused past its bound with a clear 4xx ("too_long"), never cut silently, and a refusal writes
nothing: no placement, order, stock allocation, category or changed row."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.messages import get_messages

from apps.accounts.api_tokens import issue_token
from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.core.errors import ValidationFailed
from apps.marketplace import lifecycle, services
from apps.marketplace.importing import parse_import
from apps.marketplace.models import Category, Order, Placement, Product, Shop, Stock
from apps.tenancy.models import Tenant
from tests.conftest import client_for
from tests.marketplace.conftest import Market, key, signed_in

pytestmark = pytest.mark.django_db

LONG_ADDRESS = "Jl. Mojorejo Gg. II No. 3, " + "x" * 229  # 256 characters: one past the column


def _nothing_placed() -> None:
    assert not Placement.objects.exists() and not Order.objects.exists()
    assert not Stock.objects.filter(quantity_allocated__gt=0).exists()


def _too_long(caught: pytest.ExceptionInfo[ValidationFailed], field: str, n: int) -> None:
    assert caught.value.code == "too_long" and caught.value.details["field"] == field
    assert str(caught.value.message) == f"Paling banyak {n} huruf."


@pytest.mark.parametrize(
    ("extra", "field", "n"),
    [
        ({"address": LONG_ADDRESS, "delivery": "own"}, "address", 255),
        ({"note": "tolong " * 37}, "note", 255),  # 258 once the trailing space is trimmed
        ({"voucher": "V" * 33}, "voucher", 32),
    ],
)
def test_checkout_refuses_long_text_before_writing_anything(
    market: Market, extra: dict[str, Any], field: str, n: int
) -> None:
    assert len(LONG_ADDRESS) == 256
    with pytest.raises(ValidationFailed) as caught:
        services.place_orders(market.joko, [(market.nasi.pk, 2)], idempotency_key=key(), **extra)
    _too_long(caught, field, n)
    _nothing_placed()


def test_an_address_of_exactly_255_is_kept_whole(market: Market) -> None:
    address = LONG_ADDRESS[:255]
    order = services.place_orders(
        market.joko, [(market.nasi.pk, 1)], idempotency_key=key(), delivery="own", address=address
    ).orders[0]
    order.refresh_from_db()
    assert order.delivery_address == address


def test_a_256_character_address_through_the_api_is_refused_and_nothing_written(
    market: Market, tenant_a: Tenant
) -> None:
    integrator = create_user(username="bumdes-api", roles=[Role.INTEGRATOR])
    client = client_for(tenant_a, HTTP_AUTHORIZATION=f"Token {issue_token(integrator).key}")
    body = {"items": [{"variant": market.nasi.pk, "quantity": 1}], "delivery_method": "own", "address": LONG_ADDRESS}
    response = client.post(
        "/api/v1/marketplace/orders/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-long"
    )
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "validation_failed" and "address" in error["details"]["fields"]
    _nothing_placed()


def test_a_256_character_address_on_the_checkout_page_is_refused_and_nothing_written(
    market: Market, tenant_a: Tenant
) -> None:
    buyer = signed_in(tenant_a, market.joko)
    buyer.post("/pasar/keranjang/tambah/", {"variant": market.nasi.pk, "quantity": 1})
    assert buyer.post("/pasar/checkout/").status_code == 302
    page = buyer.get("/pasar/checkout/").content.decode()
    form_key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', page)
    assert form_key is not None
    response = buyer.post(
        "/pasar/checkout/pesan/",
        {
            "idempotency_key": form_key.group(1),
            f"delivery_{market.pecel.pk}": "own",
            "payment_method": "cod",
            "address": LONG_ADDRESS,
        },
    )
    assert response.status_code == 422
    assert "255" in response.content.decode()  # the bound, next to the address field
    assert not Order.objects.exists()


def test_a_shop_description_too_long_is_refused_on_the_edit_page(market: Market, tenant_a: Tenant) -> None:
    owner = signed_in(tenant_a, market.sri)
    shop = market.pecel
    response = owner.post(
        f"/pasar/toko/{shop.slug}/ubah/",
        {
            "name": shop.name,
            "address": shop.address,
            "description": "Pecel pincuk khas Madiun. " * 80,  # 2079 after trimming
            "offers_pickup": "on",
            "own_delivery_fee": "0",
        },
    )
    assert response.status_code == 422
    assert "Paling banyak 2000 huruf." in response.content.decode()
    shop.refresh_from_db()
    assert shop.description == ""


def test_a_shop_description_too_long_is_refused_by_the_service(market: Market) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.open_shop(market.yati, name="Toko Kedua", address="Gg. V", description="d" * 2001)
    _too_long(caught, "description", 2000)
    assert not Shop.objects.filter(name="Toko Kedua").exists()
    kept = services.update_shop(market.pecel, market.sri, description="d" * 2000)
    assert len(kept.description) == 2000


def test_a_product_description_too_long_is_refused_on_the_new_product_page(market: Market, tenant_a: Tenant) -> None:
    owner = signed_in(tenant_a, market.sri)
    response = owner.post(
        f"/pasar/toko/{market.pecel.slug}/produk/baru/",
        {"name": "Kopi bubuk", "sku": "KOPI-1", "price": "25000", "stock": "3", "description": "k" * 5001},
    )
    assert response.status_code == 422
    assert "Paling banyak 5000 huruf." in response.content.decode()
    assert not Product.objects.filter(name="Kopi bubuk").exists()


def test_product_description_and_category_names_are_refused_past_their_bounds(market: Market) -> None:
    nasi = market.nasi.product
    with pytest.raises(ValidationFailed) as caught:
        services.update_product(nasi, market.sri, description="k" * 5001)
    _too_long(caught, "description", 5000)
    long_category = "Makanan khas Madiun yang dibuat dengan resep turun-temurun dari nenek moyang kami"
    assert len(long_category) == 81
    with pytest.raises(ValidationFailed) as caught:
        services.update_product(nasi, market.sri, name="Nasi pecel pincuk", categories=[long_category])
    _too_long(caught, "categories", 80)
    with pytest.raises(ValidationFailed) as caught:
        services.create_product(
            market.pecel,
            market.sri,
            name="Tempe",
            variants=[services.VariantSpec(sku="TMP", price=5000)],
            categories=["Lauk", long_category],
        )
    _too_long(caught, "categories", 80)
    nasi.refresh_from_db()
    assert nasi.name == "Nasi pecel" and nasi.description == ""
    assert not Category.objects.filter(name__startswith="Makanan khas").exists()
    assert not Category.objects.filter(name="Lauk").exists()
    assert not Product.objects.filter(name="Tempe").exists()


def test_an_import_row_with_a_long_variant_category_or_description_is_that_rows_error() -> None:
    content = (
        "SKU,Produk,Varian,Harga,Kategori,Deskripsi\n"
        f"A-1,Tempe,{'v' * 101},5000,,\n"
        f"A-2,Tempe,,5000,Lauk;{'k' * 81},\n"
        f"A-3,Tempe,,5000,,{'d' * 5001}\n"
        f"A-4,Tempe,{'v' * 100},5000,{'k' * 80},{'d' * 5000}\n"
        f"A-5,{'p' * 151},,5000,,\n"
    ).encode()
    parsed = parse_import("produk.csv", content, kind="products")
    assert [(e.line, e.code) for e in parsed.errors] == [
        (2, "variant_too_long"),
        (3, "category_too_long"),
        (4, "description_too_long"),
        (6, "product_too_long"),
    ]
    assert parsed.errors[0].message == "Nama varian paling panjang 100 karakter."
    assert parsed.errors[3].message == "Nama produk paling panjang 150 karakter."
    (row,) = parsed.rows
    assert len(row.variant) == 100 and row.categories == ["k" * 80] and len(row.description) == 5000


def test_an_order_note_past_255_is_refused_and_the_order_stays(market: Market, tenant_a: Tenant) -> None:
    order = services.place_orders(market.joko, [(market.nasi.pk, 1)], idempotency_key=key()).orders[0]
    buyer = signed_in(tenant_a, market.joko)
    response = buyer.post(f"/pasar/pesanan/{order.public_id}/aksi/", {"action": "cancel", "note": "n" * 256})
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Paling banyak 255 huruf."]
    order.refresh_from_db()
    assert order.status == lifecycle.Status.AWAITING_PAYMENT
    assert Stock.objects.get(variant=market.nasi).quantity_allocated == 1
    with pytest.raises(ValidationFailed) as caught:
        services.transition(order, "cancel", actor=market.joko, note="n" * 256)
    _too_long(caught, "note", 255)


def test_a_seller_reject_detail_past_150_is_refused(market: Market, tenant_a: Tenant) -> None:
    order = services.place_and_pay(market.joko, [(market.nasi.pk, 1)], idempotency_key=key(), payment_method="cod")
    placed = order.orders[0]
    sri = signed_in(tenant_a, market.sri)
    url = f"/pasar/toko/{market.pecel.slug}/pesanan/{placed.public_id}/aksi/"
    response = sri.post(url, {"action": "reject", "reason": "lain", "detail": "d" * 151})
    assert response.status_code == 302
    (message,) = [str(m) for m in get_messages(response.wsgi_request)]
    assert "Paling banyak 150 huruf." in message and placed.number in message
    placed.refresh_from_db()
    assert placed.status == lifecycle.Status.COD
    sri.post(url, {"action": "reject", "reason": "lain", "detail": "d" * 150})
    placed.refresh_from_db()
    assert placed.status == lifecycle.Status.CANCELLED
    assert placed.events.filter(action="cancel", note__contains="d" * 150).exists()


def test_a_handover_order_with_a_long_address_writes_nothing(market: Market) -> None:
    staff = create_user(username="petugas-ho", roles=[Role.ADMIN])
    common: dict[str, Any] = {
        "key": key(),
        "value": 50_000,
        "lat": Decimal("-7.6401"),
        "lng": Decimal("111.5372"),
        "actor": staff,
    }
    for address, note, field in ((LONG_ADDRESS, "", "address"), ("Gg. II", "n" * 256, "note")):
        with pytest.raises(ValidationFailed) as caught:
            services.place_handover_order(market.joko, market.pecel, address=address, note=note, **common)
        _too_long(caught, field, 255)
    _nothing_placed()


def test_unverifying_a_shop_with_a_long_reason_is_refused(market: Market) -> None:
    staff = create_user(username="petugas-vr", roles=[Role.ADMIN])
    shop = services.mark_verified(market.pecel, "NIB diperiksa", actor=staff)
    with pytest.raises(ValidationFailed) as caught:
        services.unmark_verified(shop, "r" * 256, actor=staff)
    _too_long(caught, "reason", 255)
    shop.refresh_from_db()
    assert shop.verified and shop.verified_reason == "NIB diperiksa"


def test_a_hub_location_with_a_long_address_is_refused(market: Market) -> None:
    staff = create_user(username="petugas-hb", roles=[Role.ADMIN])
    with pytest.raises(ValidationFailed) as caught:
        services.create_hub(code="hub-x", name="Hub X", address=LONG_ADDRESS, actor=staff)
    _too_long(caught, "address", 255)
