"""Write-offs and recoveries in the KotaKitaPay ledger: a write-off moves the principal
outstanding loss -> receivable, a recovery moves wallet -> loss. At every step the lender's
receivable is minus the principal outstanding of its active loans, its loss account is minus
what was written off and not recovered, no wallet is negative and the ledger sums to zero."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import F, Sum

from apps.core.errors import Conflict, ValidationFailed
from apps.lending import services
from apps.lending.models import Lender, Loan, LoanStatus, LoanTransaction, TransactionKind
from apps.payments import services as pay
from apps.payments.models import Account, AccountKind, JournalEntry, Posting

from .conftest import START, World, balance, disbursed, fund, key, ledger_sum

pytestmark = pytest.mark.django_db

OFF_ON = START + dt.timedelta(days=200)


def assert_ledger_matches_book(lender: Lender) -> None:
    active = Loan.objects.filter(lender=lender, status=LoanStatus.ACTIVE)
    outstanding = active.aggregate(s=Sum("principal_outstanding"))["s"] or 0
    written_off = Loan.objects.filter(lender=lender, status=LoanStatus.WRITTEN_OFF)
    unrecovered = written_off.aggregate(s=Sum(F("written_off_amount") - F("recovered_amount")))["s"] or 0
    assert balance(lender.receivable_account) == -outstanding
    assert balance(lender.loss_account) == -unrecovered
    assert not Account.objects.filter(kind=AccountKind.WALLET, balance__lt=0).exists()
    assert ledger_sum() == 0


def ledger_state() -> tuple[object, ...]:
    return (
        JournalEntry.objects.count(),
        Posting.objects.count(),
        LoanTransaction.objects.count(),
        tuple(Account.objects.order_by("pk").values_list("balance", flat=True)),
    )


def test_open_lender_opens_its_loss_account(world: World) -> None:
    loss = world.lender.loss_account
    assert loss.kind == AccountKind.LOAN_LOSS
    assert loss.allow_negative is True
    assert loss.balance == 0
    assert loss.code.endswith(":loss")
    again = services.open_lender(name=world.lender.name, kind="bpr")
    assert again.pk == world.lender.pk and again.loss_account_id == loss.pk


def test_receivable_follows_the_loan_book_through_write_off_and_recovery(world: World) -> None:
    lender = world.lender
    assert_ledger_matches_book(lender)
    loan = disbursed(world, amount=1_200_000, tenor=3)
    other = disbursed(world, amount=600_000, tenor=3)  # stays active throughout
    assert_ledger_matches_book(lender)
    assert balance(lender.receivable_account) == -1_800_000

    services.repay(loan, 300_000, actor=world.sri, idempotency_key=key(), on_date=START + dt.timedelta(days=10))
    loan.refresh_from_db()
    assert 0 < loan.principal_outstanding < 1_200_000
    assert_ledger_matches_book(lender)
    left = loan.principal_outstanding

    services.write_off(loan, world.officer, reason="Usaha tutup", on_date=OFF_ON)
    loan.refresh_from_db()
    assert loan.status == LoanStatus.WRITTEN_OFF and loan.written_off_amount == left
    assert balance(lender.receivable_account) == -other.principal_outstanding
    assert balance(lender.loss_account) == -left
    assert_ledger_matches_book(lender)
    tx = LoanTransaction.objects.get(loan=loan, kind=TransactionKind.WRITE_OFF)
    [entry] = tx.entries.all()
    lines = {p.account_id: p.amount for p in entry.postings.all()}
    assert lines == {lender.loss_account_id: -left, lender.receivable_account_id: left}
    assert entry.idempotency_key == f"lending:writeoff:{loan.pk}"

    # Written off twice: nothing moves again.
    before = ledger_state()
    services.write_off(loan, world.officer, reason="Usaha tutup", on_date=OFF_ON)
    assert ledger_state() == before

    wallet_before = balance(loan.wallet)
    services.recover(loan, 200_000, actor=world.officer, idempotency_key=key())
    loan.refresh_from_db()
    assert loan.recovered_amount == 200_000
    assert balance(loan.wallet) == wallet_before - 200_000
    assert balance(lender.loss_account) == -(left - 200_000)
    assert balance(lender.receivable_account) == -other.principal_outstanding  # untouched by recoveries
    assert_ledger_matches_book(lender)

    # Above what is left to recover: refused, nothing moved.
    fund(world.sri, left)
    before = ledger_state()
    with pytest.raises(ValidationFailed) as exc:
        services.recover(loan, left - 200_000 + 1, actor=world.sri, idempotency_key=key())
    assert exc.value.code == "overpayment"
    assert ledger_state() == before

    # Exactly what is left: the loss is cleared; one rupiah more is refused.
    services.recover(loan, left - 200_000, actor=world.sri, idempotency_key=key())
    assert balance(lender.loss_account) == 0
    assert_ledger_matches_book(lender)
    before = ledger_state()
    with pytest.raises(ValidationFailed):
        services.recover(loan, 1, actor=world.sri, idempotency_key=key())
    assert ledger_state() == before


def test_recovery_never_overdraws_the_wallet_and_replays_on_its_key(world: World) -> None:
    loan = disbursed(world, amount=1_200_000, tenor=3)
    services.write_off(loan, world.officer, reason="Usaha tutup", on_date=OFF_ON)
    wallet = loan.wallet
    # Empty the borrower's wallet.
    sink = pay.ensure_wallet(world.joko)
    pay.transfer(wallet, sink, balance(wallet), idempotency_key=key())
    assert balance(wallet) == 0
    before = ledger_state()
    with pytest.raises(Conflict) as exc:
        services.recover(loan, 100_000, actor=world.officer, idempotency_key=key())
    assert exc.value.code == "insufficient_funds"
    assert ledger_state() == before
    loan.refresh_from_db()
    assert loan.recovered_amount == 0
    assert_ledger_matches_book(world.lender)

    fund(world.sri, 100_000)
    k = key()
    first = services.recover(loan, 100_000, actor=world.sri, idempotency_key=k)
    before = ledger_state()
    again = services.recover(loan, 100_000, actor=world.sri, idempotency_key=k)
    assert again.pk == first.pk
    assert ledger_state() == before
    assert balance(wallet) == 0
    assert_ledger_matches_book(world.lender)


def test_write_off_and_its_ledger_move_are_one_transaction(world: World) -> None:
    loan = disbursed(world, amount=1_200_000, tenor=3)
    loss = world.lender.loss_account
    loss.is_active = False  # a frozen account refuses the move
    loss.save()
    before = ledger_state()
    with pytest.raises(Conflict) as exc:
        services.write_off(loan, world.officer, reason="Usaha tutup", on_date=OFF_ON)
    assert exc.value.code == "account_frozen"
    assert ledger_state() == before
    loan.refresh_from_db()
    assert loan.status == LoanStatus.ACTIVE and loan.principal_outstanding == 1_200_000
    assert loan.written_off_amount == 0
    assert_ledger_matches_book(world.lender)

    loss.is_active = True
    loss.save()
    services.write_off(loan, world.officer, reason="Usaha tutup", on_date=OFF_ON)
    assert balance(world.lender.receivable_account) == 0
    assert balance(loss) == -1_200_000
    assert_ledger_matches_book(world.lender)
