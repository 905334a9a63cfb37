"""Prices and stock as sellers type them (forms, API, spreadsheet import): a price is read as
rupiah ("Rp25.000", "25.000,00", a 25000.0 cell), stock as a whole count; "1.5", "1 5", "Rp5"
stock and "1.500,50" are refused, never guessed."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.core.errors import DomainError, ValidationFailed
from apps.marketplace import services
from apps.marketplace.importing import _row
from apps.marketplace.models import ImportBatch, Product, Stock, Variant
from apps.tenancy.models import Tenant
from tests.marketplace.conftest import Market, signed_in

pytestmark = pytest.mark.django_db


def test_the_product_form_reads_rupiah_and_whole_stock(market: Market, tenant_a: Tenant) -> None:
    owner = signed_in(tenant_a, market.sri)
    url = f"/pasar/toko/{market.pecel.slug}/produk/baru/"
    spaced = owner.post(url, {"name": "Kopi", "sku": "KOPI-1", "price": "25000", "stock": "1 5"})
    assert spaced.status_code == 422  # was 15 in stock
    halved = owner.post(url, {"name": "Kopi", "sku": "KOPI-1", "price": "25000", "stock": "1.5"})
    assert halved.status_code == 422
    assert not Product.objects.filter(name="Kopi").exists()
    added = owner.post(url, {"name": "Kopi", "sku": "KOPI-1", "price": "Rp25.000", "stock": "12"})
    assert added.status_code == 302  # was refused
    variant = Variant.objects.get(shop=market.pecel, sku="KOPI-1")
    assert variant.price == 25_000 and Stock.objects.get(variant=variant).quantity == 12


def test_a_stock_file_with_money_in_the_stock_column_is_refused(market: Market, tenant_a: Tenant) -> None:
    owner = signed_in(tenant_a, market.sri)
    content = b"SKU;Stok\nPCL-NASI;Rp5\nPCL-SMB;1 5\n"
    owner.post(
        f"/pasar/toko/{market.pecel.slug}/impor/", {"kind": "stock", "file": SimpleUploadedFile("stok.csv", content)}
    )
    batch = ImportBatch.objects.get()
    assert [e["code"] for e in batch.errors] == ["invalid_stock", "invalid_stock"]  # were 5 and 15


@pytest.mark.parametrize(
    ("price", "stock", "expected"),
    [
        (25_000.0, 12.0, (25_000, 12)),  # numeric spreadsheet cells
        (25_000, 12, (25_000, 12)),
        ("25.000", "1.000", (25_000, 1_000)),
        ("Rp25.000", "12", (25_000, 12)),
        ("Rp 25.000,-", "", (25_000, None)),
        ("25.000,00", "0", (25_000, 0)),
    ],
)
def test_import_cells_are_read(price: Any, stock: Any, expected: tuple[int, int | None]) -> None:
    row = _row("products", 2, {"sku": "KOPI-1", "product": "Kopi", "price": price, "stock": stock})
    assert (row.price, row.stock) == expected


@pytest.mark.parametrize(
    ("price", "stock", "code"),
    [
        ("1.500,50", "1", "invalid_price"),
        (25_000.5, "1", "invalid_price"),
        ("2rp5", "1", "invalid_price"),  # was Rp25
        ("25 000", "1", "invalid_price"),
        ("0", "1", "invalid_price"),
        (25_000, "1.5", "invalid_stock"),
        (25_000, "Rp5", "invalid_stock"),  # was 5
        (25_000, "12,00", "invalid_stock"),  # a count has no cents
        (25_000, 2.5, "invalid_stock"),
        (25_000, "-1", "invalid_stock"),
    ],
)
def test_misread_import_cells_are_refused(price: Any, stock: Any, code: str) -> None:
    with pytest.raises(DomainError) as caught:
        _row("products", 2, {"sku": "KOPI-1", "product": "Kopi", "price": price, "stock": stock})
    assert caught.value.code == code


@pytest.mark.parametrize(
    ("value", "expected"), [("Rp25.000", 25_000), ("25.000,00", 25_000), (25_000.0, 25_000), ("25000", 25_000)]
)
def test_prices_are_read_as_rupiah(value: Any, expected: int) -> None:
    assert services.clean_price(value) == expected


@pytest.mark.parametrize(("value", "expected"), [("3", 3), ("1.000", 1_000), (3.0, 3), (3, 3)])
def test_quantities_are_read_as_whole_counts(value: Any, expected: int) -> None:
    assert services.clean_quantity(value) == expected


@pytest.mark.parametrize("value", ["1.5", "1 5", "Rp3", "3,00", 2.5, True])
def test_misread_quantities_are_refused(value: Any) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.clean_quantity(value)
    assert caught.value.code == "invalid_quantity"


def test_the_shop_delivery_fee_is_read_as_rupiah(market: Market) -> None:
    shop = services.update_shop(market.pecel, market.sri, own_delivery_fee="Rp5.000")  # was refused
    assert shop.own_delivery_fee == 5_000
    with pytest.raises(ValidationFailed) as caught:
        services.update_shop(market.pecel, market.sri, own_delivery_fee="5.000,50")
    assert caught.value.code == "invalid_fee"
