"""Bu Sri sells from her phone (issue 19, an UMKM owner's journey at 390×844): she adds a
product with a photo, forgets the price (the photo stays chosen: problem 10), saves it, opens
her seller home, finds the new order in "Pesanan baru" with its date, items and payment, and
accepts it. Every step is a screenshot and an axe-core check (tests/browser/journeys.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from apps.accounts.roles import Role
from apps.marketplace import services
from apps.marketplace.lifecycle import Status
from apps.marketplace.models import Order, Product, Shop
from tests.browser import scenes
from tests.browser.conftest import PHONE, LiveServer
from tests.browser.journeys import Journey
from tests.conftest import TenantSet
from tests.images import JPEG
from tests.marketplace.conftest import key

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
    pytest.mark.filterwarnings("ignore:XDG_RUNTIME_DIR is not set"),
]

SELLER = "journey-penjual-sri"
BUYER = "journey-penjual-joko"
USERS = [SELLER, BUYER]


@pytest.fixture
def market(
    tenants: TenantSet, server: LiveServer, settings: Any, tmp_path: Path
) -> Iterator[tuple[Shop, Order, list[str]]]:
    """Committed: Bu Sri's shop with Nasi pecel, and Pak Joko's order of two, cash on delivery,
    placed an hour ago. Removed afterwards with every marketplace and payments row."""
    settings.MEDIA_ROOT = str(tmp_path / "media")  # the photo she uploads
    scenes.clean_up(tenants.a, USERS)
    with tenants.a:
        sri = scenes.person(SELLER, "Sri Rahayu", Role.PEMILIK_UMKM)
        joko = scenes.person(BUYER, "Joko Santoso", Role.WARGA)
        shop, (nasi,) = scenes.shop_with_products(sri, [("Nasi pecel", "NP-1", 12_000, 20)])
        order = services.place_and_pay(
            joko, [(nasi.pk, 2)], idempotency_key=key(), payment_method="cod", note="Sambalnya dipisah"
        ).orders[0]
        Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timezone.timedelta(hours=1))
        order.refresh_from_db()
    connection.set_schema_to_public()
    session_keys: list[str] = []
    try:
        yield shop, order, session_keys
    finally:
        scenes.clean_up(tenants.a, USERS, session_keys)


def _fits_the_phone(page: Any) -> None:
    # Measured once the page has loaded: before its stylesheets apply, the tabs lie in one wide row.
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "scrolls sideways"


def test_penjual(
    market: tuple[Shop, Order, list[str]], tenants: TenantSet, server: LiveServer, journey: Journey
) -> None:
    from playwright.sync_api import expect

    shop, order, session_keys = market
    page: Any = journey.page
    host = TenantSet.host(tenants.a)

    scenes.sign_in(page, server, host, SELLER, session_keys)

    # Her shops, then "Tambah produk".
    page.goto(server.url(host, "/pasar/toko/"))
    journey.step("toko saya")
    page.get_by_role("link", name="Tambah produk").click()
    product_form = page.get_by_test_id("product-form")
    product_form.locator("input[name=name]").fill("Pecel lele")
    product_form.locator("input[name=sku]").fill("PL-1")
    product_form.locator("input[name=stock]").fill("8")
    product_form.locator("input[name=photo]").set_input_files(
        {"name": "pecel-lele.jpg", "mimeType": "image/jpeg", "buffer": JPEG}
    )
    _fits_the_phone(page)
    journey.step("tambah produk dengan foto")

    # One error: she forgot the price. The photo is still chosen, and the page says so.
    page.get_by_test_id("save-product").click()
    expect(page.get_by_test_id("error-price")).to_be_visible()
    expect(page.get_by_test_id("kept-photo")).to_have_text(
        "Foto sudah dipilih: pecel-lele.jpg (tidak perlu memilih lagi)"
    )
    _fits_the_phone(page)
    page.get_by_test_id("kept-photo").scroll_into_view_if_needed()
    journey.step("harga lupa diisi foto tetap ada")
    page.get_by_test_id("product-form").locator("input[name=price]").fill("15.000")
    page.get_by_test_id("save-product").click()
    expect(page.get_by_test_id("product-name")).to_have_text("Pecel lele")
    journey.step("produk tersimpan dengan foto")
    with tenants.a:
        assert Product.objects.get(shop=shop, name="Pecel lele").photos.count() == 1
    connection.set_schema_to_public()

    # Her seller home: the new order waits in "Pesanan baru".
    page.goto(server.url(host, "/pasar/toko/"))
    page.get_by_test_id("seller-home").click()
    expect(page.get_by_test_id("tab-baru")).to_have_attribute("aria-current", "page")
    expect(page.get_by_test_id("tab-baru")).to_contain_text("1")
    row = page.get_by_test_id("shop-order").filter(has_text=order.number)
    when = timezone.localtime(order.created_at)  # shown in DATETIME_FORMAT (config/formats/id): "6 Des 2026 14.30"
    expect(row.get_by_test_id("order-date")).to_contain_text(when.strftime("%H.%M"))
    expect(row.get_by_test_id("order-buyer")).to_have_text("Joko")
    expect(row.get_by_test_id("order-items")).to_have_text("Nasi pecel × 2")
    expect(row.get_by_test_id("order-total")).to_have_text("Rp24.000")
    expect(row.get_by_test_id("order-payment")).to_have_text("Bayar tunai saat barang diterima · Belum dibayar")
    _fits_the_phone(page)
    journey.step("beranda penjual pesanan baru", full_page=True)

    # "Tolak" asks for a reason the buyer will see; she looks, and accepts instead.
    reject = row.get_by_test_id("row-reject")
    reject.locator("summary").click()
    expect(reject.get_by_label("Stok habis")).to_be_visible()
    journey.step("tolak minta alasan", full_page=True)
    reject.locator("summary").click()
    row.get_by_test_id("row-accept").click()
    expect(page.locator("article.message[role=status]")).to_contain_text(f"Pesanan {order.number} diterima")
    expect(page.get_by_test_id("tab-kirim")).to_contain_text("1")
    expect(page.get_by_test_id("seller-empty")).to_be_visible()
    _fits_the_phone(page)
    journey.step("pesanan diterima")
    page.get_by_test_id("tab-kirim").click()
    expect(page.get_by_test_id("shop-order").filter(has_text=order.number)).to_contain_text("Diterima toko")
    journey.step("perlu dikirim", full_page=True)

    with tenants.a:
        order.refresh_from_db()
        assert order.status == Status.ACCEPTED
    connection.set_schema_to_public()
