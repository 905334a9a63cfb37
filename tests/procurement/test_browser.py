"""On a phone (Debian Chromium via Playwright, live server, committed data cleaned up): a UMKM
quotes with a live running total, staff compare/evaluate/award, the public sees the award."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from axes.models import AccessAttempt, AccessLog
from django.utils import timezone

from apps.accounts.lockout import qualified_username
from apps.accounts.models import User
from apps.procurement.models import PurchaseRequest, Quote
from apps.websessions.models import WebSession
from tests.browser.conftest import (  # noqa: F401 - fixtures used by name
    CHROMIUM,
    PHONE,
    LiveServer,
    _allow_orm_beside_playwright,
    browser,
    page,
    results_dir,
    server,
)
from tests.conftest import PASSWORD, TenantSet

from .conftest import People, make_people, new_request, quote
from .test_concurrency import wipe

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not installed"),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
    pytest.mark.filterwarnings("ignore:XDG_RUNTIME_DIR is not set"),
]
PREFIX = "cc-"  # the same prefix as test_concurrency, so `wipe` removes these people too
HOST = "mojorejo.localhost"


def _cleanup(tenants: TenantSet) -> None:
    wipe(tenants.a)
    with tenants.a:
        for session in WebSession.objects.filter(schema_name=tenants.a.schema_name):
            user_id = session.get_decoded().get("_auth_user_id")
            if user_id and not User.objects.filter(pk=user_id).exists():
                session.delete()
        AccessLog.objects.filter(username__startswith=qualified_username(PREFIX)).delete()
        AccessAttempt.objects.filter(username__startswith=qualified_username(PREFIX)).delete()


@pytest.fixture
def world(
    tenants: TenantSet,
    server: LiveServer,  # noqa: F811 - the fixture imported above
) -> Iterator[tuple[People, PurchaseRequest, PurchaseRequest]]:
    _cleanup(tenants)
    with tenants.a:
        people = make_people(PREFIX)
        running = new_request(people)
        start = timezone.now() - timedelta(days=2)
        closed = new_request(
            people, now=start, deadline=timezone.now() - timedelta(minutes=5), title="Snack posyandu (80 kotak)"
        )
        quote(closed, people.umkm, 25_000, 3_000, now=start + timedelta(hours=1))
        quote(closed, people.umkm_b, 24_000, 2_500, now=start + timedelta(hours=2))
    try:
        yield people, running, closed
    finally:
        _cleanup(tenants)


def _login(tab: Any, live: LiveServer, username: str) -> None:
    from playwright.sync_api import expect

    tab.goto(live.url(HOST, "/akun/masuk/"))
    form = tab.get_by_test_id("login-form")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    expect(tab).to_have_url(live.url(HOST, "/"))


def _fits_the_phone(tab: Any) -> None:
    tab.wait_for_load_state("networkidle")
    assert tab.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_umkm_quotes_and_staff_award_on_a_phone(
    world: tuple[People, PurchaseRequest, PurchaseRequest],
    tenants: TenantSet,
    server: LiveServer,  # noqa: F811 - the fixture imported above
    page: Any,  # noqa: F811 - the fixture imported above
    request: pytest.FixtureRequest,
) -> None:
    from playwright.sync_api import expect

    people, running, closed = world
    shots = results_dir(request.config)
    page.set_viewport_size(PHONE)

    # The UMKM sees the open request meant for her and quotes; the total follows her typing.
    _login(page, server, people.umkm.username)
    page.goto(server.url(HOST, "/pengadaan/"))
    expect(page.get_by_test_id("open-request")).to_have_count(1)
    _fits_the_phone(page)
    page.screenshot(path=str(shots / "procurement-open-phone.png"), full_page=True)
    page.get_by_test_id("quote-link").click()
    # htmx wires the live total once its script has run: type after the page has loaded, as a
    # person does (typing into a half-loaded page fired no preview under load).
    page.wait_for_load_state("load")
    prices = page.get_by_test_id("price-input")
    prices.nth(0).fill("40000")
    prices.nth(1).fill("1000")
    expect(page.get_by_test_id("quote-total")).to_contain_text("melebihi pagu")
    prices.nth(0).fill("25.000")
    prices.nth(1).fill("3000")
    expect(page.get_by_test_id("quote-total")).to_contain_text("Rp1.400.000")
    _fits_the_phone(page)
    page.screenshot(path=str(shots / "procurement-quote-phone.png"), full_page=True)
    page.get_by_test_id("submit-quote").click()
    expect(page.get_by_test_id("my-quote")).to_contain_text("Rp1.400.000")
    with tenants.a:
        assert Quote.objects.get(request=running, supplier=people.umkm).total == 1_400_000

    # Staff compare the closed request's quotes, score them, and award on a phone.
    page.context.clear_cookies()
    _login(page, server, people.petugas.username)
    page.goto(server.url(HOST, f"/pengadaan/{closed.pk}/perbandingan/"))
    expect(page.get_by_test_id("compare-row")).to_have_count(2)
    for field in page.locator("input[type=number]").all():
        if not field.input_value():
            field.fill("85")
    page.get_by_test_id("rationale").fill("Dua penawaran di bawah pagu; Katering Pak Budi termurah dan contoh baik.")
    page.screenshot(path=str(shots / "procurement-compare-phone.png"), full_page=True)
    page.get_by_test_id("evaluate").click()
    expect(page.get_by_test_id("evaluation")).to_be_visible()
    page.goto(server.url(HOST, f"/pengadaan/{closed.pk}/perbandingan/"))
    page.get_by_label("Katering Pak Budi", exact=False).check()
    page.get_by_test_id("award").click()
    expect(page.get_by_test_id("award")).to_contain_text("Katering Pak Budi")
    page.get_by_test_id("action-order").click()  # HTMX: the panel swaps in place
    expect(page.get_by_test_id("order-number")).to_contain_text("027/SP.")
    _fits_the_phone(page)
    page.screenshot(path=str(shots / "procurement-ordered-phone.png"), full_page=True)

    # Anyone sees the award on the transparency page, without names of people.
    page.context.clear_cookies()
    page.goto(server.url(HOST, "/pengadaan/transparansi/"))
    expect(page.get_by_test_id("winner")).to_have_text("Katering Pak Budi")
    _fits_the_phone(page)
    page.screenshot(path=str(shots / "procurement-transparency-phone.png"), full_page=True)
    text = page.content()
    assert people.umkm_b.full_name not in text and people.petugas.full_name not in text
