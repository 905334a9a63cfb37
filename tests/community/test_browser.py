"""Kas RT end to end on phones (Debian Chromium, fixtures from tests/browser/conftest.py): the
treasurer records an expense with a photo receipt (the HTMX panel updates in place, a bad
amount is refused in place), a warga pays iuran from the wallet and reads the monthly report."""

# The browser fixtures are imported by name (they live in tests/browser/conftest.py), so the
# test functions' parameters of the same name "redefine" them for ruff.
# ruff: noqa: F811

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from apps.accounts.lockout import forget_login_records
from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.community import services
from apps.community.models import CashBookEntry, IuranPayment
from apps.payments import services as pay
from apps.rtrw.models import Residency, RukunTetangga, RukunWarga
from apps.websessions.models import WebSession
from tests.browser.conftest import (  # noqa: F401 - fixtures used by name
    CHROMIUM,
    PHONE,
    LiveServer,
    _allow_orm_beside_playwright,
    browser,
    results_dir,
    server,
)
from tests.community.conftest import JPEG, wipe_community
from tests.conftest import PASSWORD, TenantSet

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not installed (scripts/ensure_chromium.sh)"),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
    pytest.mark.filterwarnings("ignore:XDG_RUNTIME_DIR is not set"),
]

TREASURER = "kas-bendahara"
WARGA = "kas-warga"
RW_NUMBER = 19


def _cleanup(tenants: TenantSet, session_keys: list[str]) -> None:
    wipe_community(tenants.a, [TREASURER, WARGA], RW_NUMBER)
    with tenants.a:
        WebSession.objects.filter(session_key__in=session_keys).delete()
        forget_login_records([TREASURER, WARGA])
    connection.set_schema_to_public()


@pytest.fixture
def kas(tenants: TenantSet, server: LiveServer) -> Iterator[tuple[RukunTetangga, list[str]]]:
    """Committed: RT 01/RW 19 with its treasurer, a warga with Rp50.000 in her wallet and an
    iuran of Rp10.000 a month from last month. Removed afterwards."""
    _cleanup(tenants, [])
    with tenants.a:
        rw = RukunWarga.objects.create(number=RW_NUMBER)
        rt = RukunTetangga.objects.create(rw=rw, number=1)
        treasurer = create_user(username=TREASURER, full_name="Bu Bendahara", roles=[Role.WARGA], password=PASSWORD)
        warga = create_user(username=WARGA, full_name="Bu Warga", roles=[Role.WARGA], password=PASSWORD)
        Residency.objects.create(user=treasurer, rt=rt)
        Residency.objects.create(user=warga, rt=rt)
        rt.ketua = treasurer
        rt.save(update_fields=["ketua"])
        services.assign_treasurer(rt, treasurer, actor=treasurer)
        book = services.open_cash_book(rt)
        last_month = services.add_months(services.this_month(), -1)
        services.set_schedule(book, actor=treasurer, amount=10_000, start_month=last_month)
        services.record_income(book, actor=treasurer, amount=100_000, category="donasi", description="Saldo awal")
        pay.top_up(pay.ensure_wallet(warga), 50_000, reference="test", idempotency_key="browser-kas-warga")
    connection.set_schema_to_public()
    session_keys: list[str] = []
    try:
        yield rt, session_keys
    finally:
        _cleanup(tenants, session_keys)


def _phone(browser: Any) -> Any:
    from tests.browser.test_payments import _local_only

    context = browser.new_context(viewport=PHONE, locale="id-ID", is_mobile=True)
    context.set_default_timeout(20_000)
    context.route("**/*", _local_only)
    return context


def _sign_in(page: Any, server: LiveServer, username: str) -> None:
    page.goto(server.url("mojorejo.localhost", "/akun/masuk/"))
    form = page.get_by_test_id("login-form")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    page.wait_for_url(server.url("mojorejo.localhost", "/"))


def test_treasurer_records_an_expense_and_a_warga_pays_iuran_on_phones(
    kas: tuple[RukunTetangga, list[str]],
    tenants: TenantSet,
    server: LiveServer,
    browser: Any,
    request: pytest.FixtureRequest,
    tmp_path: Any,
) -> None:
    from playwright.sync_api import expect

    rt, session_keys = kas
    receipt = tmp_path / "nota.jpg"
    receipt.write_bytes(JPEG)

    context = _phone(browser)
    try:
        page = context.new_page()
        _sign_in(page, server, TREASURER)
        page.goto(server.url("mojorejo.localhost", f"/kas/rt/{rt.pk}/"))
        expect(page.get_by_test_id("book-balance")).to_have_text("Rp100.000")
        page.get_by_text("Catat pengeluaran").click()
        form = page.locator(f"form[hx-post='/kas/rt/{rt.pk}/pengeluaran/']")
        form.locator("input[name=amount]").fill("-5.000")
        form.locator("input[name=description]").fill("Kantong sampah")
        form.locator("button[type=submit]").click()
        expect(page.locator("#kas-panel article.message.error")).to_contain_text("lebih dari nol")
        expect(page.get_by_test_id("book-balance")).to_have_text("Rp100.000")
        page.get_by_text("Catat pengeluaran").click()
        form = page.locator(f"form[hx-post='/kas/rt/{rt.pk}/pengeluaran/']")
        form.locator("input[name=amount]").fill("35.000")
        form.locator("input[name=description]").fill("Kantong sampah")
        form.locator("input[name=receipt]").set_input_files(str(receipt))
        form.locator("button[type=submit]").click()
        expect(page.get_by_test_id("book-balance")).to_have_text("Rp65.000")
        expect(page.get_by_test_id("entries")).to_contain_text("Kantong sampah")
        expect(page.get_by_test_id("entries").get_by_role("link", name="bukti")).to_be_visible()
        assert page.url.endswith(f"/kas/rt/{rt.pk}/")  # updated in place, no navigation
        page.screenshot(path=str(results_dir(request.config) / "community-treasurer-phone.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        session_keys.extend(c["value"] for c in context.cookies() if c["name"] == "sessionid")
    finally:
        context.close()

    context = _phone(browser)
    try:
        page = context.new_page()
        _sign_in(page, server, WARGA)
        page.goto(server.url("mojorejo.localhost", "/kas/"))
        last_month = services.add_months(services.this_month(), -1).strftime("%Y-%m")
        expect(page.get_by_test_id("my-iuran")).to_contain_text("tertunggak")
        page.get_by_test_id(f"pay-wallet-{last_month}").click()
        expect(page.locator("article.message.success")).to_contain_text(f"Iuran {last_month} lunas")
        expect(page.get_by_test_id("kas-balance")).to_have_text("Rp75.000")
        page.get_by_role("link", name="Laporan bulanan (transparan untuk warga)").click()
        expect(page.get_by_test_id("closing")).to_have_text("Rp75.000")
        expect(page.get_by_test_id("report-expenses")).to_contain_text("Kantong sampah")
        page.screenshot(path=str(results_dir(request.config) / "community-report-phone.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        session_keys.extend(c["value"] for c in context.cookies() if c["name"] == "sessionid")
    finally:
        context.close()

    with tenants.a:
        warga = User.objects.get(username=WARGA)
        assert IuranPayment.objects.get(member=warga).status == "paid"
        assert pay.ensure_wallet(warga).balance == 40_000
        line = CashBookEntry.objects.get(description="Kantong sampah")
        assert line.receipt_type == "image/jpeg" and line.occurred_on == timezone.localdate()
    connection.set_schema_to_public()
