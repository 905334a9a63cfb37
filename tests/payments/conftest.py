"""KotaKitaPay fixtures: people in Kelurahan Mojorejo (tenant A) and ledger helpers."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.db import connection, transaction

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.payments import services
from apps.payments.models import Account, JournalEntry
from apps.sandbox.models import SandboxTransaction
from apps.tenancy.models import Tenant
from tests import factories as f
from tests.ledger_guard import ledger_triggers_off

PAYMENT_TABLES = [
    "payments_gatewaynotification",
    "payments_reconciliationmismatch",
    "payments_reconciliationrun",
    "payments_gatewaycharge",
    "payments_paymentrequest",
    "payments_posting",
    "payments_journalentry",
    "payments_account",
]


@dataclass
class People:
    joko: User
    sri: User
    andi: User
    joko_wallet: Account
    andi_wallet: Account
    shop: Account


def make_people(prefix: str = "") -> People:
    joko = f.person(Role.WARGA, username=f"{prefix}joko", full_name="Joko Santoso")
    sri = f.person(Role.PEMILIK_UMKM, username=f"{prefix}sri", full_name="Sri Rahayu")
    andi = f.person(Role.WARGA, username=f"{prefix}andi", full_name="Andi")
    return People(
        joko=joko,
        sri=sri,
        andi=andi,
        joko_wallet=f.WalletFactory(owner=joko),
        andi_wallet=f.WalletFactory(owner=andi),
        shop=f.MerchantAccountFactory(owner=sri, name="Pecel Madiun Bu Sri"),
    )


@pytest.fixture
def in_a(tenant_a: Tenant, db: None) -> Iterator[Tenant]:
    """Run the test body inside Kelurahan Mojorejo's schema (rolled back afterwards)."""
    with tenant_a:
        yield tenant_a


@pytest.fixture
def people(in_a: Tenant) -> People:
    return make_people()


def key() -> str:
    return f"test-{uuid.uuid4().hex}"


def fund(account: Account, amount: int) -> JournalEntry:
    return services.top_up(account, amount, reference="test", idempotency_key=key())


def balances() -> dict[str, int]:
    return dict(Account.objects.values_list("code", "balance"))


def check_deferred_now() -> None:
    """Fire every deferred constraint now (inside a test's never-committed transaction)."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def wipe_payments(tenant: Tenant, usernames: list[str]) -> None:
    """Remove committed payments data and the given users from a tenant (tests only).

    The ledger refuses DELETE by trigger: triggers are off for this one transaction
    (tests/ledger_guard.py, PostgreSQL and Citus).
    """
    with tenant, transaction.atomic(), connection.cursor() as cursor:
        with ledger_triggers_off(cursor, PAYMENT_TABLES):
            for table in PAYMENT_TABLES:
                cursor.execute(f"DELETE FROM {table}")
        SandboxTransaction.objects.all().delete()  # this tenant's sandbox gateway book (public table)
        users = User.objects.filter(username__in=usernames)
        for user in users:
            user.groups.clear()
        cursor.execute(  # questions asked after a completed service (apps.feedback)
            "DELETE FROM feedback_prompt WHERE user_id IN (SELECT id FROM accounts_user WHERE username = ANY(%s))",
            [usernames],
        )
        cursor.execute("DELETE FROM accounts_user WHERE username = ANY(%s)", [usernames])
