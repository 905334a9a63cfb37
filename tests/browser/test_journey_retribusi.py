"""Journey "retribusi" (issue 20): a warga pays this month's persampahan bill by QRIS.

Kota Madiun's finance office issued Pak Joko's retribusi persampahan; it waits for him at
/tagihan/ in Mojorejo. On his phone (390x844) he opens it, opens his payment app by the QRIS
panel's deep link (the sandbox gateway's simulator), pays, and the bill turns paid by itself;
the receipt (bukti bayar) is there to download. The kota's register says paid too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection

from apps.accounts.lockout import forget_login_records
from apps.levies import services as levies
from apps.levies.models import LevyBill
from apps.websessions.models import WebSession
from tests.browser.conftest import LiveServer
from tests.browser.journeys import Journey
from tests.conftest import PASSWORD, TenantSet
from tests.levies.conftest import World, make_world
from tests.levies.test_concurrency import _clean

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
    pytest.mark.filterwarnings("ignore:XDG_RUNTIME_DIR is not set"),
]

HOST = "mojorejo.localhost"
PAYER = "lvc-joko"


@pytest.fixture
def bill(tenants: TenantSet, server: LiveServer, settings: Any) -> Iterator[tuple[World, LevyBill, list[str]]]:
    settings.DEBUG = True  # the sandbox "payment app" is open to everyone only on a developer's machine
    settings.PAYMENTS_GATEWAY = "sandbox"
    _clean(tenants)
    world = make_world(tenants, prefix="lvc")
    with world.kota:
        issued = levies.do_issue_bill(
            world.sampah,
            kelurahan=world.kel,
            payer_name="Joko Santoso",
            payer_account=PAYER,
            period_label="2026-12",
            actor=world.officer,
        )
    connection.set_schema_to_public()
    session_keys: list[str] = []
    try:
        yield world, issued, session_keys
    finally:
        connection.set_schema_to_public()
        with tenants.a:
            WebSession.objects.filter(session_key__in=session_keys).delete()
            forget_login_records([PAYER])
        _clean(tenants)


def test_retribusi(bill: tuple[World, LevyBill, list[str]], server: LiveServer, journey: Journey) -> None:
    from playwright.sync_api import expect

    world, issued, session_keys = bill
    page: Any = journey.page
    page.goto(server.url(HOST, "/akun/masuk/"))
    form = page.get_by_test_id("login-form")
    form.locator("input[name=username]").fill(PAYER)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    page.wait_for_url(server.url(HOST, "/"))

    page.goto(server.url(HOST, "/tagihan/"))
    bills = page.get_by_test_id("my-levy-bills")
    expect(bills).to_contain_text(issued.number)
    expect(page.get_by_test_id("open-total")).to_contain_text("15.000")
    journey.step("tagihan saya")

    bills.get_by_role("link").first.click()
    panel = page.get_by_test_id("qris-panel")
    expect(panel).to_be_visible()
    journey.step("bayar dengan qris", full_page=True)

    deeplink = panel.get_by_test_id("qris-deeplink").get_attribute("href")
    app = page.context.new_page()
    app.goto(deeplink)
    expect(app.get_by_test_id("sandbox-bill")).to_contain_text("Rp15.000")
    app.get_by_test_id("sandbox-pay").click()
    expect(app.locator("body")).to_contain_text("berhasil")
    app.close()

    expect(page.get_by_test_id("levy-paid")).to_be_visible(timeout=15_000)
    expect(page.get_by_test_id("levy-receipt")).to_be_visible()
    journey.step("lunas")
    status = page.evaluate(
        "async (url) => { const r = await fetch(url); return [r.status, r.headers.get('content-type')]; }",
        page.get_by_test_id("levy-receipt").get_attribute("href"),
    )
    assert status == [200, "application/pdf"]
    session_keys.extend(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")
    with world.kota:
        issued.refresh_from_db()
        assert issued.status == "paid" and issued.channel == "qris"
    connection.set_schema_to_public()
