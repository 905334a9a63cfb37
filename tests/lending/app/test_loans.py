"""The loan life cycle through the services: apply, decide, disburse, repay, arrears, close,
write off, recover; bad input refused with nothing changed; the ledger always balanced."""

from __future__ import annotations

import datetime as dt

import pytest

from apps.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from apps.lending import services
from apps.lending.models import (
    Application,
    ApplicationStatus,
    Instalment,
    Loan,
    LoanEvent,
    LoanStatus,
    LoanTransaction,
    TransactionKind,
)
from apps.lending.schedule import add_months
from apps.payments import services as pay
from apps.payments.models import JournalEntry

from .conftest import GOOD, START, World, balance, disbursed, fund, key, ledger_sum, submit

pytestmark = pytest.mark.django_db


def snapshot() -> tuple[int, ...]:
    return (
        Application.objects.count(),
        Loan.objects.count(),
        Instalment.objects.count(),
        LoanTransaction.objects.count(),
        LoanEvent.objects.count(),
        JournalEntry.objects.count(),
    )


def test_application_is_scored_by_the_scorecard_and_says_so(world: World) -> None:
    application = submit(world)
    assessment = application.assessment
    assert assessment.method == "scorecard"
    assert "kartu skor aturan" in assessment.note
    assert "0 hasil pelunasan" in assessment.note
    assert 0 < assessment.pd < 1 and assessment.band in "ABCDE"
    assert assessment.score is not None
    assert assessment.contributions and {"feature", "contribution", "points"} <= set(assessment.contributions[0])
    assert assessment.reasons and assessment.applicant_text.startswith("Hasil penilaian")
    assert LoanEvent.objects.filter(application=application, kind="application_submitted", actor=world.sri).exists()


def test_approve_and_disburse_moves_money_through_the_ledger(world: World) -> None:
    loan = disbursed(world, amount=1_200_000, tenor=3)
    wallet = loan.wallet
    assert loan.disbursement_fee == 12_000  # 1% provisi
    assert balance(wallet) == 1_200_000 - 12_000
    assert balance(world.lender.receivable_account) == -1_200_000
    assert balance(world.lender.income_account) == 12_000
    assert ledger_sum() == 0
    rows = list(loan.instalments.order_by("number"))
    assert [r.number for r in rows] == [1, 2, 3]
    assert sum(r.principal for r in rows) == 1_200_000
    assert [r.due_date for r in rows] == [add_months(START, n) for n in (1, 2, 3)]
    assert loan.application.status == ApplicationStatus.DISBURSED
    kinds = list(LoanEvent.objects.filter(lender=world.lender).values_list("action", flat=True))
    assert kinds[-3:] == ["application_submitted", "application_approved", "loan_disbursed"]
    assert LoanEvent.objects.get(kind="loan_disbursed").actor == world.officer


@pytest.mark.parametrize(
    ("amount", "tenor", "code"),
    [
        (1_000_000, 0, "out_of_range"),
        (-5_000, 3, "negative_amount"),
        (100_000, 3, "amount_out_of_range"),
        (60_000_000, 3, "amount_out_of_range"),
        (1_000_000, 36, "tenor_out_of_range"),
        ("satu juta", 3, "invalid_amount"),
        ("1.500,50", 3, "invalid_amount"),  # Rp1.500 and 50 sen, never Rp150.050
        ("1.500.000,50", 3, "invalid_amount"),
        ("1500000.50", 3, "invalid_amount"),
    ],
)
def test_bad_terms_are_refused_and_change_nothing(world: World, amount: object, tenor: object, code: str) -> None:
    before = snapshot()
    with pytest.raises(ValidationFailed) as exc:
        services.apply(
            world.sri, world.product, amount=amount, tenor_months=tenor, idempotency_key=key(), features=GOOD
        )
    assert exc.value.code == code
    assert snapshot() == before


def test_only_umkm_owners_apply(world: World) -> None:
    with pytest.raises(Forbidden):
        services.apply(
            world.joko, world.product, amount=1_000_000, tenor_months=3, idempotency_key=key(), features=GOOD
        )


def test_only_the_lenders_officers_decide_never_the_applicant(world: World) -> None:
    application = submit(world)
    before = snapshot()
    with pytest.raises(Conflict) as own:
        services.approve(application, world.sri)
    assert own.value.code == "own_application"
    with pytest.raises(Forbidden):
        services.approve(application, world.other_officer)
    with pytest.raises(Forbidden):
        services.approve(application, world.joko)
    # An officer who applies to their own lender still cannot approve themselves.
    world.officer.groups.add(*world.sri.groups.all())
    own_app = services.apply(
        world.officer, world.product, amount=1_000_000, tenor_months=3, idempotency_key=key(), features=GOOD
    )
    with pytest.raises(Conflict):
        services.approve(own_app, world.officer)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert snapshot()[1:3] == before[1:3]


