"""Query budgets of the seller's and staff's marketplace reports (payout, revenue, exports,
import preview) and of one order's page and API: the same count at n and 10n items, ≤ 12."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from django.utils import timezone

from apps.accounts.models import User
from apps.marketplace import lifecycle, services
from apps.marketplace.models import ImportBatch, Order, OrderLine, Review, Variant
from apps.tenancy.models import Tenant
from tests.budgets import assert_list_budget
from tests.marketplace.conftest import Market, key, signed_in
from tests.marketplace.test_list_budgets import Stocked, new_products, stocked, with_token

pytestmark = pytest.mark.django_db

__all__ = ["stocked"]  # the fixture, imported for these tests

API = "/api/v1/marketplace"


def _completed(market: Market, stocked: Stocked) -> Callable[[int], None]:
    """Checkouts in both shops, cash on delivery, completed today (the lifecycle is tested elsewhere)."""

    def grow(count: int) -> None:
        for _ in range(count):
            result = services.place_and_pay(
                market.joko,
                [(stocked.tempe.pk, 1), (stocked.jenang.pk, 1)],
                idempotency_key=key(),
                payment_method="cod",
            )
            Order.objects.filter(pk__in=[o.pk for o in result.orders]).update(
                status=lifecycle.Status.COMPLETED, completed_at=timezone.now()
            )

    return grow


@pytest.mark.parametrize("fmt", ["", "?format=csv"])
def test_payout_report(market: Market, stocked: Stocked, tenant_a: Tenant, fmt: str) -> None:
    sri = signed_in(tenant_a, market.sri)
    url = f"/pasar/toko/{market.pecel.slug}/pencairan/{fmt}"
    assert_list_budget(lambda: sri.get(url), _completed(market, stocked))
    if not fmt:
        assert len(sri.get(url).context["report"].rows) == 30


def test_revenue_page(market: Market, stocked: Stocked, tenant_a: Tenant) -> None:
    admin = signed_in(tenant_a, User.objects.get(username="admin"))
    assert_list_budget(lambda: admin.get("/pasar/pendapatan/"), _completed(market, stocked))
    assert len(admin.get("/pasar/pendapatan/").context["data"]["rows"]) == 2


def test_revenue_page_per_shop(market: Market, tenant_a: Tenant) -> None:
    """One row per shop: more shops with sales add no query."""
    serial = itertools.count(1)

    def grow(count: int) -> None:
        for _ in range(count):
            n = next(serial)
            shop = services.open_shop(market.yati, name=f"Cabang {n}", address="Jl. Mawar 2")
            variant = services.create_product(
                shop,
                market.yati,
                name=f"Jenang {n}",
                variants=[services.VariantSpec(sku=f"J-{n}", price=5_000, stock=5)],
            ).variants.get()
            result = services.place_and_pay(market.joko, [(variant.pk, 1)], idempotency_key=key(), payment_method="cod")
            Order.objects.filter(pk__in=[o.pk for o in result.orders]).update(
                status=lifecycle.Status.COMPLETED, completed_at=timezone.now()
            )

    admin = signed_in(tenant_a, User.objects.get(username="admin"))
    assert_list_budget(lambda: admin.get("/pasar/pendapatan/"), grow)
    assert len(admin.get("/pasar/pendapatan/").context["data"]["rows"]) == 30


@pytest.mark.parametrize("what", ["produk.csv", "stok.csv", "produk.xlsx"])
def test_exports(market: Market, tenant_a: Tenant, what: str) -> None:
    sri = signed_in(tenant_a, market.sri)
    url = f"/pasar/toko/{market.pecel.slug}/ekspor/{what}"
    assert_list_budget(lambda: sri.get(url), lambda k: new_products(market, k, "Ekspor"))
    if what.endswith(".csv"):
        assert sri.get(url).content.decode().count("\n") > 60


def test_import_preview(market: Market, tenant_a: Tenant) -> None:
    """A preview of n rows costs what one of 10n rows does (each grow uploads a bigger file)."""
    rows: list[str] = []
    latest: list[ImportBatch] = []

    def grow(count: int) -> None:
        for _ in range(count):
            n = len(rows) + 1
            rows.append(f"IMP-{n};Impor {n};;{1_000 + n};{n};Kategori {n % 3}")
            if n % 4 == 0:
                rows.append(f"IMP {n};Salah;;-1;1;")  # an error row too
        content = ("SKU;Produk;Varian;Harga;Stok;Kategori\n" + "\n".join(rows) + "\n").encode()
        latest[:] = [
            services.preview_import(market.pecel, market.sri, file_name="produk.csv", content=content, kind="products")
        ]

    sri = signed_in(tenant_a, market.sri)
    assert_list_budget(lambda: sri.get(f"/pasar/toko/{market.pecel.slug}/impor/{latest[0].uuid}/"), grow)
    latest[0].refresh_from_db()
    assert latest[0].summary["create"] == 30 and latest[0].summary["errors"] > 0


def _big_order(market: Market) -> tuple[Callable[[int], None], list[Order]]:
    """Each grow places one completed order with every product made so far (n, then 10n
    lines), each line reviewed; the test reads the latest order."""
    variants: list[Variant] = []
    latest: list[Order] = []

    def grow(count: int) -> None:
        variants.extend(new_products(market, count, "Paket"))
        result = services.place_and_pay(
            market.joko, [(v.pk, 1) for v in variants], idempotency_key=key(), payment_method="cod"
        )
        order = result.orders[0]
        Order.objects.filter(pk=order.pk).update(status=lifecycle.Status.COMPLETED, completed_at=timezone.now())
        for line in OrderLine.objects.filter(order=order)[: len(variants) // 2]:
            Review.objects.create(
                order=order, line=line, shop=market.pecel, product=line.product, buyer=market.joko, rating=5
            )
        latest[:] = [order]

    return grow, latest


@pytest.mark.parametrize("who", ["joko", "sri"])
def test_order_page(market: Market, tenant_a: Tenant, who: str) -> None:
    grow, latest = _big_order(market)
    client = signed_in(tenant_a, getattr(market, who))
    assert_list_budget(lambda: client.get(f"/pasar/pesanan/{latest[0].public_id}/"), grow)
    page = client.get(f"/pasar/pesanan/{latest[0].public_id}/")
    assert page.context["order"].lines.count() == 30


def test_order_api(market: Market, tenant_a: Tenant) -> None:
    grow, latest = _big_order(market)
    api = with_token(tenant_a, market.joko)
    assert_list_budget(lambda: api.get(f"{API}/orders/{latest[0].public_id}/"), grow)
    assert len(api.get(f"{API}/orders/{latest[0].public_id}/").json()["lines"]) == 30
