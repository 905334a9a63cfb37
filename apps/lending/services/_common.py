"""Shared internals of the lending services: input checks, loan events, officer checks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.core.errors import Conflict, Forbidden, ValidationFailed
from apps.core.money import parse_rupiah
from apps.core.money import rupiah as rupiah  # one formatter; re-exported to the other service modules
from apps.core.short_text import clean_short_text
from apps.core.workflow import Refusal, Step
from apps.payments import services as payments

from .. import schedule as sched
from ..models import (
    Application,
    Instalment,
    Lender,
    Loan,
    LoanEvent,
    LoanTransaction,
)
from ..workflow import LOAN

MAX_REASON = 255


def today() -> dt.date:
    return timezone.localdate()


def clean_rupiah(value: Any, *, field: str, minimum: int = 1) -> int:
    """A whole number of rupiah >= minimum (strings like "1.500.000" accepted; see parse_rupiah)."""
    value = parse_rupiah(value, allow_negative=True)
    if value is None:
        raise ValidationFailed(_("Jumlah harus bilangan bulat rupiah."), code="invalid_amount", field=field)
    if value < 0:
        raise ValidationFailed(_("Jumlah tidak boleh negatif."), code="negative_amount", field=field)
    if value < minimum:
        raise ValidationFailed(
            _("Jumlah paling sedikit %(min)s.") % {"min": rupiah(minimum)}, code="invalid_amount", field=field
        )
    return value


def clean_count(value: Any, *, field: str, minimum: int = 1, maximum: int = sched.MAX_TENOR_MONTHS) -> int:
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise ValidationFailed(
            _("Nilai harus bilangan bulat antara %(min)s dan %(max)s.") % {"min": minimum, "max": maximum},
            code="out_of_range",
            field=field,
        )
    return value


def clean_percent(value: Any, *, field: str, maximum: Decimal = Decimal(100)) -> Decimal:
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(_("Persentase tidak valid."), code="invalid_percent", field=field) from None
    if not number.is_finite() or number < 0 or number > maximum:
        raise ValidationFailed(
            _("Persentase harus antara 0 dan %(max)s.") % {"max": maximum}, code="invalid_percent", field=field
        )
    return number.quantize(Decimal("0.0001"))


def clean_key(key: Any) -> str:
    return payments.clean_key(key)


def _reason(text: Any, *, required: bool) -> str:
    reason = str(text or "").strip()
    if required and not reason:
        raise ValidationFailed(_("Alasan wajib diisi."), code="reason_required", field="reason")
    return clean_short_text(reason, field="reason", max_length=MAX_REASON)


def _event(
    lender: Lender,
    kind: str,
    message: str,
    *,
    actor: User | None = None,
    application: Application | None = None,
    loan: Loan | None = None,
    **data: Any,
) -> LoanEvent:
    return LoanEvent.record(
        lender=lender,
        kind=kind,
        message=message[:255],  # a built line; a typed reason in it is also kept whole in `data`
        actor=actor,
        application=application,
        loan=loan,
        data=data,
    )


def is_officer(user: User, lender: Lender) -> bool:
    return bool(
        user.is_authenticated and user.has_role(Role.PETUGAS_LKM) and lender.officers.filter(pk=user.pk).exists()
    )


def require_officer(user: User, lender: Lender) -> None:
    if not is_officer(user, lender):
        raise Forbidden(_("Hanya petugas %(lender)s yang boleh melakukan ini.") % {"lender": lender.name})


def schedule_error(exc: sched.ScheduleError) -> ValidationFailed:
    messages = {
        "out_of_range": _("Nilai %(field)s di luar batas yang diizinkan."),
        "negative_amount": _("Jumlah tidak boleh negatif."),
        "principal_too_small": _("Jumlah pinjaman terlalu kecil untuk tenor ini."),
        "overpayment": _("Jumlah melebihi sisa kewajiban."),
        "incomplete_payoff": _("Jumlah tidak cukup untuk melunasi."),
        "loan_closed": _("Pinjaman sudah lunas."),
    }
    message = messages.get(exc.code, _("Ketentuan pinjaman tidak valid: %(field)s.")) % {"field": exc.field or "-"}
    return ValidationFailed(message, code=exc.code, field=exc.field)


def _instalment_rows(loan: Loan, instalments: Iterable[sched.Instalment]) -> list[Instalment]:
    rows = []
    for i in instalments:
        assert i.due_date is not None
        rows.append(
            Instalment(
                loan=loan,
                number=i.number,
                due_date=i.due_date,
                principal=i.principal,
                interest=i.interest,
                fee=i.fee,
                paid_on=i.due_date if i.total == 0 else None,  # nothing to pay (full grace)
            )
        )
    return rows


def _notify(loan: Loan, event: str, title: str, body: str, key: str) -> None:
    from apps.notifications.services import notify

    notify([loan.borrower], event=event, title=title, body=body, key=f"lending-{key}", url=f"/pinjaman/saya/{loan.pk}/")


def _lock_loan(loan: Loan) -> Loan:
    return Loan.objects.select_for_update().select_related("lender", "product", "wallet", "borrower").get(pk=loan.pk)


@dataclass
class _Allocation:
    principal: int = 0
    interest: int = 0
    fee: int = 0
    penalty: int = 0

    @property
    def total(self) -> int:
        return self.principal + self.interest + self.fee + self.penalty


def _allocate(instalments: list[Instalment], amount: int, on_date: dt.date) -> tuple[_Allocation, list[Instalment]]:
    """Pay due instalments oldest first, penalty -> fee -> interest -> principal (in memory)."""
    alloc, touched, left = _Allocation(), [], amount
    for inst in instalments:
        if left == 0:
            break
        if inst.due_date > on_date or inst.unpaid == 0:
            continue
        for part in ("penalty", "fee", "interest", "principal"):
            due = getattr(inst, part) - getattr(inst, f"paid_{part}")
            take = min(due, left)
            if take:
                setattr(inst, f"paid_{part}", getattr(inst, f"paid_{part}") + take)
                setattr(alloc, part, getattr(alloc, part) + take)
                left -= take
        if inst.unpaid == 0:
            inst.paid_on = on_date
        touched.append(inst)
    return alloc, touched


def _post_repayment(loan: Loan, alloc: _Allocation, *, key: str, actor: User | None, memo: str) -> list[Any]:
    reference = f"pinjaman-{loan.pk}"
    entries = []
    if alloc.principal:
        entries.append(
            payments.move(
                loan.wallet,
                loan.lender.receivable_account,
                alloc.principal,
                idempotency_key=f"{key}:pokok",
                reference=reference,
                memo=memo,
                actor=actor,
            )
        )
    income = alloc.interest + alloc.fee + alloc.penalty
    if income:
        entries.append(
            payments.move(
                loan.wallet,
                loan.lender.income_account,
                income,
                idempotency_key=f"{key}:pendapatan",
                reference=reference,
                memo=memo,
                actor=actor,
            )
        )
    return entries


def _replay(key: str, loan: Loan, amount: int | None) -> LoanTransaction | None:
    tx = LoanTransaction.objects.filter(idempotency_key=key).first()
    if tx is None:
        return None
    if tx.loan_id != loan.pk or (amount is not None and tx.amount != amount):
        raise Conflict(_("Kunci idempotensi ini sudah dipakai untuk transaksi lain."), code="idempotency_conflict")
    return tx


def _refused(message: str, code: str) -> Refusal[None]:
    """A step refused with this app's own message and code (409)."""

    def refuse(status: str, step: Step[None]) -> Conflict:
        return Conflict(message, code=code)

    return refuse


def _maybe_close(loan: Loan, on_date: dt.date, actor: User | None) -> None:
    if loan.principal_outstanding == 0 and not loan.instalments.filter(paid_on__isnull=True).exists():
        loan.status = LOAN.step("close").target
        loan.closed_on = on_date
        loan.days_past_due = 0
        loan.bucket = sched.DelinquencyBucket.CURRENT.value
        loan.save(update_fields=["status", "closed_on", "days_past_due", "bucket"])
        _event(loan.lender, "loan_closed", _("Pinjaman lunas."), actor=actor, loan=loan)
        _notify(
            loan,
            "lending.closed",
            _("Pinjaman lunas"),
            _("Terima kasih, pinjaman Anda sudah lunas."),
            f"closed-{loan.pk}",
        )
