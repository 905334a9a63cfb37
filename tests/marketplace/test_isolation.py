"""Tenant isolation for every marketplace model: written in A, invisible and unreachable from B."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from apps.marketplace import services
from apps.marketplace.models import ImportBatch, Review
from apps.tenancy.models import Tenant
from tests.images import PNG
from tests.marketplace.conftest import Market, key, make_market, signed_in

pytestmark = pytest.mark.django_db

CSV = b"SKU,Produk,Harga,Stok\nKRP-2,Keripik tempe pedas,16000,4\n"


def _fill_every_table(market: Market) -> dict[str, object]:
    services.add_to_cart(market.andi, market.nasi.pk, 1)
    services.reserve_cart(market.andi)
    # Two products bought together: a co-purchase pair as well.
    lines = [(market.keripik.pk, 1), (market.sambal.pk, 1)]
    result = services.place_and_pay(market.joko, lines, idempotency_key=key(), payment_method="cod")
    order = result.orders[0]
    for action in ("accept", "pack", "ship", "deliver"):
        services.transition(order, action, actor=market.sri)
    services.transition(order, "complete", actor=market.joko)
    services.add_review(order, market.joko, rating=5, comment="Renyah")
    services.add_photo(market.nasi.product, market.sri, SimpleUploadedFile("n.png", PNG, "image/png"))
    services.preview_import(market.pecel, market.sri, file_name="p.csv", content=CSV, kind=ImportBatch.Kind.PRODUCTS)
    return {"order": order.public_id, "shop": market.pecel.slug, "product": market.keripik.product_id}


def test_every_marketplace_table_of_a_is_invisible_from_b(market: Market, tenant_a: Tenant, tenant_b: Tenant) -> None:
    _fill_every_table(market)
    models = list(apps.get_app_config("marketplace").get_models())
    assert len(models) >= 15
    with tenant_a:
        counts_a = {m.__name__: m.objects.count() for m in models}
    assert all(counts_a.values()), counts_a  # every model has rows in A
    with tenant_b:
        counts_b = {m.__name__: m.objects.count() for m in models}
    assert not any(counts_b.values()), counts_b
    with tenant_b, connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM marketplace_order")
        assert cursor.fetchone()[0] == 0


def test_pages_and_api_of_b_do_not_reach_a(market: Market, tenant_a: Tenant, tenant_b: Tenant) -> None:
    ids = _fill_every_table(market)
    with tenant_b:
        other = make_market(tenant_b, prefix="b-")
    client = signed_in(tenant_b, other.joko)
    assert client.get(f"/pasar/pesanan/{ids['order']}/").status_code == 404
    assert client.get(f"/pasar/toko/{ids['shop']}/").status_code == 404
    assert client.get(f"/api/v1/marketplace/orders/{ids['order']}/").status_code == 404
    listed = client.get("/api/v1/marketplace/products/").json()["results"]
    assert {p["shop"]["name"] for p in listed} <= {"b-Pecel Madiun Bu Sri", "b-Oleh-oleh Bu Yati"}
    assert "Renyah" not in client.get(f"/pasar/toko/{other.pecel.slug}/").content.decode()
    with tenant_b:
        assert not Review.objects.exists()
