"""Lending writes: one atomic function per action, row locks, idempotency keys, a LoanEvent each.

Life cycle (Fineract): application (from an offer or direct, scored at submission) -> officer
decision (approve / reject with reason; only the lender's officers, never the applicant) ->
disbursement into the applicant's KotaKitaPay wallet (receivable -> wallet, then the
disbursement fee wallet -> lender income) -> instalments (schedule.py) -> repayments (manual,
early/partial, or the nightly standing-instruction auto-debit) -> closed, or written off (the
principal outstanding moves loss -> receivable) and later recovered (wallet -> loss).

Repayment allocation (Fineract's "penalties, fees, interest, principal" order): oldest due
instalment first, within it penalty -> fee -> interest -> principal. What is left after every
due instalment is paid is an early repayment of principal on the schedule (`schedule.prepay`,
reduce-instalment): exactly the payoff closes the loan, less reschedules what is left.

Locks: the loan row first (`select_for_update`), then its instalments, then the ledger accounts
(inside apps.payments.services.move, in ascending id order).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from apps.payments import services as payments
from apps.payments.models import Account, AccountKind

from . import schedule as sched
from .models import (
    Application,
    ApplicationStatus,
    Instalment,
    Lender,
    LenderKind,
    Loan,
    LoanEvent,
    LoanProduct,
    LoanStatus,
    LoanTransaction,
    Offer,
    OfferStatus,
    TransactionKind,
)

MAX_REASON = 255


# --- helpers ----------------------------------------------------------------------------------


def today() -> dt.date:
    return timezone.localdate()


def rupiah(amount: int) -> str:
    return payments.rupiah(amount)


def clean_rupiah(value: Any, *, field: str, minimum: int = 1) -> int:
    """A whole number of rupiah >= minimum (strings like "1.500.000" accepted)."""
    if isinstance(value, str):
        text = value.strip().replace(".", "").replace(",", "")
        value = int(text) if text.lstrip("-").isdigit() and text.isascii() else None
    if isinstance(value, bool) or not isinstance(value, int):
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
    return reason[:MAX_REASON]


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
    return LoanEvent.objects.create(
        lender=lender,
        kind=kind,
        message=message[:255],
        actor=actor if actor is not None and actor.pk else None,
        application=application,
        loan=loan,
        data={k: (str(v) if isinstance(v, Decimal | dt.date) else v) for k, v in data.items()},
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


# --- lenders and products -----------------------------------------------------------------------


@transaction.atomic
def open_lender(*, name: str, kind: str, officers: Iterable[User] = (), actor: User | None = None) -> Lender:
    """A lender with its three ledger accounts (receivable, income, credit losses). Idempotent on
    the name."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("Nama lembaga wajib diisi."), code="name_required", field="name")
    if kind not in LenderKind.values:
        raise ValidationFailed(_("Jenis lembaga tidak dikenal."), code="invalid_kind", field="kind")
    existing = Lender.objects.filter(name=name).first()
    if existing is None:
        slug = slugify(name)[:40] or "lender"
        receivable = payments.open_account(
            AccountKind.LOAN_RECEIVABLE,
            name=_("Piutang pinjaman %(name)s") % {"name": name},
            code=f"lender:{slug}:receivable",
        )
        income = payments.open_account(
            AccountKind.LENDER_INCOME,
            name=_("Pendapatan pinjaman %(name)s") % {"name": name},
            code=f"lender:{slug}:income",
        )
        loss = payments.open_account(
            AccountKind.LOAN_LOSS,
            name=_("Kerugian kredit %(name)s") % {"name": name},
            code=f"lender:{slug}:loss",
        )
        existing = Lender.objects.create(
            name=name, kind=kind, receivable_account=receivable, income_account=income, loss_account=loss
        )
        _event(existing, "lender_opened", _("Lembaga dibuka."), actor=actor)
    for officer in officers:
        add_officer(existing, officer, actor=actor)
    return existing


@transaction.atomic
def add_officer(lender: Lender, user: User, *, actor: User | None = None) -> None:
    if not user.has_role(Role.PETUGAS_LKM):
        raise ValidationFailed(
            _("Petugas harus berperan petugas lembaga keuangan."), code="not_an_officer", field="user"
        )
    if not lender.officers.filter(pk=user.pk).exists():
        lender.officers.add(user)
        _event(lender, "officer_added", _("Petugas %(name)s ditambahkan.") % {"name": user}, actor=actor)