def test_reject_needs_a_reason_and_is_final(world: World) -> None:
    application = submit(world)
    with pytest.raises(ValidationFailed):
        services.reject(application, world.officer, reason="  ")
    services.reject(application, world.officer, reason="Omzet belum cukup")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REJECTED
    assert application.decision_reason == "Omzet belum cukup"
    refusals = [
        (
            lambda: services.approve(application, world.officer),
            "wrong_status",
            "Pengajuan berstatus Ditolak, tidak dapat disetujui.",
        ),
        (
            lambda: services.withdraw(application, world.sri),
            "wrong_status",
            "Pengajuan ini tidak dapat dibatalkan lagi.",
        ),
        (
            lambda: services.disburse(application, world.officer),
            "not_approved",
            "Pengajuan harus disetujui sebelum dicairkan.",
        ),
    ]
    for call, code, message in refusals:
        with pytest.raises(Conflict) as caught:
            call()
        assert (caught.value.code, str(caught.value)) == (code, message)
    application.status = ApplicationStatus.WITHDRAWN
    application.save(update_fields=["status"])
    with pytest.raises(Conflict) as caught:
        services.reject(application, world.officer, reason="Terlambat")
    assert (caught.value.code, str(caught.value)) == (
        "wrong_status",
        "Pengajuan berstatus Dibatalkan pemohon, tidak dapat ditolak.",
    )


def test_second_disbursement_is_a_conflict_and_moves_nothing(world: World) -> None:
    loan = disbursed(world)
    before = snapshot(), balance(loan.wallet)
    with pytest.raises(Conflict) as exc:
        services.disburse(loan.application, world.officer)
    assert exc.value.code == "already_disbursed"
    assert (snapshot(), balance(loan.wallet)) == before


def test_disbursement_needs_approval(world: World) -> None:
    application = submit(world)
    with pytest.raises(Conflict) as exc:
        services.disburse(application, world.officer)
    assert exc.value.code == "not_approved"


def test_same_key_returns_the_same_application_and_one_pending_at_a_time(world: World) -> None:
    k = key()
    first = services.apply(world.sri, world.product, amount=1_000_000, tenor_months=3, idempotency_key=k, features=GOOD)
    again = services.apply(world.sri, world.product, amount=1_000_000, tenor_months=3, idempotency_key=k, features=GOOD)
    assert first.pk == again.pk
    with pytest.raises(Conflict) as exc:
        submit(world)
    assert exc.value.code == "application_pending"


def test_repayment_allocates_penalty_then_interest_then_principal(world: World) -> None:
    loan = disbursed(world, amount=1_200_000, tenor=3)
    first = loan.instalments.get(number=1)
    late = first.due_date + dt.timedelta(days=10)
    charged = services.charge_penalties(loan, late)
    first.refresh_from_db()
    assert charged == first.penalty == round((first.principal + first.interest) * 0.02)
    assert services.charge_penalties(loan, late + dt.timedelta(days=1)) == 0  # once per instalment
    pay_now = first.penalty + first.interest + 1_000
    tx = services.repay(loan, pay_now, actor=world.sri, idempotency_key=key(), on_date=late)
    assert (tx.penalty, tx.interest, tx.principal) == (first.penalty, first.interest, 1_000)
    first.refresh_from_db()
    assert first.paid_principal == 1_000 and first.paid_on is None
    loan.refresh_from_db()
    assert loan.principal_outstanding == 1_200_000 - 1_000
    assert loan.days_past_due == 10 and loan.bucket == "1-30"
    assert ledger_sum() == 0


def test_repayment_key_is_idempotent_and_wallet_must_hold_it(world: World) -> None:
    loan = disbursed(world)
    due = loan.instalments.get(number=1)
    k = key()
    on = due.due_date
    tx = services.repay(loan, due.total, actor=world.sri, idempotency_key=k, on_date=on)
    again = services.repay(loan, due.total, actor=world.sri, idempotency_key=k, on_date=on)
    assert tx.pk == again.pk
    with pytest.raises(Conflict):
        services.repay(loan, due.total + 1, actor=world.sri, idempotency_key=k, on_date=on)
    pay.transfer(loan.wallet, pay.ensure_wallet(world.joko), balance(loan.wallet) - 500, idempotency_key=key())
    before = snapshot(), balance(loan.wallet)
    with pytest.raises(Conflict) as exc:
        services.repay(loan, 1_000, actor=world.sri, idempotency_key=key(), on_date=on)
    assert exc.value.code == "insufficient_funds"
    assert (snapshot(), balance(loan.wallet)) == before
    with pytest.raises(NotFound):
        services.repay(loan, 1_000, actor=world.joko, idempotency_key=key(), on_date=on)


