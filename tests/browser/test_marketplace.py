"""Pasar UMKM end to end on a phone (390×844): an owner adds a product, a warga finds it (with a
typo), buys it paying cash on delivery, and the owner accepts the order."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection

from apps.accounts.lockout import forget_login_records
from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.marketplace import services
from apps.marketplace.lifecycle import Status
from apps.marketplace.models import Order, Shop, Stock
from apps.payments.models import PaymentRequest
from apps.websessions.models import WebSession
from tests.browser.conftest import PHONE, LiveServer, results_dir
from tests.conftest import PASSWORD, TenantSet
from tests.marketplace.conftest import wipe_marketplace

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
    pytest.mark.filterwarnings("ignore:XDG_RUNTIME_DIR is not set"),
]

OWNER = "browser-pasar-sri"
BUYER = "browser-pasar-joko"
HOST = "mojorejo.localhost"


def _cleanup(tenants: TenantSet, session_keys: list[str]) -> None:
    connection.set_schema_to_public()
    with tenants.a:
        WebSession.objects.filter(session_key__in=session_keys).delete()
        forget_login_records([OWNER, BUYER])
    wipe_marketplace(tenants.a, [OWNER, BUYER])


@pytest.fixture
def shop(tenants: TenantSet, server: LiveServer) -> Iterator[tuple[Shop, list[str]]]:
    """Committed: Bu Sri (UMKM) with her shop, and Pak Joko (warga). Removed afterwards with
    every marketplace and payments row the test made in Mojorejo."""
    _cleanup(tenants, [])
    with tenants.a:
        sri = create_user(username=OWNER, full_name="Sri Rahayu", roles=[Role.PEMILIK_UMKM], password=PASSWORD)
        create_user(username=BUYER, full_name="Joko Santoso", roles=[Role.WARGA], password=PASSWORD)
        made = services.open_shop(sri, name="Pecel Madiun Bu Sri", address="Jl. Mojorejo No. 12")
    connection.set_schema_to_public()
    session_keys: list[str] = []
    try:
        yield made, session_keys
    finally:
        _cleanup(tenants, session_keys)


def _sign_in(page: Any, server: LiveServer, username: str, session_keys: list[str]) -> None:
    session_keys.extend(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")
    page.context.clear_cookies()
    page.goto(server.url(HOST, "/akun/masuk/"))
    form = page.get_by_test_id("login-form")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    page.wait_for_url(server.url(HOST, "/"))


def _fits_the_phone(page: Any) -> None:
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_owner_adds_a_product_warga_buys_cash_on_delivery_owner_accepts(
    shop: tuple[Shop, list[str]], tenants: TenantSet, server: LiveServer, page: Any, request: pytest.FixtureRequest
) -> None:
    # `shop` comes before `page` so its DB set-up and clean-up run outside Playwright.
    from playwright.sync_api import expect

    made, session_keys = shop
    shots = results_dir(request.config)
    page.set_viewport_size(PHONE)

    # Bu Sri adds a product to her shop from her phone.
    _sign_in(page, server, OWNER, session_keys)
    page.goto(server.url(HOST, f"/pasar/toko/{made.slug}/"))
    page.get_by_test_id("add-product").click()
    form = page.get_by_test_id("product-form")
    form.locator("input[name=name]").fill("Keripik tempe")
    form.locator("textarea[name=description]").fill("Renyah, bumbu bawang.")
    form.locator("input[name=categories]").fill("Camilan")
    form.locator("input[name=variant_name]").fill("200 g")
    form.locator("input[name=sku]").fill("KRP-200")
    form.locator("input[name=price]").fill("15.000")
    form.locator("input[name=stock]").fill("10")
    _fits_the_phone(page)
    page.get_by_test_id("save-product").click()
    expect(page.get_by_test_id("product-name")).to_have_text("Keripik tempe")
    expect(page.get_by_test_id("variant-KRP-200")).to_contain_text("Rp15.000")
    page.screenshot(path=str(shots / "pasar-owner-product-phone.png"), full_page=True)

    # Pak Joko searches with a typo, finds it, and buys two, cash on delivery.
    _sign_in(page, server, BUYER, session_keys)
    page.goto(server.url(HOST, "/pasar/"))
    page.get_by_test_id("search-input").fill("kripik tempe")
    page.get_by_test_id("search-input").press("Enter")
    results = page.get_by_test_id("search-results")
    expect(results).to_contain_text("Keripik tempe")
    _fits_the_phone(page)
    results.get_by_text("Keripik tempe").first.click()
    expect(page.get_by_test_id("product-name")).to_have_text("Keripik tempe")
    variant = page.get_by_test_id("variant-KRP-200")
    variant.locator("input[name=quantity]").fill("2")
    variant.get_by_test_id("add-to-cart").click()
    expect(page).to_have_url(server.url(HOST, "/pasar/keranjang/"))
    expect(page.get_by_test_id("cart-total")).to_have_text("Rp30.000")
    page.get_by_test_id("checkout").click()
    expect(page.get_by_test_id("reserved-until")).to_be_visible()
    checkout = page.get_by_test_id("checkout-form")
    expect(checkout.locator("input[name=payment_method][value=cod]")).to_be_checked()
    _fits_the_phone(page)
    page.screenshot(path=str(shots / "pasar-checkout-phone.png"), full_page=True)
    page.get_by_test_id("place-order").click()
    expect(page).to_have_url(re.compile(rf"^http://{re.escape(HOST)}:{server.port}/pasar/pesanan/[0-9a-f-]+/$"))
    expect(page.get_by_test_id("order-status")).to_have_text("Bayar di tempat (COD)")
    expect(page.get_by_test_id("order-total")).to_have_text("Rp30.000")
    number = page.get_by_test_id("order-number").text_content().strip()
    _fits_the_phone(page)
    page.screenshot(path=str(shots / "pasar-buyer-order-phone.png"), full_page=True)

    # Bu Sri sees the order in her shop's list and accepts it.
    _sign_in(page, server, OWNER, session_keys)
    page.goto(server.url(HOST, f"/pasar/toko/{made.slug}/"))
    page.get_by_test_id("shop-orders").click()
    row = page.get_by_test_id("shop-order").filter(has_text=number)
    expect(row.get_by_test_id("order-status")).to_have_text("Bayar di tempat (COD)")
    row.get_by_text(number).click()
    page.get_by_test_id("action-accept").click()
    expect(page.get_by_test_id("order-status")).to_have_text("Diterima toko")
    expect(page.get_by_test_id("order-events")).to_contain_text("Diterima toko — Sri Rahayu")
    _fits_the_phone(page)
    page.screenshot(path=str(shots / "pasar-owner-accepted-phone.png"), full_page=True)
    session_keys.extend(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")

    with tenants.a:
        order = Order.objects.get(shop=made)
        assert order.status == Status.ACCEPTED and order.payment_method == "cod"
        assert order.buyer.username == BUYER and order.total == 30_000
        assert Stock.objects.get(variant__sku="KRP-200").quantity_allocated == 2
        assert PaymentRequest.objects.get(pk=order.payment_request_id).status == "awaiting_cash"
    connection.set_schema_to_public()
