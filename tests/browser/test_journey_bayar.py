"""Journey "bayar" (issue 19, problem 7): a buyer pays a QRIS order from the same phone.

Pak Joko ordered from Bu Sri's shop and chooses QRIS. He cannot scan a QR shown on his own
screen, so he copies the code (or saves the QR) and opens his payment app by the gateway's
deep link. His first code runs out while he hesitates (the one error): the page says so and
makes a new one. He pays in the payment app (the sandbox gateway's simulator page, opened by
the sandbox's `deeplink-redirect`, like GoPay's) and his order page turns "Lunas" by itself.
Topping up his wallet by QRIS then shows him the same panel.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection

from apps.accounts.roles import Role
from apps.marketplace import services as market
from apps.marketplace.models import Order
from apps.payments import services as pay
from apps.payments.models import GatewayCharge
from tests.browser import scenes
from tests.browser.conftest import LiveServer
from tests.browser.journeys import Journey
from tests.conftest import TenantSet
from tests.marketplace.conftest import key

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
    pytest.mark.filterwarnings("ignore:XDG_RUNTIME_DIR is not set"),
]

OWNER = "journey-bayar-sri"
BUYER = "journey-bayar-joko"
USERS = [OWNER, BUYER]
HOST = "mojorejo.localhost"


@pytest.fixture
def order(tenants: TenantSet, server: LiveServer, settings: Any) -> Iterator[tuple[Order, list[str]]]:
    """Committed: Bu Sri's shop with nasi pecel, and Pak Joko's order waiting for payment."""
    # The sandbox gateway's "payment app" is open to everyone only on a developer's machine
    # (DEBUG); this is that machine, and the buyer is an ordinary warga.
    settings.DEBUG = True
    settings.PAYMENTS_GATEWAY = "sandbox"
    scenes.clean_up(tenants.a, USERS)
    with tenants.a:
        sri = scenes.person(OWNER, "Sri Rahayu", Role.PEMILIK_UMKM)
        joko = scenes.person(BUYER, "Joko Santoso", Role.WARGA)
        _shop, (nasi,) = scenes.shop_with_products(
            sri, [("Nasi pecel", "JB-NASI", 12_000, 30)], name="Pecel Madiun Bu Sri"
        )
        made = market.place_orders(joko, [(nasi.pk, 2)], idempotency_key=key()).orders[0]
    connection.set_schema_to_public()
    session_keys: list[str] = []
    try:
        yield made, session_keys
    finally:
        scenes.clean_up(tenants.a, USERS, session_keys)


def test_bayar(order: tuple[Order, list[str]], tenants: TenantSet, server: LiveServer, journey: Journey) -> None:
    from playwright.sync_api import expect

    made, session_keys = order
    page: Any = journey.page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url(HOST, "").rstrip("/"))
    order_url = server.url(HOST, f"/pasar/pesanan/{made.public_id}/")

    scenes.sign_in(page, server, HOST, BUYER, session_keys)
    page.goto(order_url)
    expect(page.get_by_test_id("order-status")).to_have_text("Menunggu pembayaran")
    journey.step("pesanan menunggu pembayaran")

    # He chooses QRIS: the code for another phone, and the ways to pay from this one.
    page.get_by_test_id("pay-form").get_by_label(re.compile("QRIS")).check()
    page.get_by_test_id("pay").click()
    panel = page.get_by_test_id("qris-panel")
    expect(panel.get_by_test_id("qris-same-phone")).to_contain_text(
        "Bayar dari HP ini: salin kode atau unduh QR lalu pilih dari galeri di aplikasi bank/e-wallet"
    )
    expect(panel.get_by_test_id("qris-deeplink")).to_have_text("Buka aplikasi pembayaran")
    expect(panel.get_by_test_id("qris-download")).to_have_attribute("href", re.compile(r"/qris\.png$"))
    journey.step("cara bayar dari hp ini", full_page=True)

    # The one error: he waits too long and the code expires at the gateway. The page notices
    # by itself (it polls), says so plainly and offers a new code.
    with tenants.a:
        first = GatewayCharge.objects.get(payment_request_id=made.payment_request_id)
        pay.sandbox_expire(first.order_id)
    connection.set_schema_to_public()
    expect(page.get_by_test_id("qris-dead")).to_contain_text("Kode QRIS ini sudah kedaluwarsa", timeout=15_000)
    expect(page.get_by_test_id("qris-dead")).to_contain_text("Uang Anda belum terpotong")
    page.get_by_test_id("qris-panel").scroll_into_view_if_needed()
    journey.step("kode kedaluwarsa")
    page.get_by_test_id("qris-new-code").click()
    code = page.get_by_test_id("qris-code")
    expect(code).to_be_visible()
    with tenants.a:
        second = GatewayCharge.objects.filter(payment_request_id=made.payment_request_id).order_by("-id").first()
        assert second is not None and second.order_id != first.order_id and second.status == "pending"
        payload = second.qr_string
    connection.set_schema_to_public()
    expect(code).to_have_value(payload)

    # Copy the code to paste it into the bank app.
    page.get_by_test_id("qris-copy").click()
    expect(page.get_by_test_id("qris-copy-status")).to_contain_text("Kode disalin")
    assert page.evaluate("navigator.clipboard.readText()") == payload
    page.get_by_test_id("qris-copy-status").scroll_into_view_if_needed()
    journey.step("kode disalin")

    # Download link: a PNG attachment, to pick from the gallery in the bank app.
    status, kind, disposition = page.evaluate(
        """async (url) => {
            const r = await fetch(url);
            return [r.status, r.headers.get("content-type"), r.headers.get("content-disposition")];
        }""",
        page.get_by_test_id("qris-download").get_attribute("href"),
    )
    assert status == 200 and kind == "image/png" and disposition.startswith("attachment; filename=")

    # He opens his payment app by the deep link (on a phone: another app; here another tab)
    # and pays there; the order page he comes back to has turned "Lunas" by itself (polling).
    deeplink = page.get_by_test_id("qris-deeplink").get_attribute("href")
    assert deeplink.startswith(server.url(HOST, "/dompet/sandbox/?order="))
    app = page.context.new_page()
    app.goto(deeplink)
    expect(app.get_by_test_id("sandbox-bill")).to_contain_text("Rp24.000")
    journey.page = app
    journey.step("aplikasi pembayaran")
    app.get_by_test_id("sandbox-pay").click()
    expect(app.locator("body")).to_contain_text("berhasil")
    app.close()
    journey.page = page

    expect(page.get_by_test_id("order-payment-status")).to_have_text("Lunas", timeout=15_000)
    expect(page.get_by_test_id("order-status")).not_to_have_text("Menunggu pembayaran")
    page.get_by_test_id("order-payment-status").scroll_into_view_if_needed()
    journey.step("lunas")

    # The same panel wherever he pays a QRIS: topping up his wallet shows it too.
    page.goto(server.url(HOST, "/dompet/isi-saldo/"))
    page.get_by_label("Jumlah (Rp)").fill("50.000")
    page.get_by_role("button", name="Buat QRIS").click()
    panel = page.get_by_test_id("qris-panel")
    expect(panel.get_by_test_id("qris-deeplink")).to_have_text("Buka aplikasi pembayaran")
    expect(panel.get_by_test_id("qris-copy")).to_be_visible()
    download = panel.get_by_test_id("qris-download")
    expect(download).to_have_attribute("href", re.compile(r"/dompet/qris/[0-9a-f-]+\.png$"))
    journey.step("isi saldo: cara bayar dari hp ini", full_page=True)
    session_keys.extend(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")
