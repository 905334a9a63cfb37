"""Factoring on a phone (390×844): bu Sri opens her invoice, asks for financing, accepts BPR
Bank Daerah Madiun's offer and sees the advance in /dompet/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection, transaction

from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.invoicing import services as invoicing
from apps.lending import services as lending
from apps.marketplace import services as marketplace
from tests.browser.conftest import PHONE, LiveServer, results_dir
from tests.browser.scenes import clean_up, sign_in
from tests.conftest import PASSWORD, TenantSet
from tests.factoring.conftest import make_product
from tests.lending.app.conftest import LENDING_TABLES

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
    pytest.mark.filterwarnings("ignore:XDG_RUNTIME_DIR is not set"),
]

SELLER = "browser-faktur-sri"
BUYER = "browser-faktur-joko"
OFFICER = "browser-faktur-bpr"
HOST = "mojorejo.localhost"


def _wipe(tenants: TenantSet, session_keys: list[str]) -> None:
    connection.set_schema_to_public()
    with tenants.a, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        for table in (
            "factoring_financing",
            "factoring_factoringproduct",
            "core_event",
            "invoicing_invoiceline",
            "invoicing_invoice",
            *LENDING_TABLES,
        ):
            cursor.execute(f"DELETE FROM {table}")
    clean_up(tenants.a, [SELLER, BUYER, OFFICER], session_keys)


@pytest.fixture
def invoice(tenants: TenantSet, server: LiveServer) -> Iterator[tuple[int, list[str]]]:
    _wipe(tenants, [])
    with tenants.a:
        sri = create_user(username=SELLER, full_name="Sri Rahayu", roles=[Role.PEMILIK_UMKM], password=PASSWORD)
        joko = create_user(username=BUYER, full_name="Joko", roles=[Role.WARGA], password=PASSWORD)
        officer = create_user(username=OFFICER, full_name="Hendra BPR", roles=[Role.PETUGAS_LKM], password=PASSWORD)
        shop = marketplace.open_shop(sri, name="Warung Pecel Bu Sri", address="Jl. Mojorejo 2")
        lender = lending.open_lender(name="BPR Bank Daerah Madiun", kind="bpr", officers=[officer])
        make_product(lender, name="Anjak Piutang Pengadaan")
        made = invoicing.issue_invoice(
            shop,
            sri,
            buyer_name="Pak Joko",
            buyer_user=joko,
            lines=[{"description": "Nasi pecel 40 bungkus", "quantity": "1", "unit": "paket", "unit_price": 1_000_000}],
        )
    connection.set_schema_to_public()
    session_keys: list[str] = []
    try:
        yield made.pk, session_keys
    finally:
        _wipe(tenants, session_keys)


def test_bu_sri_finances_an_invoice_and_sees_the_advance_in_her_wallet(
    invoice: tuple[int, list[str]], server: LiveServer, page: Any, request: pytest.FixtureRequest
) -> None:
    from playwright.sync_api import expect

    pk, session_keys = invoice
    shots = results_dir(request.config)
    page.set_viewport_size(PHONE)
    sign_in(page, server, HOST, SELLER, session_keys)
    page.goto(server.url(HOST, f"/faktur/{pk}/"))
    page.get_by_test_id("ask-financing").click()
    expect(page).to_have_url(re.compile(rf"/pembiayaan/faktur/{pk}/$"))
    offer = page.get_by_test_id("financing-offer").first
    expect(offer).to_contain_text("BPR Bank Daerah Madiun")
    expect(offer).to_contain_text("Rp600.000")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(shots / "faktur-pembiayaan-phone.png"), full_page=True)
    offer.get_by_test_id("accept-financing").click()
    expect(page.get_by_test_id("financing-advance")).to_contain_text("Rp600.000")
    page.goto(server.url(HOST, "/dompet/"))
    expect(page.get_by_test_id("wallet-balance")).to_have_text("Rp600.000")
    page.screenshot(path=str(shots / "faktur-dompet-phone.png"), full_page=True)