@dataclass(frozen=True)
class ProductTerms:
    name: str
    min_amount: int
    max_amount: int
    min_tenor_months: int
    max_tenor_months: int
    annual_rate: Decimal | str | int
    interest_method: str = sched.InterestMethod.DECLINING_BALANCE.value
    amortization: str = sched.Amortization.EQUAL_INSTALLMENTS.value
    disbursement_fee_amount: int = 0
    disbursement_fee_percent: Decimal | str | int = 0
    grace_principal_months: int = 0
    grace_interest_months: int = 0
    penalty_percent: Decimal | str | int = 0
    penalty_grace_days: int = 3
    allow_partial_debit: bool = True


@transaction.atomic
def create_product(lender: Lender, terms: ProductTerms, *, actor: User | None = None) -> LoanProduct:
    if actor is not None:
        require_officer(actor, lender)
    name = terms.name.strip()
    if not name:
        raise ValidationFailed(_("Nama produk wajib diisi."), code="name_required", field="name")
    if LoanProduct.objects.filter(lender=lender, name=name).exists():
        raise Conflict(_("Produk dengan nama ini sudah ada."), code="product_exists", field="name")
    min_amount = clean_rupiah(terms.min_amount, field="min_amount")
    max_amount = clean_rupiah(terms.max_amount, field="max_amount")
    if max_amount < min_amount:
        raise ValidationFailed(_("Plafon maksimum lebih kecil dari minimum."), code="bad_range", field="max_amount")
    min_tenor = clean_count(terms.min_tenor_months, field="min_tenor_months")
    max_tenor = clean_count(terms.max_tenor_months, field="max_tenor_months")
    if max_tenor < min_tenor:
        raise ValidationFailed(
            _("Tenor maksimum lebih kecil dari minimum."), code="bad_range", field="max_tenor_months"
        )
    if terms.interest_method not in sched.InterestMethod.__members__.values():
        raise ValidationFailed(_("Metode bunga tidak dikenal."), code="invalid_method", field="interest_method")
    if terms.amortization not in sched.Amortization.__members__.values():
        raise ValidationFailed(_("Jenis angsuran tidak dikenal."), code="invalid_method", field="amortization")
    product = LoanProduct(
        lender=lender,
        name=name,
        interest_method=terms.interest_method,
        amortization=terms.amortization,
        min_amount=min_amount,
        max_amount=max_amount,
        min_tenor_months=min_tenor,
        max_tenor_months=max_tenor,
        annual_rate=clean_percent(terms.annual_rate, field="annual_rate", maximum=Decimal(100)),
        disbursement_fee_amount=clean_rupiah(terms.disbursement_fee_amount, field="disbursement_fee_amount", minimum=0),
        disbursement_fee_percent=clean_percent(terms.disbursement_fee_percent, field="disbursement_fee_percent"),
        grace_principal_months=clean_count(
            terms.grace_principal_months, field="grace_principal_months", minimum=0, maximum=min_tenor - 1
        ),
        grace_interest_months=clean_count(
            terms.grace_interest_months, field="grace_interest_months", minimum=0, maximum=terms.grace_principal_months
        ),
        penalty_percent=clean_percent(terms.penalty_percent, field="penalty_percent"),
        penalty_grace_days=clean_count(terms.penalty_grace_days, field="penalty_grace_days", minimum=0, maximum=90),
        allow_partial_debit=bool(terms.allow_partial_debit),
    )
    for amount in (min_amount, max_amount):
        loan_terms(product, amount, min_tenor, product.annual_rate)  # every corner must schedule
        loan_terms(product, amount, max_tenor, product.annual_rate)
    product.save()
    _event(lender, "product_created", _("Produk %(name)s dibuat.") % {"name": name}, actor=actor, product=product.pk)
    return product


