"""Real threads, real connections: racing disbursements of one application disburse once;
racing auto-debits and repayments of one loan pay the instalment once (the later repayment
prepays principal), the wallet never goes negative and the ledger stays balanced."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from django.db import connection, transaction

from apps.accounts.models import User
from apps.lending import services
from apps.lending.models import Loan, LoanTransaction
from apps.payments.models import Account, JournalEntry
from apps.payments.reconciliation import unbalanced_entries, verify_balances
from tests.concurrency import race
from tests.conftest import TenantSet
from tests.payments.conftest import wipe_payments

from .conftest import LENDING_TABLES, World, make_world, submit

PREFIX = "conc-lend-"
USERNAMES = [f"{PREFIX}{name}" for name in ("petugas", "petugas2", "sri", "joko")]


def _wipe(tenants: TenantSet) -> None:
    connection.set_schema_to_public()
    with tenants.a, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        for table in LENDING_TABLES:
            cursor.execute(f"DELETE FROM {table}")
        ids = list(User.objects.filter(username__in=USERNAMES).values_list("pk", flat=True)) or [0]
        cursor.execute("DELETE FROM notifications_message WHERE recipient_id = ANY(%s)", [ids])
        cursor.execute("DELETE FROM feedback_prompt WHERE user_id = ANY(%s)", [ids])  # asked on disbursement
    wipe_payments(tenants.a, USERNAMES)
    connection.set_schema_to_public()


@pytest.fixture
def committed_world(tenants: TenantSet, committed: None) -> Iterator[World]:
    _wipe(tenants)
    with tenants.a:
        world = make_world(prefix=PREFIX)
    connection.set_schema_to_public()
    try:
        yield world
    finally:
        _wipe(tenants)


def test_racing_disbursements_disburse_once(committed_world: World, tenants: TenantSet) -> None:
    w = committed_world
    with tenants.a:
        application = submit(w)
        services.approve(application, w.officer)
    connection.set_schema_to_public()

    def disburse() -> str:
        services.disburse(application, w.officer)
        return "ok"

    outcomes, errors = race(tenants.a, [disburse] * 4)
    assert not errors, errors
    assert outcomes == Counter({"ok": 1, "already_disbursed": 3})
    with tenants.a:
        loan = Loan.objects.get(application=application)
        wallet = Account.objects.get(pk=loan.wallet_id)
        assert wallet.balance == loan.principal - loan.disbursement_fee
        assert JournalEntry.objects.filter(reference=f"pinjaman-{loan.pk}").count() == 2
        assert not unbalanced_entries() and not verify_balances()
    connection.set_schema_to_public()


def test_racing_auto_debit_and_repayment_never_overdraw(committed_world: World, tenants: TenantSet) -> None:
    w = committed_world
    with tenants.a:
        application = submit(w)
        services.approve(application, w.officer)
        loan = services.disburse(application, w.officer)
        first = loan.instalments.get(number=1)
        day = first.due_date
        amount = first.total
    connection.set_schema_to_public()

    def debit() -> str:
        tx = services.auto_debit(loan, day)
        return "debited" if tx is not None and tx.amount else "nothing"

    def repay() -> str:
        services.repay(loan, amount, actor=w.sri, idempotency_key=f"{PREFIX}repay", on_date=day)
        return "repaid"

    outcomes, errors = race(tenants.a, [debit, debit, repay, repay])
    assert not errors, errors
    with tenants.a:
        loan.refresh_from_db()
        first.refresh_from_db()
        assert first.unpaid == 0 and first.paid == amount  # paid once (whoever came first)
        moves = LoanTransaction.objects.filter(loan=loan).exclude(kind="disbursement")
        assert moves.filter(kind="auto_debit", amount__gt=0).count() <= 1  # once per loan and day
        assert moves.filter(idempotency_key=f"{PREFIX}repay").count() == 1  # the key: once
        # Whatever came second went to principal early; the books agree with the rows.
        assert loan.principal_outstanding == loan.principal - sum(t.principal for t in moves)
        assert Account.objects.get(pk=loan.wallet_id).balance >= 0
        assert not unbalanced_entries() and not verify_balances()
    connection.set_schema_to_public()
    assert sum(outcomes.values()) == 4
