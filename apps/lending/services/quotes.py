"""What a loan costs, before anyone applies: the one computation the form shows and disbursement books.

`quote(product, amount, tenor)` checks the amount and tenor against the product (and the offer,
when the applicant is accepting one) with the same messages `apply` gives, then builds the
schedule from `loan_terms`: the provision fee taken from the wallet at disbursement, the
interest over the whole tenor, what actually lands in the wallet, the regular monthly
instalment and the total to pay back. `disburse` books the loan from `LoanQuote.schedule` of the
same call, so what the applicant saw is what is booked (tests/lending/app/test_quote.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from apps.core.errors import ValidationFailed

from .. import schedule as sched
from ..models import LoanProduct, Offer
from ._common import clean_count, clean_rupiah, rupiah
from .products import loan_terms


@dataclass(frozen=True)
class LoanQuote:
    amount: int
    tenor_months: int
    annual_rate: Decimal
    fee: int  # provision, taken from the wallet right after the money arrives
    interest: int  # over the whole tenor
    received: int  # amount - fee: what the borrower can spend
    instalment: int  # the first instalment with principal (what a month costs)
    total_repayment: int  # every instalment together (principal + interest + instalment fees)
    schedule: sched.Schedule


def check_terms(product: LoanProduct, amount: Any, tenor: Any, offer: Offer | None = None) -> tuple[int, int]:
    """Amount and tenor as integers within the product's (and the offer's) range, else 422."""
    amount = clean_rupiah(amount, field="amount")
    tenor = clean_count(tenor, field="tenor_months")
    if offer is not None and amount > offer.limit:
        raise ValidationFailed(
            _("Jumlah melebihi plafon penawaran %(limit)s.") % {"limit": rupiah(offer.limit)},
            code="above_offer",
            field="amount",
        )
    if not product.min_amount <= amount <= product.max_amount:
        raise ValidationFailed(
            _("Jumlah pinjaman harus antara %(min)s dan %(max)s.")
            % {"min": rupiah(product.min_amount), "max": rupiah(product.max_amount)},
            code="amount_out_of_range",
            field="amount",
        )
    if offer is not None and tenor > offer.tenor_months:
        raise ValidationFailed(
            _("Tenor melebihi tenor penawaran (%(n)s bulan).") % {"n": offer.tenor_months},
            code="above_offer",
            field="tenor_months",
        )
    if not product.min_tenor_months <= tenor <= product.max_tenor_months:
        raise ValidationFailed(
            _("Tenor harus antara %(min)s dan %(max)s bulan.")
            % {"min": product.min_tenor_months, "max": product.max_tenor_months},
            code="tenor_out_of_range",
            field="tenor_months",
        )
    return amount, tenor


def quote_terms(
    product: LoanProduct, amount: int, tenor: int, rate: Decimal, on_date: dt.date | None = None
) -> LoanQuote:
    """The costs of already-checked terms (disbursement books from this)."""
    schedule = sched.build_schedule(loan_terms(product, amount, tenor, Decimal(rate), on_date))
    return LoanQuote(
        amount=amount,
        tenor_months=tenor,
        annual_rate=Decimal(rate),
        fee=schedule.disbursement_fee,
        interest=schedule.total_interest,
        received=schedule.net_disbursement,
        instalment=schedule.first_instalment,
        total_repayment=schedule.total_repayment,
        schedule=schedule,
    )


def quote(product: LoanProduct, amount: Any, tenor: Any, *, offer: Offer | None = None) -> LoanQuote:
    """What applying for `amount` over `tenor` months costs (the offer's rate when accepting one)."""
    amount, tenor = check_terms(product, amount, tenor, offer)
    rate = Decimal(offer.annual_rate) if offer is not None else Decimal(product.annual_rate)
    return quote_terms(product, amount, tenor, rate)
