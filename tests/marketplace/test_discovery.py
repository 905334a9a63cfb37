"""The kota's city-wide market: kelurahan publish to a public-schema listing after commit
(a Celery task in the seller's tenant); the kota's /pasar/ searches it and links to the seller."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.db import connection

from apps.discovery import selectors as discovery
from apps.discovery.models import Listing
from apps.marketplace import services
from tests.conftest import TenantSet, client_for
from tests.marketplace.conftest import Market, make_market

pytestmark = pytest.mark.django_db
Capture = Callable[..., AbstractContextManager[Any]]


@pytest.fixture
def published(tenants: TenantSet, db: None, django_capture_on_commit_callbacks: Capture) -> tuple[Market, Market]:
    with tenants.a, django_capture_on_commit_callbacks(execute=True):
        a = make_market(tenants.a)
    with tenants.b, django_capture_on_commit_callbacks(execute=True):
        b = make_market(tenants.b, prefix="b-")
        services.update_variant(b.keripik, b.sri, name="pedas")
    connection.set_schema_to_public()
    return a, b


def test_products_are_listed_in_the_public_schema_after_commit(
    tenants: TenantSet, published: tuple[Market, Market]
) -> None:
    a, _b = published
    listing = Listing.objects.get(tenant=tenants.a, product_ref=a.keripik.product_id)
    assert (listing.name, listing.shop_name, listing.price, listing.in_stock) == (
        "Keripik tempe",
        "Pecel Madiun Bu Sri",
        15_000,
        True,
    )
    assert listing.kota == tenants.kota and listing.tenant_name == "Kelurahan Mojorejo"
    assert listing.url.startswith(f"http://{tenants.host(tenants.a)}:") and listing.url.endswith(
        f"/pasar/produk/{a.keripik.product_id}/"
    )
    assert Listing.objects.filter(tenant=tenants.b).count() == 4
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [f"{tenants.a.schema_name}.discovery_listing"])
        assert cursor.fetchone()[0] is None  # never a tenant table


def test_the_kota_searches_every_kelurahan_with_typos(tenants: TenantSet, published: tuple[Market, Market]) -> None:
    found = discovery.search(tenants.kota, "kripik tempe")
    assert {(item.tenant_id, item.name) for item in found[:2]} == {
        (tenants.a.pk, "Keripik tempe"),
        (tenants.b.pk, "Keripik tempe"),
    }
    assert discovery.search(tenants.kota, "pedas")[0].tenant_id == tenants.b.pk  # variant names count
    assert discovery.search(tenants.kota, "sepatu") == []


def test_the_kota_pasar_page_links_to_the_sellers_subdomain(
    tenants: TenantSet, published: tuple[Market, Market]
) -> None:
    a, _b = published
    page = client_for(tenants.kota).get("/pasar/", {"q": "keripik"})
    assert page.status_code == 200
    body = page.content.decode()
    assert "Pasar UMKM se-kota" in body and "Kelurahan Mojorejo" in body and "Kelurahan Pandean" in body
    assert f"{tenants.host(tenants.a)}:8000/pasar/produk/{a.keripik.product_id}/" in body
    partial = client_for(tenants.kota).get("/pasar/", {"q": "keripik"}, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and "<html" not in partial.content.decode()


def test_hiding_a_product_withdraws_it_and_selling_out_flags_it(
    tenants: TenantSet, published: tuple[Market, Market], django_capture_on_commit_callbacks: Capture
) -> None:
    a, _b = published
    with tenants.a, django_capture_on_commit_callbacks(execute=True):
        services.update_product(a.keripik.product, a.sri, is_active=False)
        services.place_orders(a.joko, [(a.sambal.pk, 5)], idempotency_key="sell-out")
    connection.set_schema_to_public()
    assert not Listing.objects.filter(tenant=tenants.a, product_ref=a.keripik.product_id).exists()
    assert Listing.objects.get(tenant=tenants.a, product_ref=a.sambal.product_id).in_stock is False
