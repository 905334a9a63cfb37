"""Query budgets of the marketplace's lists and of the kota-wide search (tests/budgets.py): the
same number of queries at n and at 10n items, within the shared budget of 12; and the product
page's fixed cost, the same whatever the number of other products, reviews and co-purchases."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.accounts.api_tokens import issue_token
from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.discovery import services as discovery
from apps.marketplace import services
from apps.marketplace.models import Order, OrderLine, Review, Variant
from apps.rtrw.models import Residency, RukunTetangga, RukunWarga
from apps.tenancy.models import Tenant
from tests.budgets import assert_list_budget
from tests.conftest import TenantSet, client_for
from tests.marketplace.conftest import Market, key, product, signed_in

pytestmark = pytest.mark.django_db

# Pages, not lists: fixed costs whatever the number of rows, counted with the cache bypassed
# (tests/budgets.py). The product page: product, photos, categories, variants, availability,
# rating, verified badge, and its cached extras (together + photos + their badges, reviews).
PRODUCT_PAGE_BUDGET = 16
# /pasar/ signed in: three cached sections (grid, shop list, "near you"), each with its rows,
# photos and verified badges, plus the buyer's cart and shop invitation. Warm, it is WARM_PASAR.
PASAR_SIGNED_IN_BUDGET = 15
WARM_PASAR = 8
API = "/api/v1/marketplace"

_serial = itertools.count(1)


@dataclass
class Stocked:
    """Two variants in two shops with stock for every order a test places."""

    tempe: Variant  # Bu Sri's shop
    jenang: Variant  # Bu Yati's shop


@pytest.fixture
def stocked(market: Market) -> Stocked:
    return Stocked(
        tempe=product(market.pecel, market.sri, "Tempe mendoan", "PCL-TMP", 8_000, 1_000),
        jenang=product(market.oleh, market.yati, "Jenang Madiun", "YT-JNG", 20_000, 1_000),
    )


def add_products(market: Market, count: int, name: str = "Tempe") -> None:
    new_products(market, count, name)


def new_products(market: Market, count: int, name: str) -> list[Variant]:
    """`count` products in Bu Sri's shop, each with a variant in stock and one sold out; the
    variants in stock."""
    made = []
    for _ in range(count):
        n = next(_serial)
        created = services.create_product(
            market.pecel,
            market.sri,
            name=f"{name} {n}",
            categories=[f"Kategori {n % 3}"],
            variants=[
                services.VariantSpec(sku=f"B-{n}", price=1_000 + n, stock=5),
                services.VariantSpec(sku=f"BB-{n}", price=2_000 + n, stock=0),
            ],
        )
        made.append(created.variants.get(sku=f"B-{n}"))
    return made


def add_orders(buyer: User, stocked: Stocked, count: int) -> None:
    """`count` checkouts, each one order in both shops."""
    for _ in range(count):
        services.place_orders(buyer, [(stocked.tempe.pk, 1), (stocked.jenang.pk, 1)], idempotency_key=key())


def with_token(tenant: Tenant, user: User) -> Client:
    return client_for(tenant, HTTP_AUTHORIZATION=f"Token {issue_token(user).key}")


def neighbours(market: Market) -> None:
    """Joko (buyer) and both sellers live in the same RT: /pasar/ shows "dari RT/RW Anda"."""
    rw = RukunWarga.objects.create(number=7)
    rt = RukunTetangga.objects.create(rw=rw, number=1)
    for user in (market.joko, market.yati, market.sri):
        Residency.objects.create(user=user, rt=rt)


# --- browsing -----------------------------------------------------------------------------


def test_home_anonymous(market: Market, tenant_a: Tenant) -> None:
    anon = client_for(tenant_a)
    assert_list_budget(fetch=lambda: anon.get("/pasar/"), grow=lambda k: add_products(market, k))


def test_home_signed_in_warga(market: Market, tenant_a: Tenant) -> None:
    neighbours(market)
    joko = signed_in(tenant_a, market.joko)
    assert_list_budget(
        fetch=lambda: joko.get("/pasar/"), grow=lambda k: add_products(market, k), budget=PASAR_SIGNED_IN_BUDGET
    )
    html = joko.get("/pasar/").content.decode()
    assert 'data-testid="near-you"' in html and html.count('data-testid="product-card"') > 8
    with CaptureQueriesContext(connection) as warm:  # the sections now come from the cache
        joko.get("/pasar/")
    assert len(warm.captured_queries) <= WARM_PASAR, [q["sql"] for q in warm.captured_queries]


def test_home_invites_only_sellers_without_a_shop(market: Market, tenant_a: Tenant) -> None:
    """The "open your shop" link (read in the same query as the role since the budget work)."""
    new_seller = create_user(username="rini", full_name="Rini", roles=[Role.PEMILIK_UMKM])
    invited = {
        name: "Buka toko Anda" in signed_in(tenant_a, user).get("/pasar/").content.decode()
        for name, user in [("rini", new_seller), ("sri", market.sri), ("joko", market.joko)]
    }
    assert invited == {"rini": True, "sri": False, "joko": False}
    assert "Buka toko Anda" not in client_for(tenant_a).get("/pasar/").content.decode()


def test_search(market: Market, tenant_a: Tenant) -> None:
    joko = signed_in(tenant_a, market.joko)
    assert_list_budget(fetch=lambda: joko.get("/pasar/?q=tempe"), grow=lambda k: add_products(market, k))
    assert joko.get("/pasar/?q=tempe").content.decode().count('data-testid="product-card"') >= 30


def test_search_htmx_results(market: Market, tenant_a: Tenant) -> None:
    joko = signed_in(tenant_a, market.joko)
    assert_list_budget(
        fetch=lambda: joko.get("/pasar/?q=tempe", HTTP_HX_REQUEST="true"), grow=lambda k: add_products(market, k)
    )


def test_shop_page_products(market: Market, tenant_a: Tenant) -> None:
    anon = client_for(tenant_a)
    url = f"/pasar/toko/{market.pecel.slug}/"
    assert_list_budget(fetch=lambda: anon.get(url), grow=lambda k: add_products(market, k))
    assert anon.get(url).content.decode().count('data-testid="product-card"') >= 33


def test_shop_page_reviews(market: Market, stocked: Stocked, tenant_a: Tenant) -> None:
    anon = client_for(tenant_a)

    def grow(count: int) -> None:
        add_orders(market.joko, stocked, count)
        # Reviews are shown, not written, here: rows straight in keep the test about reading.
        for order in Order.objects.filter(shop=market.pecel, reviews__isnull=True):
            Review.objects.create(order=order, shop=market.pecel, buyer=market.joko, rating=4, comment="Enak")

    url = f"/pasar/toko/{market.pecel.slug}/"
    assert_list_budget(fetch=lambda: anon.get(url), grow=grow)
    assert anon.get(url).content.decode().count("<article><strong>") == 10  # the ten newest reviews


def test_product_page_has_a_fixed_cost(market: Market, stocked: Stocked, tenant_a: Tenant) -> None:
    """Other products, reviews of this one and products bought with it do not add queries."""
    others = itertools.count(1)

    def grow(count: int) -> None:
        add_products(market, count, name="Lain")
        for _ in range(count):
            n = next(others)
            partner = product(market.oleh, market.yati, f"Bersama {n}", f"YT-B{n}", 3_000, 5)
            result = services.place_and_pay(
                market.andi,
                [(stocked.tempe.pk, 1), (partner.pk, 1)],
                idempotency_key=key(),
                payment_method="cod",
            )
            order = next(o for o in result.orders if o.shop_id == market.pecel.pk)
            line = OrderLine.objects.get(order=order)
            Review.objects.create(
                order=order, line=line, shop=market.pecel, product=line.product, buyer=market.andi, rating=5
            )

    joko = signed_in(tenant_a, market.joko)
    url = f"/pasar/produk/{stocked.tempe.product_id}/"
    assert_list_budget(fetch=lambda: joko.get(url), grow=grow, budget=PRODUCT_PAGE_BUDGET)
    page = joko.get(url)
    html = page.content.decode()
    assert 'data-testid="bought-together"' in html and html.count('data-testid="product-card"') == 6
    assert html.count("<article><strong>") == 10  # the ten newest reviews
    assert page.context["rating"]["count"] == 30


# --- API ----------------------------------------------------------------------------------


def test_product_api(market: Market, tenant_a: Tenant) -> None:
    api = with_token(tenant_a, market.joko)
    assert_list_budget(fetch=lambda: api.get(f"{API}/products/"), grow=lambda k: add_products(market, k))
    assert api.get(f"{API}/products/").json()["count"] == 34


def test_product_api_search(market: Market, tenant_a: Tenant) -> None:
    api = with_token(tenant_a, market.joko)
    assert_list_budget(fetch=lambda: api.get(f"{API}/products/?q=tempe"), grow=lambda k: add_products(market, k))
    assert_list_budget(
        fetch=lambda: api.get(f"{API}/products/?shop={market.pecel.slug}"),
        grow=lambda k: add_products(market, k),
    )


def test_shop_api(market: Market, tenant_a: Tenant) -> None:
    api = with_token(tenant_a, market.joko)
    serial = itertools.count(1)

    def grow(count: int) -> None:
        for _ in range(count):
            services.open_shop(market.yati, name=f"Warung {next(serial)}", address="Jl. Mawar 1")

    assert_list_budget(fetch=lambda: api.get(f"{API}/shops/"), grow=grow)
    assert api.get(f"{API}/shops/").json()["count"] == 32


# --- orders -------------------------------------------------------------------------------


def test_buyer_orders_page(market: Market, stocked: Stocked, tenant_a: Tenant) -> None:
    joko = signed_in(tenant_a, market.joko)
    assert_list_budget(fetch=lambda: joko.get("/pasar/pesanan/"), grow=lambda k: add_orders(market.joko, stocked, k))
    assert len(joko.get("/pasar/pesanan/").context["orders"]) == 60


def test_buyer_orders_api(market: Market, stocked: Stocked, tenant_a: Tenant) -> None:
    api = with_token(tenant_a, market.joko)
    assert_list_budget(fetch=lambda: api.get(f"{API}/orders/"), grow=lambda k: add_orders(market.joko, stocked, k))
    assert api.get(f"{API}/orders/").json()["count"] == 60


def test_seller_orders_page(market: Market, stocked: Stocked, tenant_a: Tenant) -> None:
    sri = signed_in(tenant_a, market.sri)
    # Placed, not paid yet: the seller's home lists them under "belum dibayar" (its tabs: test_seller_home).
    url = f"/pasar/toko/{market.pecel.slug}/pesanan/?tab=belum-bayar"
    assert_list_budget(fetch=lambda: sri.get(url), grow=lambda k: add_orders(market.joko, stocked, k))
    assert len(sri.get(url).context["rows"]) == 30


def test_seller_orders_api(market: Market, stocked: Stocked, tenant_a: Tenant) -> None:
    api = with_token(tenant_a, market.sri)
    assert_list_budget(fetch=lambda: api.get(f"{API}/orders/"), grow=lambda k: add_orders(market.joko, stocked, k))
    assert api.get(f"{API}/orders/").json()["count"] == 30


# --- selling and buying lists -------------------------------------------------------------


def test_my_shops(market: Market, stocked: Stocked, tenant_a: Tenant) -> None:
    serial = itertools.count(1)

    def grow(count: int) -> None:
        for _ in range(count):
            services.open_shop(market.sri, name=f"Cabang {next(serial)}", address="Jl. Mawar 2")
        add_orders(market.joko, stocked, count)

    sri = signed_in(tenant_a, market.sri)
    assert_list_budget(fetch=lambda: sri.get("/pasar/toko/"), grow=grow)
    assert len(sri.get("/pasar/toko/").context["shops"]) == 31


def test_cart(market: Market, tenant_a: Tenant) -> None:
    def grow(count: int) -> None:
        for variant in new_products(market, count, "Keranjang"):
            services.add_to_cart(market.joko, variant.pk, 1)

    joko = signed_in(tenant_a, market.joko)
    assert_list_budget(fetch=lambda: joko.get("/pasar/keranjang/"), grow=grow)
    assert sum(len(lines) for _shop, lines, _total in joko.get("/pasar/keranjang/").context["groups"]) == 30


# --- kota ---------------------------------------------------------------------------------


def test_city_search(tenants: TenantSet, db: None) -> None:
    """The kota's /pasar/ searches the public listing of every kelurahan."""
    serial = itertools.count(1)

    def grow(count: int) -> None:
        previous = connection.tenant
        connection.set_schema_to_public()
        for _ in range(count):
            n = next(serial)
            discovery.publish(
                tenants.a.pk,
                discovery.ListingData(
                    product_ref=n,
                    name=f"Tempe goreng {n}",
                    shop_name="Pecel Madiun Bu Sri",
                    price=1_000 + n,
                    price_max=2_000 + n,
                    in_stock=True,
                    verified=False,
                    url=f"http://a.example/pasar/produk/{n}/",
                    shop_url="http://a.example/pasar/toko/pecel/",
                ),
            )
        connection.set_tenant(previous)
        # Switching schemas makes the next query `SET search_path`: pay it here, in the test's
        # own switch, so the count stays the list's (a request issues at most one SET).
        connection.cursor().close()

    kota = client_for(tenants.kota)
    assert_list_budget(fetch=lambda: kota.get("/pasar/?q=tempe"), grow=grow)
    assert len(kota.get("/pasar/?q=tempe").context["results"]) >= 30
