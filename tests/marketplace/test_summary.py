"""The denormalised price range and stock state on Product (price_min, price_max, in_stock)
follow every writer: catalogue edits, stock, orders placed and cancelled, imports."""

from __future__ import annotations

from typing import Any

from apps.marketplace import selectors, services
from apps.marketplace.models import Product, Variant
from apps.marketplace.services.listing import refresh_summaries
from tests.marketplace.conftest import Market, key


def summary(variant: Variant) -> tuple[int | None, int | None, bool]:
    product = Product.objects.get(pk=variant.product_id)
    return product.price_min, product.price_max, product.in_stock


def test_catalogue_writes_keep_the_summary(market: Market) -> None:
    assert summary(market.nasi) == (12_000, 12_000, True)
    services.update_variant(market.nasi, market.sri, price=13_000)
    assert summary(market.nasi) == (13_000, 13_000, True)
    big = services.add_variant(
        Product.objects.get(pk=market.nasi.product_id),
        market.sri,
        services.VariantSpec(sku="NASI-BESAR", price=20_000, stock=0),
    )
    assert summary(market.nasi) == (13_000, 20_000, True)
    services.set_stock(market.nasi, 0, actor=market.sri)
    assert summary(market.nasi) == (13_000, 20_000, False)
    services.set_stock(big, 2, actor=market.sri)
    assert summary(market.nasi) == (13_000, 20_000, True)
    services.update_variant(market.nasi, market.sri, is_active=False)
    assert summary(market.nasi) == (20_000, 20_000, True)
    services.update_variant(big, market.sri, is_active=False)
    assert summary(market.nasi) == (None, None, False)
    assert market.nasi.product_id not in {p.pk for p in selectors.catalogue()}  # nothing to sell


def test_orders_sell_out_and_cancelling_restocks(market: Market) -> None:
    services.set_stock(market.sambal, 2, actor=market.sri)
    result = services.place_orders(market.joko, [(market.sambal.pk, 2)], idempotency_key=key())
    assert summary(market.sambal) == (25_000, 25_000, False)
    card = next(p for p in selectors.catalogue() if p.pk == market.sambal.product_id)
    assert card.in_stock is False and card.price_min == 25_000
    services.transition(result.orders[0], "cancel", actor=market.joko)
    assert summary(market.sambal) == (25_000, 25_000, True)


def test_a_bulk_price_import_updates_the_summary(market: Market) -> None:
    batch = services.preview_import(
        market.pecel,
        market.sri,
        file_name="harga.csv",
        content=b"SKU,Produk,Harga,Stok\nPCL-KRP,Keripik tempe,16000,0\nPCL-NASI,Nasi pecel,11000,30\n",
        kind="products",
    )
    services.apply_import(batch, market.sri)
    assert summary(market.keripik) == (16_000, 16_000, False)
    assert summary(market.nasi) == (11_000, 11_000, True)


def test_refresh_repairs_a_write_that_bypassed_the_services(market: Market) -> None:
    Variant.objects.filter(pk=market.madumongso.pk).update(price=19_000)
    assert summary(market.madumongso) == (18_000, 18_000, True)  # the services were bypassed
    assert refresh_summaries([market.madumongso.product_id]) == 1
    assert summary(market.madumongso) == (19_000, 19_000, True)


def test_many_products_are_summarised_in_three_statements(market: Market, django_assert_num_queries: Any) -> None:
    """A bulk import refreshes thousands of products at once: the statements do not grow with
    them, and no statement runs a subquery per product (the planner, blind to an import's new
    rows, made those run for minutes)."""
    services.set_stock(market.sambal, 0, actor=market.sri)
    services.update_variant(market.keripik, market.sri, is_active=False)
    variants = [market.nasi, market.sambal, market.keripik, market.madumongso]
    ids = [v.product_id for v in variants]
    Product.objects.filter(pk__in=ids).update(price_min=1, price_max=1, in_stock=True)  # all wrong
    with django_assert_num_queries(3):
        assert refresh_summaries([*ids, 999_999_999]) == 4  # an id that is gone is skipped
    assert [summary(v) for v in variants] == [
        (12_000, 12_000, True),
        (25_000, 25_000, False),  # sold out
        (None, None, False),  # nothing on sale
        (18_000, 18_000, True),
    ]
