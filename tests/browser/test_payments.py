"""KotaKitaPay end to end: a merchant shows a QRIS bill, it is paid in the sandbox bank app on
a phone, the gateway's signed notification arrives, and the merchant's page turns paid.

The sandbox bank app plays the payer's bank; outside DEBUG (tests, staging) only staff may open
it, so the kelurahan admin plays the payer here."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection

from apps.accounts.lockout import forget_login_records
from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.payments import services
from apps.payments.models import Account, GatewayNotification, PaymentRequest
from apps.websessions.models import WebSession
from tests.browser.conftest import PHONE, LiveServer, results_dir, watch_csp
from tests.conftest import PASSWORD, TenantSet
from tests.payments.conftest import wipe_payments

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
    pytest.mark.filterwarnings("ignore:XDG_RUNTIME_DIR is not set"),
]

MERCHANT = "browser-bu-sri"
WARGA = "warga-mojorejo"  # made by tests/conftest.py's tenants fixture
BANK = "admin"  # the kelurahan admin (tenant activation): staff, may use the sandbox bank app


def _cleanup(tenants: TenantSet, session_keys: list[str]) -> None:
    connection.set_schema_to_public()
    wipe_payments(tenants.a, [MERCHANT])
    with tenants.a:
        WebSession.objects.filter(session_key__in=session_keys).delete()
        forget_login_records([MERCHANT, WARGA, BANK])
    connection.set_schema_to_public()


@pytest.fixture
def shop(tenants: TenantSet, server: LiveServer) -> Iterator[tuple[Account, list[str]]]:
    """Committed: Bu Sri (UMKM) with her stall's settlement account. Removed afterwards with
    every payments row the test made in Mojorejo."""
    _cleanup(tenants, [])
    with tenants.a:
        sri = create_user(username=MERCHANT, full_name="Sri Rahayu", roles=[Role.PEMILIK_UMKM], password=PASSWORD)
        account = services.open_merchant_account(sri, "Pecel Madiun Bu Sri")
    connection.set_schema_to_public()
    session_keys: list[str] = []
    try:
        yield account, session_keys
    finally:
        _cleanup(tenants, session_keys)


def _sign_in(page: Any, server: LiveServer, username: str) -> None:
    page.goto(server.url("mojorejo.localhost", "/akun/masuk/"))
    form = page.get_by_test_id("login-form")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    page.wait_for_url(server.url("mojorejo.localhost", "/"))


def _local_only(route: Any) -> None:
    from urllib.parse import urlsplit

    host = urlsplit(route.request.url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        route.continue_()
    else:
        route.abort()


def test_warga_pays_a_bill_with_the_sandbox_qris_and_the_merchant_sees_it_paid(
    shop: tuple[Account, list[str]],
    tenants: TenantSet,
    server: LiveServer,
    browser: Any,
    page: Any,
    request: pytest.FixtureRequest,
) -> None:
    from playwright.sync_api import expect

    account, session_keys = shop

    # Bu Sri makes a bill for Rp25.000 at her stall and keeps its page open.
    _sign_in(page, server, MERCHANT)
    page.goto(server.url("mojorejo.localhost", f"/dompet/toko/{account.public_id}/"))
    form = page.get_by_test_id("create-request-form")
    form.locator("input[name=amount]").fill("25.000")
    form.locator("input[name=description]").fill("Pecel 2 porsi")
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/dompet/tagihan/[0-9a-f-]+/$"))
    expect(page.get_by_test_id("request-status")).to_have_text("Menunggu pembayaran")
    expect(page.get_by_test_id("order-qris").locator("svg")).to_be_visible()
    payload = page.get_by_test_id("qris-code").input_value().strip()
    assert payload.startswith("000201010212") and "Pecel Madiun Bu Sri" in payload

    # The payer, on a phone, pastes the QRIS into the sandbox bank app and pays.
    phone = browser.new_context(viewport=PHONE, locale="id-ID", is_mobile=True)
    phone.set_default_timeout(20_000)
    phone.route("**/*", _local_only)
    warga = phone.new_page()
    violations = watch_csp(warga)
    try:
        _sign_in(warga, server, BANK)
        warga.goto(server.url("mojorejo.localhost", "/dompet/sandbox/"))
        warga.get_by_test_id("sandbox-payload").fill(payload)
        warga.get_by_test_id("sandbox-check").click()
        bill = warga.get_by_test_id("sandbox-bill")
        expect(bill).to_contain_text("Pecel Madiun Bu Sri")
        expect(bill).to_contain_text("Rp25.000")
        warga.get_by_test_id("sandbox-pay").click()
        expect(warga.locator("article.message.success")).to_contain_text("berhasil")
        assert warga.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        warga.screenshot(path=str(results_dir(request.config) / "payments-sandbox-phone.png"), full_page=True)
        session_keys.extend(c["value"] for c in phone.cookies() if c["name"] == "sessionid")
    finally:
        phone.close()
    assert not violations, violations

    # Bu Sri's open page polls (HTMX) and shows the bill paid.
    expect(page.get_by_test_id("request-status")).to_have_text("Lunas", timeout=20_000)
    expect(page.locator("#request-status")).to_contain_text("QRIS")
    page.screenshot(path=str(results_dir(request.config) / "payments-merchant-paid.png"), full_page=True)
    session_keys.extend(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")

    with tenants.a:
        paid = PaymentRequest.objects.get(merchant=account)
        assert paid.status == "paid" and paid.paid_method == "qris"
        log = GatewayNotification.objects.get(order_id=paid.bill_number)
        assert log.signature_valid and log.outcome == "applied"
        shop_account = Account.objects.get(pk=account.pk)
        assert shop_account.balance == 25_000 - services.fee_for(25_000)
    connection.set_schema_to_public()
