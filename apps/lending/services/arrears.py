"""Arrears and the nightly run: penalties, auto-debit, arrears days, write-off, recovery, expiring offers."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.errors import NotFound, ValidationFailed
from apps.payments import services as payments
from apps.payments.models import Account

from ..models import (
    Loan,
    LoanStatus,
    LoanTransaction,
    Offer,
    OfferStatus,
    TransactionKind,
)
from ..workflow import LOAN
from ._common import (
    _allocate,
    _event,
    _lock_loan,
    _maybe_close,
    _notify,
    _post_repayment,
    _reason,
    _refused,
    _replay,
    clean_key,
    clean_rupiah,
    is_officer,
    require_officer,
    rupiah,
    today,
)
from .repayments import due_amount, update_arrears


@transaction.atomic
def charge_penalties(loan: Loan, as_of: dt.date) -> int:
    """Fineract's overdue-instalment charge, once per instalment. Returns rupiah charged now."""
    loan = _lock_loan(loan)
    pct = Decimal(loan.product.penalty_percent)
    if loan.status != LoanStatus.ACTIVE or pct <= 0:
        return 0
    charged = 0
    cutoff = as_of - dt.timedelta(days=loan.product.penalty_grace_days)
    for inst in loan.instalments.select_for_update().filter(
        due_date__lt=cutoff, paid_on__isnull=True, penalty_charged_on__isnull=True
    ):
        penalty = int((Decimal(inst.unpaid) * pct / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        inst.penalty_charged_on = as_of
        inst.penalty = penalty
        inst.save(update_fields=["penalty", "penalty_charged_on"])
        if penalty:
            LoanTransaction.objects.create(
                loan=loan,
                kind=TransactionKind.PENALTY,
                on_date=as_of,
                amount=penalty,
                penalty=penalty,
                idempotency_key=f"lending:penalty:{inst.pk}",
            )
            _event(
                loan.lender,
                "penalty_charged",
                _("Denda %(amount)s untuk angsuran ke-%(n)s.") % {"amount": rupiah(penalty), "n": inst.number},
                loan=loan,
                instalment=inst.number,
            )
            charged += penalty
    return charged


@transaction.atomic
def auto_debit(loan: Loan, as_of: dt.date) -> LoanTransaction | None:
    """The standing instruction: take what is due from the wallet, never more than it holds.

    Once per loan and day (the key carries the date): a second run the same day does nothing.
    Too little money: takes what there is (or nothing, if the product forbids partial debits),
    records it, and the arrears stay for tomorrow's run."""
    loan = _lock_loan(loan)
    key = f"lending:autodebit:{loan.pk}:{as_of.isoformat()}"
    if loan.status != LoanStatus.ACTIVE or not loan.standing_instruction or _replay(key, loan, None):
        return None
    due = due_amount(loan, as_of)
    if due == 0:
        return None
    wallet = Account.objects.select_for_update().get(pk=loan.wallet_id)
    take = min(due, wallet.balance)
    if take < due and not loan.product.allow_partial_debit:
        take = 0
    if take == 0:
        tx = LoanTransaction.objects.create(
            loan=loan, kind=TransactionKind.AUTO_DEBIT, on_date=as_of, amount=0, idempotency_key=key
        )
        _event(
            loan.lender,
            "auto_debit_failed",
            _("Potong otomatis gagal: saldo %(balance)s, tagihan %(due)s.")
            % {"balance": rupiah(wallet.balance), "due": rupiah(due)},
            loan=loan,
            due=due,
        )
        _notify(
            loan,
            "lending.auto_debit_failed",
            _("Saldo kurang untuk angsuran"),
            _("Tagihan %(due)s belum terbayar. Isi saldo dompet Anda; kami coba lagi besok.") % {"due": rupiah(due)},
            f"autodebit-{loan.pk}-{as_of.isoformat()}",
        )
        return tx
    instalments = list(loan.instalments.select_for_update().order_by("number"))
    alloc, touched = _allocate(instalments, take, as_of)
    for inst in touched:
        inst.save(update_fields=["paid_principal", "paid_interest", "paid_fee", "paid_penalty", "paid_on"])
    loan.principal_outstanding -= alloc.principal
    loan.save(update_fields=["principal_outstanding"])
    tx = LoanTransaction.objects.create(
        loan=loan,
        kind=TransactionKind.AUTO_DEBIT,
        on_date=as_of,
        amount=take,
        principal=alloc.principal,
        interest=alloc.interest,
        fee=alloc.fee,
        penalty=alloc.penalty,
        idempotency_key=key,
    )
    tx.entries.set(
        _post_repayment(
            loan, alloc, key=key, actor=None, memo=_("Potong otomatis angsuran pinjaman #%(id)s") % {"id": loan.pk}
        )
    )
    _event(
        loan.lender,
        "auto_debit",
        _("Potong otomatis %(take)s dari tagihan %(due)s.") % {"take": rupiah(take), "due": rupiah(due)},
        loan=loan,
        transaction=tx.pk,
        due=due,
    )
    _maybe_close(loan, as_of, None)
    return tx


@transaction.atomic
def write_off(loan: Loan, officer: User, *, reason: str, on_date: dt.date | None = None) -> Loan:
    """Write an active loan off: its principal outstanding becomes a credit loss, in the loan book
    and in the ledger (loss -> receivable, idempotency key per loan), in one transaction. A loan
    already written off is returned as it is (nothing moves again)."""
    loan = _lock_loan(loan)
    require_officer(officer, loan.lender)
    text = _reason(reason, required=True)
    if loan.status == LoanStatus.WRITTEN_OFF:
        return loan
    step = LOAN.require(
        loan.status, "write_off", _refused(_("Hanya pinjaman berjalan yang dapat dihapusbukukan."), "loan_not_active")
    )
    on_date = on_date or today()
    amount = loan.principal_outstanding
    key = f"lending:writeoff:{loan.pk}"
    entries: list[Any] = []
    if amount:
        # The principal no borrower will repay leaves the receivable (which is minus the
        # principal outstanding) for the lender's credit losses: loss -> receivable.
        entries.append(
            payments.move(
                loan.lender.loss_account,
                loan.lender.receivable_account,
                amount,
                idempotency_key=key,
                reference=f"pinjaman-{loan.pk}",
                memo=_("Hapus buku pinjaman #%(id)s") % {"id": loan.pk},
                actor=officer,
            )
        )
    loan.written_off_amount = amount
    loan.principal_outstanding = 0
    loan.status = step.target
    loan.closed_on = on_date
    loan.save(update_fields=["written_off_amount", "principal_outstanding", "status", "closed_on"])
    tx = LoanTransaction.objects.create(
        loan=loan,
        kind=TransactionKind.WRITE_OFF,
        on_date=on_date,
        amount=amount,
        principal=amount,
        idempotency_key=key,
        actor=officer,
    )
    tx.entries.set(entries)
    _event(
        loan.lender,
        "loan_written_off",
        _("Dihapusbukukan %(amount)s: %(reason)s") % {"amount": rupiah(amount), "reason": text},
        actor=officer,
        loan=loan,
        reason=text,
    )
    return loan


@transaction.atomic
def recover(
    loan: Loan, amount: Any, *, actor: User, idempotency_key: str, on_date: dt.date | None = None
) -> LoanTransaction:
    """A recovery repayment on a written-off loan: from the borrower's wallet to the lender's
    credit-loss account (reducing the loss recognised at the write-off; the receivable no longer
    holds that principal). At most what was written off and not yet recovered."""
    key = clean_key(idempotency_key)
    amount = clean_rupiah(amount, field="amount")
    loan = _lock_loan(loan)
    if actor.pk != loan.borrower_id and not is_officer(actor, loan.lender):
        raise NotFound(_("Pinjaman tidak ditemukan."))
    if (replay := _replay(key, loan, amount)) is not None:
        return replay
    LOAN.require(
        loan.status, "recover", _refused(_("Pemulihan hanya untuk pinjaman yang dihapusbukukan."), "not_written_off")
    )
    left = loan.written_off_amount - loan.recovered_amount
    if amount > left:
        raise ValidationFailed(
            _("Jumlah melebihi sisa yang dapat dipulihkan (%(left)s).") % {"left": rupiah(left)},
            code="overpayment",
            field="amount",
        )
    on_date = on_date or today()
    entry = payments.move(
        loan.wallet,
        loan.lender.loss_account,
        amount,
        idempotency_key=key,
        reference=f"pinjaman-{loan.pk}",
        memo=_("Pemulihan pinjaman #%(id)s") % {"id": loan.pk},
        actor=actor,
    )
    loan.recovered_amount += amount
    loan.save(update_fields=["recovered_amount"])
    tx = LoanTransaction.objects.create(
        loan=loan,
        kind=TransactionKind.RECOVERY,
        on_date=on_date,
        amount=amount,
        principal=amount,
        idempotency_key=key,
        actor=actor,
    )
    tx.entries.set([entry])
    _event(loan.lender, "recovery", _("Pemulihan %(amount)s.") % {"amount": rupiah(amount)}, actor=actor, loan=loan)
    return tx


def run_nightly(as_of: dt.date | None = None) -> dict[str, int]:
    """In this tenant: penalties, auto-debits and arrears for every active loan (each loan its
    own transaction), then expire old offers. Idempotent for a given day."""
    as_of = as_of or today()
    counts = {"loans": 0, "penalties": 0, "debited": 0, "failed": 0, "in_arrears": 0}
    for loan in Loan.objects.filter(status=LoanStatus.ACTIVE).order_by("pk"):
        counts["loans"] += 1
        counts["penalties"] += charge_penalties(loan, as_of)
        tx = auto_debit(loan, as_of)
        if tx is not None:
            counts["debited" if tx.amount else "failed"] += 1
        if update_arrears(loan, as_of).days_past_due:
            counts["in_arrears"] += 1
    counts["offers_expired"] = expire_offers(as_of)
    return counts


@transaction.atomic
def expire_offers(as_of: dt.date) -> int:
    return Offer.objects.filter(status=OfferStatus.OPEN, expires_on__lt=as_of).update(status=OfferStatus.EXPIRED)
