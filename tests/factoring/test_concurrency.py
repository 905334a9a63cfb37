"""Real threads with their own connections on committed data (cleaned up): two accepts of the
same invoice at once give one financing and one advance; an accept racing a dispute either
finances first (then the dispute is recorded) or is refused as disputed — never both."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection, transaction

from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.factoring import services
from apps.factoring.models import Financing
from apps.invoicing import services as invoicing
from apps.invoicing.models import Invoice
from apps.lending import services as lending
from apps.marketplace import services as marketplace
from apps.payments import services as payments
from apps.tenancy.models import Tenant
from tests.concurrency import race_each
from tests.conftest import PASSWORD, TenantSet
from tests.lending.app.conftest import LENDING_TABLES
from tests.marketplace.conftest import wipe_marketplace

from .conftest import make_product

PREFIX = "fk-cc-"
NAMES = [f"{PREFIX}{n}" for n in ("seller", "buyer", "officer")]


def wipe(tenant: Tenant) -> None:
    with tenant, transaction.atomic(), connection.cursor() as cursor:
        for table in (
            "factoring_financing",
            "factoring_factoringproduct",
            "core_event",
            "invoicing_invoiceline",
            "invoicing_invoice",
            *LENDING_TABLES,
        ):
            cursor.execute(f"DELETE FROM {table}")
    wipe_marketplace(tenant, NAMES)


@pytest.fixture
def race(tenants: TenantSet, committed: None) -> Iterator[dict[str, Any]]:
    wipe(tenants.a)
    with tenants.a:
        seller = create_user(username=NAMES[0], full_name="Penjual", roles=[Role.PEMILIK_UMKM], password=PASSWORD)
        buyer = create_user(username=NAMES[1], full_name="Pembeli", roles=[Role.WARGA], password=PASSWORD)
        officer = create_user(username=NAMES[2], full_name="Petugas", roles=[Role.PETUGAS_LKM], password=PASSWORD)
        shop = marketplace.open_shop(seller, name=f"{PREFIX}Katering", address="Jl. Mojorejo 1")
        lender = lending.open_lender(name=f"{PREFIX}BPR", kind="bpr", officers=[officer])
        products = [make_product(lender).pk, make_product(lender, name="Kedua", fee_bp=100).pk]
        invoices = [
            invoicing.issue_invoice(
                shop,
                seller,
                buyer_name="Toko Maju",
                buyer_user=buyer,
                lines=[{"description": "Nasi kotak", "quantity": "1", "unit": "paket", "unit_price": 1_000_000}],
            ).pk
            for _ in range(2)
        ]
    connection.set_schema_to_public()
    try:
        yield {"seller": seller, "buyer": buyer, "products": products, "invoices": invoices}
    finally:
        connection.set_schema_to_public()
        wipe(tenants.a)


def test_two_accepts_at_once_finance_once(tenants: TenantSet, race: dict[str, Any]) -> None:
    invoice_id = race["invoices"][0]

    def accept(product_id: int) -> str:
        services.do_accept_financing(invoice_id, race["seller"], product_id=product_id)
        return "financed"

    outcomes, errors = race_each(tenants.a, race["products"], accept)
    assert errors == [], errors
    assert outcomes == Counter({"financed": 1, "already_financed": 1}), outcomes
    with tenants.a:
        assert Financing.objects.filter(invoice_id=invoice_id).count() == 1
        assert payments.ensure_wallet(race["seller"]).balance == 600_000


def test_accept_racing_a_dispute(tenants: TenantSet, race: dict[str, Any]) -> None:
    invoice_id = race["invoices"][1]

    def act(job: str) -> str:
        if job == "accept":
            services.do_accept_financing(invoice_id, race["seller"], product_id=race["products"][0])
            return "financed"
        invoicing.set_dispute(invoice_id, race["buyer"], disputed=True, reason="Barang kurang")
        return "disputed_set"

    outcomes, errors = race_each(tenants.a, ["accept", "dispute"], act)
    assert errors == [], errors
    with tenants.a:
        invoice = Invoice.objects.get(pk=invoice_id)
        financed = Financing.objects.filter(invoice_id=invoice_id).exists()
        assert invoice.disputed
        if financed:
            assert outcomes == Counter({"financed": 1, "disputed_set": 1}), outcomes
        else:
            assert outcomes == Counter({"disputed": 1, "disputed_set": 1}), outcomes
            assert payments.ensure_wallet(race["seller"]).balance == 0
