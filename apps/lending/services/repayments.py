"""Schedules and repayments: current schedule, allocation, payoff quotes, repay and standing instructions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.errors import Conflict, NotFound, ValidationFailed
from apps.payments.models import Account

from .. import schedule as sched
from ..models import (
    Instalment,
    Loan,
    LoanStatus,
    LoanTransaction,
    TransactionKind,
)
from ..workflow import LOAN
from ._common import (
    _allocate,
    _event,
    _instalment_rows,
    _lock_loan,
    _maybe_close,
    _post_repayment,
    _refused,
    _replay,
    clean_key,
    clean_rupiah,
    is_officer,
    rupiah,
    schedule_error,
    today,
)
from .products import loan_terms


def current_schedule(loan: Loan) -> sched.Schedule:
    """The loan's schedule as it stands: built from its terms, with every prepayment replayed."""
    product = loan.product
    fees = loan_terms(product, loan.principal, loan.tenor_months, loan.annual_rate).fees
    terms = sched.LoanTerms(
        principal=loan.principal,
        annual_rate=Decimal(loan.annual_rate),
        tenor_months=loan.tenor_months,
        interest_method=sched.InterestMethod(loan.interest_method),
        amortization=sched.Amortization(loan.amortization),
        grace_principal_months=loan.grace_principal_months,
        grace_interest_months=loan.grace_interest_months,
        fees=fees,
        disbursed_on=loan.disbursed_on,
    )
    schedule = sched.build_schedule(terms)
    for tx in loan.transactions.filter(prepaid__gt=0).order_by("id"):
        assert tx.after_instalment is not None
        schedule = sched.prepay(schedule, tx.after_instalment, tx.prepaid)
    return schedule


def due_amount(loan: Loan, on_date: dt.date) -> int:
    return sum(i.unpaid for i in loan.instalments.all() if i.due_date <= on_date)


def payoff_quote(loan: Loan, on_date: dt.date | None = None) -> int:
    """What closes the loan today: everything due plus the schedule's payoff after it."""
    on_date = on_date or today()
    if loan.status != LoanStatus.ACTIVE:
        return 0
    instalments = list(loan.instalments.all())
    k = sum(1 for i in instalments if i.due_date <= on_date)
    due = sum(i.unpaid for i in instalments if i.due_date <= on_date)
    schedule = current_schedule(loan)
    if schedule.outstanding_after(k) == 0:
        return due
    return due + sched.payoff_amount(schedule, k)


