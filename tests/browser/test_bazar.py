"""Bazar and ArisanGo on a phone (390×844): a guest opens the bazar's landing page (stall map,
promotions); Bu Sri takes part of Pak Joko's voucher at her till; Pak Joko sees the rest and the
rules; Pak Joko pays a pasar order with his voucher at checkout; the lurah makes a bazar and places
a shop on its stall map. Screenshots and axe-core checks at each step (tests/browser/journeys.py)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone
from playwright.sync_api import expect

from apps.bazar import services
from apps.bazar.models import BazarEvent, Discount, Stall, Voucher
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
NEW = "Bazar Kemerdekaan Peramban"


def _clean(tenant: Tenant) -> None:
    connection.set_schema_to_public()
    with tenant, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("DELETE FROM bazar_stall")
        cursor.execute("DELETE FROM bazar_bazarevent")
        cursor.execute("DELETE FROM agenda_event WHERE title = ANY(%s)", [[NAME, NEW]])
        cursor.execute(
            "DELETE FROM idempotency_idempotencyrecord WHERE schema_name = %s AND scope = 'bazar.event.web'",
            [tenant.schema_name],
        )
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


def test_voucher_pays_a_pasar_order_at_checkout(tenants: TenantSet, server: LiveServer, journey: Journey) -> None:
    """Pak Joko's Rp100.000 voucher pays a nasi pecel (Rp12.000) in full at the pasar's checkout:
    the order shows the voucher part, the voucher page the Rp88.000 left."""
    _clean(tenants.a)
    try:
        with tenants.a:
            world = make_world(tenants.a, prefix="bzr-")
            voucher = services.pay_out_as_voucher(world.round1, actor=world.market.andi)
            product_id, code = world.market.nasi.product_id, voucher.code
        connection.set_schema_to_public()
        host = TenantSet.host(tenants.a)
        page: Any = journey.page
        _sign_in(page, server, host, "bzr-joko")
        page.goto(server.url(host, f"/pasar/produk/{product_id}/"))
        page.get_by_test_id("add-to-cart").first.click()
        page.get_by_test_id("checkout").click()
        expect(page).to_have_url(re.compile(r"/pasar/checkout/$"))
        page.locator("select[name^=delivery_]").select_option("pickup")
        page.get_by_test_id("checkout-vouchers").get_by_label(re.compile(code)).check()
        page.locator("input[name=payment_method][value=wallet]").check()
        expect(page.get_by_test_id("checkout-voucher")).to_contain_text("12.000")
        expect(page.get_by_test_id("checkout-rest")).to_contain_text("Rp0")
        page.get_by_test_id("checkout-vouchers").scroll_into_view_if_needed()
        journey.step("checkout pilih voucher")
        page.get_by_test_id("place-order").click()
        expect(page.get_by_test_id("order-voucher")).to_contain_text("12.000")
        journey.step("pesanan dibayar voucher", full_page=True)
        page.goto(server.url(host, "/bazar/voucher/"))
        expect(page.locator("main")).to_contain_text("Rp88.000")
        journey.step("sisa voucher")
        with tenants.a:
            assert Voucher.objects.get(code=code).remaining == 88_000
        connection.set_schema_to_public()
    finally:
        _clean(tenants.a)


def test_organiser_makes_a_bazar_and_places_a_stall(tenants: TenantSet, server: LiveServer, journey: Journey) -> None:
    _clean(tenants.a)
    try:
        with tenants.a:
            world = make_world(tenants.a, prefix="bzr-")
            shop_name = world.market.pecel.name
        connection.set_schema_to_public()
        host = TenantSet.host(tenants.a)
        page: Any = journey.page
        _sign_in(page, server, host, "bzr-lurah")
        page.goto(server.url(host, "/bazar/kelola/"))
        page.get_by_test_id("bazar-new").click()
        form = page.get_by_test_id("bazar-form")
        starts = timezone.localtime(timezone.now() + timedelta(days=3)).replace(hour=8, minute=0)
        form.locator("input[name=name]").fill(NEW)
        form.locator("input[name=place_name]").fill("Lapangan RW 02")
        form.locator("input[name=starts_at]").fill(starts.strftime("%Y-%m-%dT%H:%M"))
        form.locator("input[name=ends_at]").fill(starts.strftime("%Y-%m-%dT16:00"))
        form.locator("input[name=grid_columns]").fill("4")
        form.locator("input[name=grid_rows]").fill("3")
        journey.step("buat bazar", full_page=True)
        page.get_by_test_id("bazar-save").click()
        expect(page.get_by_test_id("stall-map")).to_be_visible()
        add = page.get_by_test_id("add-stall-form")
        add.locator("select[name=shop]").select_option(label=shop_name)
        add.locator("select[name=cell]").select_option("2-1")
        add.get_by_test_id("add-stall").click()
        expect(page.get_by_test_id("stall-1")).to_contain_text(shop_name)
        expect(page.get_by_test_id("stall-map").get_by_role("link", name=re.compile(shop_name))).to_be_visible()
        journey.step("lapak ditempatkan", full_page=True)
        with tenants.a:
            stall = Stall.objects.get(event=BazarEvent.objects.get(name=NEW))
            assert (stall.number, stall.column, stall.row, stall.shop.name) == (1, 2, 1, shop_name)
        connection.set_schema_to_public()
    finally:
        _clean(tenants.a)