def loan_terms(
    product: LoanProduct, amount: int, tenor: int, rate: Decimal, disbursed_on: dt.date | None = None
) -> sched.LoanTerms:
    fees: tuple[sched.Fee, ...] = ()
    if product.disbursement_fee_amount or product.disbursement_fee_percent:
        fees = (
            sched.Fee(
                "provisi",
                sched.FeeTiming.DISBURSEMENT,
                product.disbursement_fee_amount,
                Decimal(product.disbursement_fee_percent),
            ),
        )
    try:
        return sched.LoanTerms(
            principal=amount,
            annual_rate=Decimal(rate),
            tenor_months=tenor,
            interest_method=sched.InterestMethod(product.interest_method),
            amortization=sched.Amortization(product.amortization),
            grace_principal_months=product.grace_principal_months,
            grace_interest_months=product.grace_interest_months,
            fees=fees,
            disbursed_on=disbursed_on,
        )
    except sched.ScheduleError as exc:
        raise schedule_error(exc) from exc


# --- applications ---------------------------------------------------------------------------------


def _check_terms(product: LoanProduct, amount: Any, tenor: Any) -> tuple[int, int]:
    amount = clean_rupiah(amount, field="amount")
    tenor = clean_count(tenor, field="tenor_months")
    if not product.min_amount <= amount <= product.max_amount:
        raise ValidationFailed(
            _("Jumlah pinjaman harus antara %(min)s dan %(max)s.")
            % {"min": rupiah(product.min_amount), "max": rupiah(product.max_amount)},
            code="amount_out_of_range",
            field="amount",
        )
    if not product.min_tenor_months <= tenor <= product.max_tenor_months:
        raise ValidationFailed(
            _("Tenor harus antara %(min)s dan %(max)s bulan.")
            % {"min": product.min_tenor_months, "max": product.max_tenor_months},
            code="tenor_out_of_range",
            field="tenor_months",
        )
    return amount, tenor


@transaction.atomic
def apply(
    applicant: User,
    product: LoanProduct,
    *,
    amount: Any,
    tenor_months: Any,
    idempotency_key: str,
    purpose: str = "",
    offer: Offer | None = None,
    features: Mapping[str, float | int | None] | None = None,
    as_of: dt.date | None = None,
) -> Application:
    """Submit an application, direct (scored now: a new CreditAssessment, from `features` or the
    applicant's shop) or accepting `offer` (the offer's assessment is the pre-approval)."""
    from . import credit  # scoring imports numpy/xgboost: only when needed

    key = clean_key(idempotency_key)
    existing = Application.objects.filter(idempotency_key=key).first()
    if existing is not None:
        if existing.applicant_id != applicant.pk or existing.product_id != product.pk:
            raise Conflict(_("Kunci idempotensi ini sudah dipakai untuk pengajuan lain."), code="idempotency_conflict")
        return existing
    if not applicant.is_authenticated or not applicant.has_role(Role.PEMILIK_UMKM):
        raise Forbidden(_("Hanya pemilik UMKM yang dapat mengajukan pinjaman."))
    if not product.is_active or not product.lender.is_active:
        raise Conflict(_("Produk pinjaman ini tidak tersedia."), code="product_inactive")
    amount, tenor = _check_terms(product, amount, tenor_months)
    rate = Decimal(product.annual_rate)
    if offer is not None:
        offer = Offer.objects.select_for_update().get(pk=offer.pk)
        if offer.applicant_id != applicant.pk:
            raise NotFound(_("Penawaran tidak ditemukan."))
        if offer.status != OfferStatus.OPEN or offer.expires_on < (as_of or today()):
            raise Conflict(_("Penawaran ini sudah tidak berlaku."), code="offer_not_open")
        if offer.product_id != product.pk:
            raise ValidationFailed(_("Penawaran ini untuk produk lain."), code="wrong_product", field="product")
        if amount > offer.limit:
            raise ValidationFailed(
                _("Jumlah melebihi plafon penawaran %(limit)s.") % {"limit": rupiah(offer.limit)},
                code="above_offer",
                field="amount",
            )
        if tenor > offer.tenor_months:
            raise ValidationFailed(
                _("Tenor melebihi tenor penawaran (%(n)s bulan).") % {"n": offer.tenor_months},
                code="above_offer",
                field="tenor_months",
            )
        rate = Decimal(offer.annual_rate)
    if Application.objects.filter(
        applicant=applicant, lender=product.lender, status__in=[ApplicationStatus.SUBMITTED, ApplicationStatus.APPROVED]
    ).exists():
        raise Conflict(_("Masih ada pengajuan Anda yang sedang diproses."), code="application_pending")
    loan_terms(product, amount, tenor, rate)  # the schedule must exist
    if offer is not None and features is None:
        assessment = offer.assessment  # the pre-approval: features as of the offer (<= its validity)
    else:
        assessment = credit.assess(product.lender, applicant, features=features, as_of=as_of)
    try:
        with transaction.atomic():
            application = Application.objects.create(
                lender=product.lender,
                product=product,
                applicant=applicant,
                offer=offer,
                assessment=assessment,
                amount=amount,
                tenor_months=tenor,
                annual_rate=rate,
                purpose=(purpose or "").strip()[:255],
                idempotency_key=key,
            )
    except IntegrityError:
        raise Conflict(_("Penawaran ini sudah diajukan."), code="offer_taken") from None
    if offer is not None:
        offer.status = OfferStatus.ACCEPTED
        offer.save(update_fields=["status"])
    _event(
        product.lender,
        "application_submitted",
        _("Pengajuan %(amount)s untuk %(n)s bulan.") % {"amount": rupiah(amount), "n": tenor},
        actor=applicant,
        application=application,
        offer=offer.pk if offer else None,
        band=assessment.band,
        method=assessment.method,
    )
    return application