@transaction.atomic
def repay(
    loan: Loan,
    amount: Any,
    *,
    actor: User,
    idempotency_key: str,
    on_date: dt.date | None = None,
) -> LoanTransaction:
    """A repayment from the borrower's wallet: due instalments first, the rest prepays principal."""
    key = clean_key(idempotency_key)
    amount = clean_rupiah(amount, field="amount")
    loan = _lock_loan(loan)
    if actor.pk != loan.borrower_id and not is_officer(actor, loan.lender):
        raise NotFound(_("Pinjaman tidak ditemukan."))
    if (replay := _replay(key, loan, amount)) is not None:
        return replay
    LOAN.require(loan.status, "repay", _refused(_("Pinjaman ini tidak sedang berjalan."), "loan_not_active"))
    on_date = on_date or today()
    instalments = list(loan.instalments.select_for_update().order_by("number"))
    alloc, touched = _allocate(instalments, amount, on_date)
    left = amount - alloc.total
    prepaid, after, new_rows = 0, None, None
    if left:
        k = sum(1 for i in instalments if i.due_date <= on_date)
        schedule = current_schedule(loan)
        try:
            payoff = sched.payoff_amount(schedule, k)
            if left > payoff:
                raise sched.ScheduleError("overpayment", "overpayment", field="amount")
            new_schedule = sched.prepay(schedule, k, left)
        except sched.ScheduleError as exc:
            if exc.code in ("overpayment", "incomplete_payoff", "loan_closed"):
                quote = alloc.total + (sched.payoff_amount(schedule, k) if exc.code != "loan_closed" else 0)
                raise ValidationFailed(
                    _("Jumlah melebihi sisa kewajiban. Untuk melunasi, bayar tepat %(quote)s.")
                    % {"quote": rupiah(quote)},
                    code="overpayment",
                    field="amount",
                    payoff=quote,
                ) from None
            raise schedule_error(exc) from exc
        last = new_schedule.prepayments[-1]
        alloc.principal += last.principal
        alloc.interest += last.interest
        prepaid, after = left, k
        new_rows = [i for i in new_schedule.instalments if i.number > k]
    wallet = Account.objects.get(pk=loan.wallet_id)
    if wallet.balance < amount:
        raise Conflict(
            _("Saldo dompet tidak cukup: ada %(balance)s, dibutuhkan %(amount)s.")
            % {"balance": rupiah(wallet.balance), "amount": rupiah(amount)},
            code="insufficient_funds",
        )
    for inst in touched:
        inst.save(update_fields=["paid_principal", "paid_interest", "paid_fee", "paid_penalty", "paid_on"])
    if after is not None:
        loan.instalments.filter(number__gt=after).delete()
        Instalment.objects.bulk_create(_instalment_rows(loan, new_rows or []))
    loan.principal_outstanding -= alloc.principal
    loan.save(update_fields=["principal_outstanding"])
    kind = TransactionKind.PREPAYMENT if prepaid else TransactionKind.REPAYMENT
    tx = LoanTransaction.objects.create(
        loan=loan,
        kind=kind,
        on_date=on_date,
        amount=amount,
        principal=alloc.principal,
        interest=alloc.interest,
        fee=alloc.fee,
        penalty=alloc.penalty,
        prepaid=prepaid,
        after_instalment=after,
        idempotency_key=key,
        actor=actor,
    )
    tx.entries.set(
        _post_repayment(loan, alloc, key=key, actor=actor, memo=_("Angsuran pinjaman #%(id)s") % {"id": loan.pk})
    )
    _event(
        loan.lender,
        "repayment",
        _("Pembayaran %(amount)s: pokok %(p)s, bunga %(i)s, biaya %(f)s, denda %(d)s.")
        % {
            "amount": rupiah(amount),
            "p": rupiah(alloc.principal),
            "i": rupiah(alloc.interest),
            "f": rupiah(alloc.fee),
            "d": rupiah(alloc.penalty),
        },
        actor=actor,
        loan=loan,
        transaction=tx.pk,
        prepaid=prepaid,
    )
    _maybe_close(loan, on_date, actor)
    update_arrears(loan, on_date)
    return tx


@transaction.atomic
def set_standing_instruction(loan: Loan, borrower: User, *, active: bool) -> Loan:
    loan = _lock_loan(loan)
    if loan.borrower_id != borrower.pk:
        raise NotFound(_("Pinjaman tidak ditemukan."))
    if loan.standing_instruction != active:
        loan.standing_instruction = active
        loan.save(update_fields=["standing_instruction"])
        _event(
            loan.lender,
            "standing_instruction",
            _("Potong otomatis dinyalakan.") if active else _("Potong otomatis dimatikan."),
            actor=borrower,
            loan=loan,
            active=active,
        )
    return loan


@transaction.atomic
def update_arrears(loan: Loan, as_of: dt.date) -> Loan:
    """Days past due of the oldest unpaid instalment (beyond the tolerance) and its bucket."""
    loan = _lock_loan(loan)
    if loan.status != LoanStatus.ACTIVE:
        return loan
    tolerance = int(getattr(settings, "LENDING_ARREARS_TOLERANCE", 0))
    oldest = loan.instalments.filter(due_date__lt=as_of, paid_on__isnull=True).order_by("number").first()
    days = (as_of - oldest.due_date).days if oldest is not None and oldest.unpaid > tolerance else 0
    bucket = sched.delinquency_bucket(days).value
    changed = bucket != loan.bucket
    previous = loan.bucket
    loan.days_past_due = days
    loan.bucket = bucket
    loan.max_days_past_due = max(loan.max_days_past_due, days)
    loan.save(update_fields=["days_past_due", "bucket", "max_days_past_due"])
    if changed:
        _event(
            loan.lender,
            "bucket_changed",
            _("Kelompok tunggakan %(old)s → %(new)s hari.") % {"old": previous, "new": bucket},
            loan=loan,
            days_past_due=days,
            as_of=as_of,
        )
    return loan
