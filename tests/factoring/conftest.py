"""Factoring fixtures (tenant A, Mojorejo): the invoicing world (Katering Pak Budi, umkm_b, sells
to pak Joko, a warga), a BPR with an officer and a factoring product (80% advance, 2% flat),
another lender's officer, and helpers to pay an invoice bill from a wallet and record it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.factoring.models import FactoringProduct
from apps.invoicing import services as invoicing
from apps.invoicing.models import Invoice
from apps.lending import services as lending
from apps.lending.models import Lender
from apps.payments import services as payments
from apps.tenancy.models import Tenant
from tests.invoicing.conftest import World as InvoiceWorld
from tests.invoicing.conftest import fund, key, make_world, manual


@dataclass
class World:
    inv: InvoiceWorld
    lender: Lender
    product: FactoringProduct
    officer: User
    other_officer: User

    @property
    def seller(self) -> User:
        return self.inv.people.umkm_b

    @property
    def buyer(self) -> User:
        return self.inv.people.warga


def make_product(lender: Lender, **overrides: Any) -> FactoringProduct:
    values: dict[str, Any] = {
        "name": "Anjak Piutang",
        "advance_percent": 80,
        "fee_basis": "flat",
        "fee_bp": 200,
        "limit_per_seller": 50_000_000,
        "limit_per_buyer": 50_000_000,
        "grace_days": 30,
    }
    values.update(overrides)
    return FactoringProduct.objects.create(lender=lender, **values)


def make_factoring_world(prefix: str = "") -> World:
    inv = make_world(prefix)
    officer = create_user(username=f"{prefix}fk-petugas", full_name="Hendra", roles=[Role.PETUGAS_LKM], password="x")
    other = create_user(username=f"{prefix}fk-petugas2", full_name="Lain", roles=[Role.PETUGAS_LKM], password="x")
    lender = lending.open_lender(name=f"{prefix}BPR Uji Faktur", kind="bpr", officers=[officer])
    lending.open_lender(name=f"{prefix}Koperasi Lain Faktur", kind="koperasi", officers=[other])
    return World(inv, lender, make_product(lender), officer, other)


@pytest.fixture
def world(tenant_a: Tenant, db: None) -> Iterator[World]:
    with tenant_a:
        yield make_factoring_world()


def invoice_for(world: World, amount: int = 1_000_000) -> Invoice:
    """An invoice of `amount` (one line, no PPN) from Katering Pak Budi to pak Joko."""
    return manual(world.inv, ("Nasi kotak", "1", amount))


def pay(world: World, invoice: Invoice, amount: int | None = None) -> int:
    """Pak Joko pays `amount` (default all that is open) from his wallet; the payment is
    recorded as the task would. Returns the bill id."""
    bill = invoicing.request_payment(invoice.pk, world.buyer, amount=amount)
    fund(world.buyer, bill.amount)
    payments.pay_request_with_wallet(bill, world.buyer, idempotency_key=key())
    invoicing.record_payment(bill.pk)
    return bill.pk


__all__ = ["World", "fund", "invoice_for", "key", "make_factoring_world", "make_product", "pay"]
