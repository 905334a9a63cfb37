"""Factoring prices: pure functions, no database (tested against hand-computed examples).

An offer starts from the lender product's maximum advance rate and fee and is adjusted by

* the seller's credit band (apps.lending: the latest `CreditAssessment`, A best … E worst;
  None when the seller was never scored): fewer percent advanced and a higher fee for more
  risk; band E gets no offer;
* the buyer's payment history on the platform: the average days from issue to payment of the
  buyer's paid invoices (None: no history). A buyer who pays late makes the lender wait longer.

Rounding to whole rupiah: the advance is rounded **down** (the lender never advances more than
its rate), fees are rounded half **up** (Rp0.5 → Rp1). Fee per day counts calendar days from
acceptance to the day the advance is back (at least one day).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

# band -> (advance percent points taken off, fee multiplier)
BAND_ADJUST: dict[str | None, tuple[int, Decimal]] = {
    "A": (0, Decimal("1.00")),
    "B": (5, Decimal("1.10")),
    "C": (10, Decimal("1.25")),
    "D": (20, Decimal("1.50")),
    None: (15, Decimal("1.50")),  # never scored: as cautious as band D on the fee
}
REFUSED_BANDS = frozenset({"E"})
# average days-to-pay upper bound -> (advance points off, fee multiplier); None = no history
BUYER_TIERS: tuple[tuple[int, int, Decimal], ...] = (
    (30, 0, Decimal("1.00")),
    (60, 5, Decimal("1.25")),
)
SLOW_BUYER = (10, Decimal("1.50"))
UNKNOWN_BUYER = (5, Decimal("1.25"))
MIN_ADVANCE_PERCENT = 50


@dataclass(frozen=True)
class Terms:
    advance_percent: int
    fee_bp: int


def buyer_adjust(days_to_pay: float | None) -> tuple[int, Decimal]:
    if days_to_pay is None:
        return UNKNOWN_BUYER
    for bound, points, factor in BUYER_TIERS:
        if days_to_pay <= bound:
            return points, factor
    return SLOW_BUYER


def price(*, advance_percent: int, fee_bp: int, band: str | None, days_to_pay: float | None) -> Terms | None:
    """The adjusted terms, or None when the seller's band is refused or the advance would fall
    below MIN_ADVANCE_PERCENT. Fee basis points are rounded half up to a whole basis point."""
    if band in REFUSED_BANDS:
        return None
    band_points, band_factor = BAND_ADJUST.get(band, BAND_ADJUST[None])
    buyer_points, buyer_factor = buyer_adjust(days_to_pay)
    percent = advance_percent - band_points - buyer_points
    if percent < MIN_ADVANCE_PERCENT:
        return None
    bp = (Decimal(fee_bp) * band_factor * buyer_factor).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return Terms(advance_percent=percent, fee_bp=int(bp))


def advance_of(face: int, percent: int) -> int:
    return int((Decimal(face) * percent / 100).to_integral_value(rounding=ROUND_FLOOR))


def flat_fee(face: int, fee_bp: int) -> int:
    return int((Decimal(face) * fee_bp / 10_000).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def per_day_fee(advance: int, fee_bp: int, days: int) -> int:
    return int((Decimal(advance) * fee_bp * max(days, 1) / 10_000).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def fee_of(basis: str, *, face: int, advance: int, fee_bp: int, days: int) -> int:
    return flat_fee(face, fee_bp) if basis == "flat" else per_day_fee(advance, fee_bp, days)


@dataclass(frozen=True)
class Split:
    """How one buyer payment is shared: principal back to the lender first, then its fee, the
    rest is the seller's."""

    principal: int
    fee: int
    seller: int


def split_payment(amount: int, *, outstanding: int, fee_due: int) -> Split:
    principal = min(amount, max(outstanding, 0))
    fee = min(amount - principal, max(fee_due, 0))
    return Split(principal=principal, fee=fee, seller=amount - principal - fee)


@dataclass(frozen=True)
class Collection:
    """One buyer payment of `amount` on a financed invoice, with the platform's MDR on it:
    the lender's principal and fee (from the gross amount), the MDR the seller bears (at most
    their remainder) and the part of the MDR given back because the remainder was smaller."""

    amount: int
    principal: int
    fee: int
    mdr: int
    rebate: int

    @property
    def seller(self) -> int:
        """What the seller keeps of this payment: the remainder minus the MDR it bears."""
        return self.amount - self.principal - self.fee - (self.mdr - self.rebate)


def collection_split(amount: int, *, outstanding: int, fee_due: int, mdr: int) -> Collection:
    """Rule (issue 20): the buyer's payment settles the lender first and releases the
    remainder minus fees to the UMKM. The MDR is a fee of the collection: deducted from the
    seller's remainder, never from the lender's share; a remainder smaller than the MDR
    leaves the seller 0 and the excess MDR is given back (`rebate`)."""
    split = split_payment(amount, outstanding=outstanding, fee_due=fee_due)
    mdr = max(min(mdr, amount), 0)
    return Collection(
        amount=amount, principal=split.principal, fee=split.fee, mdr=mdr, rebate=max(mdr - split.seller, 0)
    )
