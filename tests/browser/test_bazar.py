"""Bazar and ArisanGo on a phone (390×844): a guest opens the bazar's landing page (stall map,
promotions); Bu Sri takes part of Pak Joko's voucher at her till; Pak Joko sees the rest and the
rules. Screenshots and axe-core checks at each step (tests/browser/journeys.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction

from apps.bazar import services
from apps.bazar.models import Discount
from apps.tenancy.models import Tenant
from tests.bazar.conftest import make_bazar, make_world
from tests.bazar.test_concurrency import _wipe
from tests.browser.conftest import LiveServer
from tests.browser.journeys import Journey
from tests.conftest import PASSWORD, TenantSet

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
    pytest.mark.filterwarnings("ignore:XDG_RUNTIME_DIR is not set"),
]

NAME = "Bazar Peramban"


def _clean(tenant: Tenant) -> None:
    connection.set_schema_to_public()
    with tenant, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("DELETE FROM bazar_stall")
        cursor.execute("DELETE FROM bazar_bazarevent")
        cursor.execute("DELETE FROM agenda_event WHERE title = %s", [NAME])
    _wipe(tenant)


def _sign_in(page: Any, server: LiveServer, host: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(server.url(host, "/akun/masuk/"))
    form = page.get_by_test_id("login-form")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    page.wait_for_url(server.url(host, "/"))


def test_bazar_and_voucher_on_a_phone(tenants: TenantSet, server: LiveServer, journey: Journey) -> None:
    _clean(tenants.a)
    try:
        with tenants.a:
            world = make_world(tenants.a, prefix="bzr-")
            m = world.market
            event = make_bazar(world.lurah, name=NAME)
            stall = services.add_stall(event, m.pecel, actor=world.lurah, number=3, column=2, row=2)
            services.set_promotion(
                stall, actor=m.sri, discount=Discount.PERCENT, value=10, products=[m.nasi.product_id]
            )
            services.add_stall(event, m.oleh, actor=m.yati)
            voucher = services.pay_out_as_voucher(world.round1, actor=m.andi)
            slug, code = event.slug, voucher.code
        connection.set_schema_to_public()
        host = TenantSet.host(tenants.a)
        page: Any = journey.page
        page.goto(server.url(host, f"/bazar/{slug}/"))
        assert "-10%" in page.content() and "Rp10.800" in page.content()
        journey.step("halaman bazar", full_page=True)

        _sign_in(page, server, host, "bzr-sri")
        page.goto(server.url(host, "/bazar/voucher/tukar/"))
        page.locator("input[name=code]").fill(code)
        page.locator("input[name=amount]").fill("25000")
        journey.step("kasir voucher")
        page.get_by_role("button", name="Terima voucher").click()
        page.wait_for_load_state("networkidle")
        assert "Rp75.000" in page.content()
        journey.step("voucher diterima")

        _sign_in(page, server, host, "bzr-joko")
        page.goto(server.url(host, "/bazar/voucher/"))
        assert code in page.content() and "Rp75.000" in page.content()
        journey.step("voucher saya", full_page=True)
    finally:
        _clean(tenants.a)
