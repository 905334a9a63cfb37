"""Lending fixtures in Kelurahan Mojorejo (tenant A): a BPR with an officer, a product, an UMKM
owner with a funded wallet, and helpers to walk an application to a disbursed loan."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.db import connection

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.lending import services
from apps.lending.models import Application, Lender, Loan, LoanProduct
from apps.payments import services as pay
from apps.payments.models import Account
from apps.tenancy.models import Tenant
from tests.factories.aid_lending import GOOD_FEATURES

START = dt.date(2026, 1, 15)
# Every lending table, children first (for wiping committed test data).
LENDING_TABLES = [
    "core_event",  # audit events (apps.core.audit)
    "lending_loantransaction_entries",
    "lending_loantransaction",
    "lending_instalment",
    "lending_loan",
    "lending_application",
    "lending_offer",
    "lending_creditassessment",
    "lending_creditmodelversion",
    "lending_loanproduct",
    "lending_lender_officers",
    "lending_lender",
]
# Plain UMKM features (a steady small shop): the scorecard gives an offer for these.
GOOD = GOOD_FEATURES


def key() -> str:
    return f"test-{uuid.uuid4().hex}"


def fund(user: User, amount: int) -> Account:
    wallet = pay.ensure_wallet(user)
    pay.top_up(wallet, amount, reference="test", idempotency_key=key())
    wallet.refresh_from_db()
    return wallet


def balance(account: Account) -> int:
    account.refresh_from_db()
    return account.balance


def ledger_sum() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(SUM(amount), 0) FROM payments_posting")
        return int(cursor.fetchone()[0])


@dataclass
class World:
    lender: Lender
    product: LoanProduct
    flat: LoanProduct
    officer: User
    sri: User
    joko: User  # a warga, not an UMKM owner
    other_officer: User  # an officer of another lender


def make_world(prefix: str = "") -> World:
    officer = create_user(username=f"{prefix}petugas", full_name="Hendra", roles=[Role.PETUGAS_LKM], password="x")
    other = create_user(username=f"{prefix}petugas2", full_name="Lain", roles=[Role.PETUGAS_LKM], password="x")
    sri = create_user(username=f"{prefix}sri", full_name="Sri Rahayu", roles=[Role.PEMILIK_UMKM], password="x")
    joko = create_user(username=f"{prefix}joko", full_name="Joko", roles=[Role.WARGA], password="x")
    lender = services.open_lender(name=f"{prefix}BPR Uji", kind="bpr", officers=[officer])
    services.open_lender(name=f"{prefix}Koperasi Lain", kind="koperasi", officers=[other])
    product = services.create_product(
        lender,
        services.ProductTerms(
            name="Modal Usaha",
            min_amount=500_000,
            max_amount=50_000_000,
            min_tenor_months=1,
            max_tenor_months=24,
            annual_rate="18",
            disbursement_fee_percent="1",
            penalty_percent="2",
            penalty_grace_days=3,
        ),
    )
    flat = services.create_product(
        lender,
        services.ProductTerms(
            name="Modal Flat",
            min_amount=500_000,
            max_amount=10_000_000,
            min_tenor_months=3,
            max_tenor_months=12,
            annual_rate="12",
            interest_method="FLAT",
        ),
    )
    return World(lender, product, flat, officer, sri, joko, other)


@pytest.fixture
def in_a(tenant_a: Tenant, db: None) -> Iterator[Tenant]:
    with tenant_a:
        yield tenant_a


@pytest.fixture
def world(in_a: Tenant) -> World:
    return make_world()


def submit(world: World, amount: int = 1_200_000, tenor: int = 3, product: LoanProduct | None = None) -> Application:
    return services.apply(
        world.sri,
        product or world.product,
        amount=amount,
        tenor_months=tenor,
        idempotency_key=key(),
        features=GOOD,
        as_of=START,
    )


def disbursed(
    world: World,
    amount: int = 1_200_000,
    tenor: int = 3,
    product: LoanProduct | None = None,
    on: dt.date = START,
) -> Loan:
    application = submit(world, amount, tenor, product)
    services.approve(application, world.officer, reason="usaha lancar")
    return services.disburse(application, world.officer, on_date=on)
