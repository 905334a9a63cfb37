"""The /pasar/ pages: browsing, selling, the cart-to-order flow with form resubmits, order
actions, reports, import/export."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from apps.marketplace import services
from apps.marketplace.lifecycle import Status
from apps.marketplace.models import ImportBatch, Order, Product, Review, Shop, Stock, Variant
from apps.rtrw.models import Residency, RukunTetangga, RukunWarga
from apps.tenancy.models import Tenant
from tests.conftest import client_for
from tests.images import PNG
from tests.marketplace.conftest import Market, key, signed_in
from tests.spreadsheets import xlsx_bytes

pytestmark = pytest.mark.django_db


def test_anyone_browses_and_searches_the_market(market: Market, tenant_a: Tenant) -> None:
    client = client_for(tenant_a)
    home = client.get("/pasar/")
    assert home.status_code == 200
    body = home.content.decode()
    assert "Pasar UMKM" in body and "Keripik tempe" in body and "Rp15.000" in body
    found = client.get("/pasar/", {"q": "kripik tempe"}, HTTP_HX_REQUEST="true")
    assert found.status_code == 200 and "Keripik tempe" in found.content.decode()
    assert "Madumongso" not in found.content.decode()
    shop = client.get(f"/pasar/toko/{market.pecel.slug}/")
    assert shop.status_code == 200 and "Sambal pecel 250 g" in shop.content.decode()
    product = client.get(f"/pasar/produk/{market.keripik.product_id}/")
    assert product.status_code == 200 and "Masuk untuk membeli" in product.content.decode()
    assert client.get("/pasar/produk/999999/").status_code == 404
    assert client.get("/pasar/keranjang/").status_code == 302  # sign in first


def test_an_owner_opens_a_shop_and_adds_a_product_through_the_forms(market: Market, tenant_a: Tenant) -> None:
    owner = signed_in(tenant_a, market.yati)
    bad = owner.post("/pasar/toko/baru/", {"name": "Toko Kedua", "address": "Gg. V", "offers_pickup": ""})
    assert bad.status_code == 422 and "paling sedikit satu cara pengiriman" in bad.content.decode()
    made = owner.post(
        "/pasar/toko/baru/",
        {
            "name": "Kopi Bu Yati",
            "address": "Gg. V",
            "lat": "-7.630000",
            "lng": "111.520000",
            "days": ["0", "1"],
            "opens": "07:00",
            "closes": "15:00",
            "offers_pickup": "on",
            "own_delivery_fee": "0",
        },
    )
    assert made.status_code == 302
    shop = Shop.objects.get(name="Kopi Bu Yati")
    assert shop.opening_hours == {"0": ["07:00", "15:00"], "1": ["07:00", "15:00"]}
    form = owner.get(f"/pasar/toko/{shop.slug}/produk/baru/")
    assert form.status_code == 200
    negative = owner.post(
        f"/pasar/toko/{shop.slug}/produk/baru/", {"name": "Kopi", "sku": "KOPI-1", "price": "-1", "stock": "3"}
    )
    assert negative.status_code == 422 and "Harga harus lebih dari nol" in negative.content.decode()
    assert not Product.objects.filter(shop=shop).exists()
    png = SimpleUploadedFile("kopi.png", PNG, content_type="image/png")
    added = owner.post(
        f"/pasar/toko/{shop.slug}/produk/baru/",
        {
            "name": "Kopi bubuk",
            "sku": "KOPI-1",
            "price": "25.000",
            "stock": "12",
            "categories": "Minuman",
            "photo": png,
        },
    )
    assert added.status_code == 302
    variant = Variant.objects.get(shop=shop, sku="KOPI-1")
    assert variant.price == 25_000 and Stock.objects.get(variant=variant).quantity == 12
    assert variant.product.photos.count() == 1
    # someone else cannot touch her shop
    assert signed_in(tenant_a, market.sri).get(f"/pasar/toko/{shop.slug}/produk/baru/").status_code == 404
    edit = owner.post(
        f"/pasar/produk/{variant.product_id}/ubah/",
        {"form": "stock", "variant": variant.pk, "price": "27000", "stock": "20", "is_active": "on"},
    )
    assert edit.status_code == 302
    variant.refresh_from_db()
    assert variant.price == 27_000 and Stock.objects.get(variant=variant).quantity == 20


def _checkout(client: Client) -> tuple[str, dict[str, Any]]:
    reserve = client.post("/pasar/checkout/")
    assert reserve.status_code == 302 and reserve["Location"] == "/pasar/checkout/"
    page = client.get("/pasar/checkout/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Stok untuk Anda ditahan sampai pukul" in html
    form_key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', html)
    assert form_key is not None
    return html, {"idempotency_key": form_key.group(1)}


def test_cart_to_orders_and_a_resubmitted_form_makes_them_once(market: Market, tenant_a: Tenant) -> None:
    buyer = signed_in(tenant_a, market.joko)
    assert buyer.post("/pasar/keranjang/tambah/", {"variant": market.nasi.pk, "quantity": 2}).status_code == 302
    buyer.post("/pasar/keranjang/tambah/", {"variant": market.madumongso.pk, "quantity": 1})
    negative = buyer.post("/pasar/keranjang/tambah/", {"variant": market.keripik.pk, "quantity": -1}, follow=True)
    assert "Jumlah harus lebih dari nol" in negative.content.decode()
    cart = buyer.get("/pasar/keranjang/").content.decode()
    assert "menjadi 2 pesanan" in cart
    _html, fields = _checkout(buyer)
    data = {
        **fields,
        f"delivery_{market.pecel.pk}": "pickup",
        f"delivery_{market.oleh.pk}": "pickup",
        "payment_method": "cod",
        "address": "",
    }
    first = buyer.post("/pasar/checkout/pesan/", data)
    assert first.status_code == 302 and first["Location"] == "/pasar/pesanan/"
    again = buyer.post("/pasar/checkout/pesan/", data)  # the same form, sent twice
    assert again.status_code == 302
    orders = Order.objects.filter(buyer=market.joko)
    assert orders.count() == 2 and {o.status for o in orders} == {Status.COD}
    assert Stock.objects.get(variant=market.nasi).quantity_allocated == 2
    listing = buyer.get("/pasar/pesanan/").content.decode()
    assert all(o.number in listing for o in orders)


def test_the_owner_works_through_the_order_page(market: Market, tenant_a: Tenant) -> None:
    order = services.place_and_pay(
        market.joko, [(market.keripik.pk, 1)], idempotency_key=key(), payment_method="cod"
    ).orders[0]
    owner = signed_in(tenant_a, market.sri)
    page = owner.get(f"/pasar/pesanan/{order.public_id}/").content.decode()
    assert 'data-testid="action-accept"' in page and 'data-testid="action-complete"' not in page
    out_of_order = owner.post(f"/pasar/pesanan/{order.public_id}/aksi/", {"action": "ship"}, follow=True)
    assert "tidak bisa" in out_of_order.content.decode()
    for action in ("accept", "pack", "ship", "deliver"):
        assert owner.post(f"/pasar/pesanan/{order.public_id}/aksi/", {"action": action}).status_code == 302
    buyer = signed_in(tenant_a, market.joko)
    buyer.post(f"/pasar/pesanan/{order.public_id}/aksi/", {"action": "complete"})
    order.refresh_from_db()
    assert order.status == Status.COMPLETED
    too_long = buyer.post(
        f"/pasar/pesanan/{order.public_id}/ulasan/",
        {"rating": 5, "comment": "x" * (Review.COMMENT_MAX + 1)},
        follow=True,
    )
    assert too_long.status_code == 200 and str(Review.COMMENT_MAX) in too_long.content.decode()
    assert not Review.objects.filter(order=order).exists()
    review = buyer.post(f"/pasar/pesanan/{order.public_id}/ulasan/", {"rating": 5, "comment": "Mantap"})
    assert review.status_code == 302
    assert "Mantap" in client_for(tenant_a).get(f"/pasar/toko/{market.pecel.slug}/").content.decode()
    stranger = signed_in(tenant_a, market.andi)
    assert stranger.get(f"/pasar/pesanan/{order.public_id}/").status_code == 404
    # payout report: page and CSV
    report = owner.get(f"/pasar/toko/{market.pecel.slug}/pencairan/")
    assert report.status_code == 200 and order.number in report.content.decode()
    csv_response = owner.get(f"/pasar/toko/{market.pecel.slug}/pencairan/", {"format": "csv"})
    rows = list(csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig"))))
    assert rows[1][0] == order.number and rows[1][3] == "COD"
    assert [int(x) for x in rows[1][4:]] == [15_000, 0, 15_000, 1_500, 0, 13_500]
    assert rows[-1][0] == "Jumlah"


def test_buyer_pays_an_awaiting_order_with_qris_on_its_page(market: Market, tenant_a: Tenant) -> None:
    order = services.place_orders(market.joko, [(market.keripik.pk, 1)], idempotency_key=key()).orders[0]
    buyer = signed_in(tenant_a, market.joko)
    page = buyer.get(f"/pasar/pesanan/{order.public_id}/").content.decode()
    form_key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', page)
    assert form_key is not None
    buyer.post(f"/pasar/pesanan/{order.public_id}/bayar/", {"method": "qris", "idempotency_key": form_key.group(1)})
    page = buyer.get(f"/pasar/pesanan/{order.public_id}/").content.decode()
    assert 'data-testid="order-qris"' in page and "<svg" in page


def test_import_previews_with_row_errors_and_writes_only_on_confirm(market: Market, tenant_a: Tenant) -> None:
    owner = signed_in(tenant_a, market.sri)
    content = xlsx_bytes(
        [
            ["SKU", "Produk", "Varian", "Harga", "Stok", "Kategori"],
            ["PCL-KRP", "Keripik tempe", "", "16.000", 14, "Camilan"],  # update price and stock
            ["RMP-1", "Rempeyek kacang", "", 12000, 8, "Camilan"],  # new product
            ["RMP-2", "Rempeyek kacang", "Toples besar", 20000, 3, ""],  # new variant of the new product
            ["BAD-1", "Produk rusak", "", -5, 1, ""],  # negative price
            ["BAD 2", "Spasi di SKU", "", 1000, 1, ""],  # invalid SKU
            ["RMP-1", "Rempeyek dobel", "", 1000, 1, ""],  # duplicate SKU in the file
        ]
    )
    upload = SimpleUploadedFile("produk.xlsx", content)
    response = owner.post(f"/pasar/toko/{market.pecel.slug}/impor/", {"kind": "products", "file": upload})
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert batch.summary == {"create": 2, "update": 1, "errors": 3}
    assert [e["line"] for e in batch.errors] == [5, 6, 7]
    preview = owner.get(response["Location"]).content.decode()
    assert "Harga harus bilangan bulat rupiah lebih dari nol" in preview and "sudah ada di baris 3" in preview
    # nothing written yet
    assert not Variant.objects.filter(sku__startswith="RMP").exists()
    assert Variant.objects.get(pk=market.keripik.pk).price == 15_000
    owner.post(response["Location"], {"confirm": "1"})
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED
    assert Variant.objects.get(pk=market.keripik.pk).price == 16_000
    assert Stock.objects.get(variant=market.keripik).quantity == 14
    rempeyek = Product.objects.get(shop=market.pecel, name="Rempeyek kacang")
    assert sorted(rempeyek.variants.values_list("sku", flat=True)) == ["RMP-1", "RMP-2"]
    assert owner.post(response["Location"], {"confirm": "1"}).status_code == 409  # applied once


def test_stock_import_from_csv_and_discard(market: Market, tenant_a: Tenant) -> None:
    owner = signed_in(tenant_a, market.sri)
    content = b"SKU;Stok\nPCL-NASI;50\nPCL-SMB;-1\nNOPE;3\n"
    response = owner.post(
        f"/pasar/toko/{market.pecel.slug}/impor/", {"kind": "stock", "file": SimpleUploadedFile("stok.csv", content)}
    )
    batch = ImportBatch.objects.get()
    assert [e["code"] for e in batch.errors] == ["invalid_stock", "unknown_sku"]
    owner.post(response["Location"], {"discard": "1"})
    assert Stock.objects.get(variant=market.nasi).quantity == 30
    response = owner.post(
        f"/pasar/toko/{market.pecel.slug}/impor/",
        {"kind": "stock", "file": SimpleUploadedFile("stok.csv", b"SKU,Stok\nPCL-NASI,50\n")},
    )
    owner.post(response["Location"], {"confirm": "1"})
    assert Stock.objects.get(variant=market.nasi).quantity == 50
    broken = owner.post(
        f"/pasar/toko/{market.pecel.slug}/impor/", {"kind": "stock", "file": SimpleUploadedFile("x.xlsx", b"not a zip")}
    )
    assert broken.status_code == 422 and "xlsx" in broken.content.decode()


def test_export_round_trips_through_import(market: Market, tenant_a: Tenant) -> None:
    owner = signed_in(tenant_a, market.sri)
    exported = owner.get(f"/pasar/toko/{market.pecel.slug}/ekspor/produk.xlsx")
    assert exported.status_code == 200
    sheet = load_workbook(io.BytesIO(exported.content)).active
    assert sheet is not None
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["SKU", "Produk", "Varian", "Harga", "Stok", "Kategori", "Deskripsi", "Aktif"]
    assert ["PCL-KRP", "Keripik tempe", None, 15000, 10, "Camilan", None, "ya"] in rows
    back = owner.post(
        f"/pasar/toko/{market.pecel.slug}/impor/",
        {"kind": "products", "file": SimpleUploadedFile("produk.xlsx", exported.content)},
    )
    assert back.status_code == 302
    assert ImportBatch.objects.get().summary == {"create": 0, "update": 3, "errors": 0}
    stock_csv = owner.get(f"/pasar/toko/{market.pecel.slug}/ekspor/stok.csv").content.decode("utf-8-sig")
    assert "SKU,Produk,Lokasi,Stok,Dipesan" in stock_csv.splitlines()[0]
    assert signed_in(tenant_a, market.joko).get(f"/pasar/toko/{market.pecel.slug}/ekspor/produk.csv").status_code == 404


def test_shops_of_the_buyers_rt_rw_come_first(market: Market, tenant_a: Tenant) -> None:
    rw = RukunWarga.objects.create(number=7)
    rt1 = RukunTetangga.objects.create(rw=rw, number=1)
    rt2 = RukunTetangga.objects.create(rw=rw, number=2)
    Residency.objects.create(user=market.joko, rt=rt1)
    Residency.objects.create(user=market.yati, rt=rt1)
    Residency.objects.create(user=market.sri, rt=rt2)
    from apps.marketplace import selectors

    assert [s.name for s in selectors.shops_near(market.joko)] == ["Oleh-oleh Bu Yati", "Pecel Madiun Bu Sri"]
    page = signed_in(tenant_a, market.joko).get("/pasar/").content.decode()
    assert "Dari RT/RW Anda" in page
    assert selectors.shops_near(market.andi) == []  # no residency known
