"""Lenders and loan products: open a lender, add officers, create products, quote loan terms."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.core.errors import Conflict, ValidationFailed
from apps.payments import services as payments
from apps.payments.models import AccountKind

from .. import schedule as sched
from ..models import (
    Lender,
    LenderKind,
    LoanProduct,
)
from ._common import _event, clean_count, clean_percent, clean_rupiah, require_officer, schedule_error


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
