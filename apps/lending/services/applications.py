"""Applications: apply, officer decisions, withdrawal and disbursement into the wallet."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from apps.core.short_text import clean_short_text
from apps.feedback import services as feedback
from apps.payments import services as payments

from ..models import (
    Application,
    ApplicationStatus,
    Instalment,
    Loan,
    LoanProduct,
    LoanTransaction,
    Offer,
    OfferStatus,
    TransactionKind,
)
from ..workflow import APPLICATION
from ._common import (
    _event,
    _instalment_rows,
    _notify,
    _reason,
    _refused,
    clean_key,
    require_officer,
    rupiah,
    today,
)
from .products import loan_terms
from .quotes import check_terms, quote_terms


def _check_terms(product: LoanProduct, amount: Any, tenor: Any) -> tuple[int, int]:
    return check_terms(product, amount, tenor)


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
    from .. import credit  # scoring imports numpy/xgboost: only when needed

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
    purpose = clean_short_text(purpose, field="purpose", max_length=255)
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
                purpose=purpose,
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
    step = APPLICATION.require(
        application.status,
        "approve",
        _refused(
            _("Pengajuan berstatus %(status)s, tidak dapat disetujui.") % {"status": application.get_status_display()},
            "wrong_status",
        ),
    )
    application.status = step.target
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
    step = APPLICATION.require(
        application.status,
        "reject",
        _refused(
            _("Pengajuan berstatus %(status)s, tidak dapat ditolak.") % {"status": application.get_status_display()},
            "wrong_status",
        ),
    )
    application.status = step.target
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
    step = APPLICATION.require(
        application.status, "withdraw", _refused(_("Pengajuan ini tidak dapat dibatalkan lagi."), "wrong_status")
    )
    application.status = step.target
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
    step = APPLICATION.require(
        application.status, "disburse", _refused(_("Pengajuan harus disetujui sebelum dicairkan."), "not_approved")
    )
    on_date = on_date or today()
    product = application.product
    # The same computation the application form showed (services.quote): shown == booked.
    schedule = quote_terms(
        product, application.amount, application.tenor_months, application.annual_rate, on_date
    ).schedule
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
    application.status = step.target
    application.save(update_fields=["status"])
    feedback.ask_csat(applicant, "loan", loan.pk, f"/pinjaman/saya/{loan.pk}/")  # asked after commit
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