def _lock_application(application: Application) -> Application:
    return Application.objects.select_for_update().select_related("lender", "product").get(pk=application.pk)


def _check_decider(application: Application, officer: User) -> None:
    if officer.pk == application.applicant_id:
        raise Conflict(_("Pemohon tidak boleh memutuskan pengajuannya sendiri."), code="own_application")
    require_officer(officer, application.lender)


@transaction.atomic
def approve(application: Application, officer: User, *, reason: str = "") -> Application:
    application = _lock_application(application)
    _check_decider(application, officer)
    if application.status == ApplicationStatus.APPROVED:
        return application
    if application.status != ApplicationStatus.SUBMITTED:
        raise Conflict(
            _("Pengajuan berstatus %(status)s, tidak dapat disetujui.") % {"status": application.get_status_display()},
            code="wrong_status",
        )
    application.status = ApplicationStatus.APPROVED
    application.decided_by = officer
    application.decided_at = timezone.now()
    application.decision_reason = _reason(reason, required=False)
    application.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    _event(
        application.lender,
        "application_approved",
        _("Pengajuan disetujui."),
        actor=officer,
        application=application,
        reason=application.decision_reason,
    )
    return application


@transaction.atomic
def reject(application: Application, officer: User, *, reason: str) -> Application:
    application = _lock_application(application)
    _check_decider(application, officer)
    text = _reason(reason, required=True)
    if application.status == ApplicationStatus.REJECTED:
        return application
    if application.status != ApplicationStatus.SUBMITTED:
        raise Conflict(
            _("Pengajuan berstatus %(status)s, tidak dapat ditolak.") % {"status": application.get_status_display()},
            code="wrong_status",
        )
    application.status = ApplicationStatus.REJECTED
    application.decided_by = officer
    application.decided_at = timezone.now()
    application.decision_reason = text
    application.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    _event(
        application.lender,
        "application_rejected",
        _("Pengajuan ditolak: %(reason)s") % {"reason": text},
        actor=officer,
        application=application,
        reason=text,
    )
    return application


@transaction.atomic
def withdraw(application: Application, applicant: User) -> Application:
    application = _lock_application(application)
    if application.applicant_id != applicant.pk:
        raise NotFound(_("Pengajuan tidak ditemukan."))
    if application.status not in (ApplicationStatus.SUBMITTED, ApplicationStatus.APPROVED):
        raise Conflict(_("Pengajuan ini tidak dapat dibatalkan lagi."), code="wrong_status")
    application.status = ApplicationStatus.WITHDRAWN
    application.save(update_fields=["status"])
    _event(
        application.lender,
        "application_withdrawn",
        _("Pengajuan dibatalkan pemohon."),
        actor=applicant,
        application=application,
    )
    return application