def test_partial_prepayment_reschedules_and_payoff_closes(world: World) -> None:
    loan = disbursed(world, amount=3_000_000, tenor=6)
    fund(world.sri, 5_000_000)
    first = loan.instalments.get(number=1)
    old_second = loan.instalments.get(number=2).total
    tx = services.repay(loan, first.total + 1_000_000, actor=world.sri, idempotency_key=key(), on_date=first.due_date)
    assert tx.kind == TransactionKind.PREPAYMENT and tx.prepaid == 1_000_000 and tx.after_instalment == 1
    loan.refresh_from_db()
    rows = list(loan.instalments.order_by("number"))
    assert len(rows) == 6 and rows[-1].due_date == add_months(START, 6)  # same end date
    assert rows[1].total < old_second  # smaller instalments
    assert sum(r.principal for r in rows[1:]) == loan.principal_outstanding == 3_000_000 - first.principal - 1_000_000
    # Paying more than what closes the loan is refused, with the exact payoff in the message.
    quote = services.payoff_quote(loan, first.due_date)
    assert quote == loan.principal_outstanding
    before = snapshot()
    with pytest.raises(ValidationFailed) as exc:
        services.repay(loan, quote + 1, actor=world.sri, idempotency_key=key(), on_date=first.due_date)
    assert exc.value.code == "overpayment" and exc.value.details["payoff"] == quote
    assert snapshot() == before
    services.repay(loan, quote, actor=world.sri, idempotency_key=key(), on_date=first.due_date)
    loan.refresh_from_db()
    assert loan.status == LoanStatus.CLOSED and loan.principal_outstanding == 0
    assert loan.instalments.count() == 1
    assert balance(world.lender.receivable_account) == 0
    assert ledger_sum() == 0


def test_flat_loan_schedule_and_full_repayment(world: World) -> None:
    loan = disbursed(world, amount=1_000_000, tenor=3, product=world.flat)
    rows = list(loan.instalments.order_by("number"))
    assert [r.principal for r in rows] == [333_333, 333_333, 333_334]
    assert [r.interest for r in rows] == [10_000, 10_000, 10_000]  # 1%/month on the original principal
    fund(world.sri, 100_000)
    for row in rows:
        services.repay(loan, row.total, actor=world.sri, idempotency_key=key(), on_date=row.due_date)
    loan.refresh_from_db()
    assert loan.status == LoanStatus.CLOSED
    assert balance(world.lender.income_account) == 30_000
    with pytest.raises(Conflict) as caught:
        services.write_off(loan, world.officer, reason="Usaha tutup")
    assert (caught.value.code, str(caught.value)) == (
        "loan_not_active",
        "Hanya pinjaman berjalan yang dapat dihapusbukukan.",
    )


def test_write_off_then_recovery(world: World) -> None:
    loan = disbursed(world, amount=1_200_000, tenor=3)
    with pytest.raises(Forbidden):
        services.write_off(loan, world.sri, reason="x")
    with pytest.raises(ValidationFailed):
        services.write_off(loan, world.officer, reason="")
    with pytest.raises(Conflict) as caught:
        services.recover(loan, 1_000, actor=world.officer, idempotency_key=key())
    assert (caught.value.code, str(caught.value)) == (
        "not_written_off",
        "Pemulihan hanya untuk pinjaman yang dihapusbukukan.",
    )
    services.write_off(loan, world.officer, reason="Usaha tutup", on_date=START + dt.timedelta(days=200))
    loan.refresh_from_db()
    assert loan.status == LoanStatus.WRITTEN_OFF and loan.written_off_amount == 1_200_000
    assert loan.principal_outstanding == 0
    with pytest.raises(ValidationFailed):
        services.recover(loan, 1_200_001, actor=world.officer, idempotency_key=key())
    services.recover(loan, 500_000, actor=world.officer, idempotency_key=key())
    loan.refresh_from_db()
    assert loan.recovered_amount == 500_000
    # The written-off principal left the receivable; the recovery reduces the credit loss.
    assert balance(world.lender.receivable_account) == 0
    assert balance(world.lender.loss_account) == -700_000
    with pytest.raises(Conflict) as caught:
        services.repay(loan, 1_000, actor=world.sri, idempotency_key=key())
    assert (caught.value.code, str(caught.value)) == ("loan_not_active", "Pinjaman ini tidak sedang berjalan.")