@transaction.atomic
def disburse(application: Application, officer: User, *, on_date: dt.date | None = None) -> Loan:
    """Open the loan, build its schedule, move the money into the applicant's wallet."""
    application = _lock_application(application)
    _check_decider(application, officer)
    if application.status == ApplicationStatus.DISBURSED:
        raise Conflict(_("Pinjaman ini sudah dicairkan."), code="already_disbursed")
    if application.status != ApplicationStatus.APPROVED:
        raise Conflict(_("Pengajuan harus disetujui sebelum dicairkan."), code="not_approved")
    on_date = on_date or today()
    product = application.product
    terms = loan_terms(product, application.amount, application.tenor_months, application.annual_rate, on_date)
    schedule = sched.build_schedule(terms)
    applicant = User.objects.get(pk=application.applicant_id)
    wallet = payments.ensure_wallet(applicant)
    lender = application.lender
    loan = Loan.objects.create(
        application=application,
        lender=lender,
        product=product,
        borrower=applicant,
        wallet=wallet,
        principal=application.amount,
        annual_rate=application.annual_rate,
        tenor_months=application.tenor_months,
        interest_method=product.interest_method,
        amortization=product.amortization,
        grace_principal_months=product.grace_principal_months,
        grace_interest_months=product.grace_interest_months,
        disbursement_fee=schedule.disbursement_fee,
        disbursed_on=on_date,
        principal_outstanding=application.amount,
    )
    Instalment.objects.bulk_create(_instalment_rows(loan, schedule.instalments))
    reference = f"pinjaman-{loan.pk}"
    entries = [
        payments.move(
            lender.receivable_account,
            wallet,
            application.amount,
            idempotency_key=f"lending:disburse:{application.pk}",
            reference=reference,
            memo=_("Pencairan pinjaman %(lender)s") % {"lender": lender.name},
            actor=officer,
        )
    ]
    if schedule.disbursement_fee:
        entries.append(
            payments.move(
                wallet,
                lender.income_account,
                schedule.disbursement_fee,
                idempotency_key=f"lending:disburse-fee:{application.pk}",
                reference=reference,
                memo=_("Biaya provisi pinjaman %(lender)s") % {"lender": lender.name},
                actor=officer,
            )
        )
    tx = LoanTransaction.objects.create(
        loan=loan,
        kind=TransactionKind.DISBURSEMENT,
        on_date=on_date,
        amount=application.amount,
        principal=application.amount,
        fee=schedule.disbursement_fee,
        idempotency_key=f"lending:disburse:{application.pk}",
        actor=officer,
    )
    tx.entries.set(entries)
    application.status = ApplicationStatus.DISBURSED
    application.save(update_fields=["status"])
    _event(
        lender,
        "loan_disbursed",
        _("Dicairkan %(amount)s ke dompet, biaya provisi %(fee)s.")
        % {"amount": rupiah(application.amount), "fee": rupiah(schedule.disbursement_fee)},
        actor=officer,
        application=application,
        loan=loan,
        instalments=len(schedule.instalments),
        total_repayment=schedule.total_repayment,
    )
    _notify(
        loan,
        "lending.disbursed",
        _("Pinjaman dicairkan"),
        _("%(amount)s sudah masuk ke dompet Anda.") % {"amount": rupiah(application.amount)},
        f"disbursed-{loan.pk}",
    )
    return loan


@transaction.atomic
def approve_and_disburse(application: Application, officer: User, *, reason: str = "") -> Loan:
    approve(application, officer, reason=reason)
    return disburse(application, officer)


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


# --- schedules and repayments ---------------------------------------------------------------------


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


def _maybe_close(loan: Loan, on_date: dt.date, actor: User | None) -> None:
    if loan.principal_outstanding == 0 and not loan.instalments.filter(paid_on__isnull=True).exists():
        loan.status = LoanStatus.CLOSED
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
    if loan.status != LoanStatus.ACTIVE:
        raise Conflict(_("Pinjaman ini tidak sedang berjalan."), code="loan_not_active")
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
    if loan.status != LoanStatus.ACTIVE:
        raise Conflict(_("Hanya pinjaman berjalan yang dapat dihapusbukukan."), code="loan_not_active")
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
    loan.status = LoanStatus.WRITTEN_OFF
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
    if loan.status != LoanStatus.WRITTEN_OFF:
        raise Conflict(_("Pemulihan hanya untuk pinjaman yang dihapusbukukan."), code="not_written_off")
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
