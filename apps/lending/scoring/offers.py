"""Pre-approved offers from band + GMV: limit, tenor, rate. Integer rupiah, vectorized.

Rules (`DEFAULT_OFFERS`; a lender sets its own):

| band | limit (x monthly GMV) | cap | tenor | rate (nominal, per year) |
|---|---|---|---|---|
| A | 2.0x | Rp50.000.000 | 12 months | 16% |
| B | 1.5x | Rp30.000.000 | 12 months | 20% |
| C | 1.0x | Rp15.000.000 | 6 months | 24% |
| D | 0.5x | Rp5.000.000 | 3 months | 28% |
| E | no offer | | | |

* Monthly GMV is `gmv_avg_3m` (mean of the last 3 months), floored to whole rupiah.
* The limit is floored to a multiple of Rp100.000; below Rp500.000 there is no offer.
* Why these multiples: the principal per month is then at most ~17% of monthly GMV
  (A: 2.0/12, B: 1.5/12, C: 1.0/6, D: 0.5/3), leaving room for costs of goods on thin margins.
  Riskier bands get smaller, shorter and dearer loans.
* Loans are DECLINING_BALANCE with EQUAL_INSTALLMENTS; a single decision quotes the monthly
  instalment from `apps.lending.schedule` (the batch path leaves that to the lending app).
* Rates are in basis points in arrays (1600 = 16.00%) so every output is an integer.

An offer is a *pre-approval*: the officer and the applicant still confirm the actual loan.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from apps.core.money import thousands

from ..schedule import Amortization, InterestMethod, LoanTerms, build_schedule
from .bands import BAND_LABELS
from .errors import ScoringError

__all__ = ["DEFAULT_OFFERS", "Offer", "OfferArrays", "OfferPolicy", "OfferRule"]

I64 = npt.NDArray[np.int64]


@dataclass(frozen=True)
class OfferRule:
    gmv_multiple_tenths: int  # 20 = 2.0x monthly GMV; 0 = no offer
    cap: int  # rupiah
    tenor_months: int
    rate_bp: int  # nominal annual rate in basis points


@dataclass(frozen=True)
class Offer:
    band: str
    limit: int
    tenor_months: int
    annual_rate: Decimal  # percent
    monthly_instalment: int  # first full instalment of the limit over the tenor
    interest_method: InterestMethod = InterestMethod.DECLINING_BALANCE
    amortization: Amortization = Amortization.EQUAL_INSTALLMENTS

    def describe(self) -> str:
        limit = thousands(self.limit)
        instalment = thousands(self.monthly_instalment)
        rate = f"{self.annual_rate.normalize():f}".replace(".", ",")
        return (
            f"Penawaran pinjaman hingga Rp{limit}, tenor {self.tenor_months} bulan, bunga {rate}% per tahun "
            f"(menurun), cicilan sekitar Rp{instalment} per bulan"
        )


@dataclass(frozen=True)
class OfferArrays:
    """Batch offers: zeros where `eligible` is False."""

    eligible: npt.NDArray[np.bool_]
    limit: I64
    tenor_months: I64
    rate_bp: I64


@dataclass(frozen=True)
class OfferPolicy:
    rules: tuple[OfferRule, OfferRule, OfferRule, OfferRule, OfferRule]
    rounding: int = 100_000
    minimum: int = 500_000

    def __post_init__(self) -> None:
        if len(self.rules) != len(BAND_LABELS) or self.rounding < 1 or self.minimum < 0:
            raise ScoringError("bad_offer_policy", "need one rule per band A-E and a positive rounding")

    def batch(self, band_index: npt.ArrayLike, gmv_monthly: npt.ArrayLike) -> OfferArrays:
        """Vectorized offers for band indices (0 = A) and monthly GMV (rupiah, float ok)."""
        bands = np.asarray(band_index, dtype=np.int64)
        gmv = np.asarray(gmv_monthly, dtype=np.float64)
        gmv_int = np.floor(np.clip(np.nan_to_num(gmv, nan=0.0), 0, 1e15)).astype(np.int64)
        mult = np.array([r.gmv_multiple_tenths for r in self.rules], dtype=np.int64)[bands]
        cap = np.array([r.cap for r in self.rules], dtype=np.int64)[bands]
        limit = np.minimum(gmv_int * mult // 10, cap) // self.rounding * self.rounding
        eligible = (mult > 0) & (limit >= max(self.minimum, 1))
        tenor = np.array([r.tenor_months for r in self.rules], dtype=np.int64)[bands]
        rate = np.array([r.rate_bp for r in self.rules], dtype=np.int64)[bands]
        zero = np.zeros_like(limit)
        return OfferArrays(
            eligible=eligible,
            limit=np.where(eligible, limit, zero),
            tenor_months=np.where(eligible, tenor, zero),
            rate_bp=np.where(eligible, rate, zero),
        )

    def offer(self, band: str, gmv_monthly: float) -> Offer | None:
        """One offer with its monthly instalment, or None (band E, or the limit is too small)."""
        arrays = self.batch([BAND_LABELS.index(band)], [gmv_monthly])
        if not arrays.eligible[0]:
            return None
        limit, tenor = int(arrays.limit[0]), int(arrays.tenor_months[0])
        rate = Decimal(int(arrays.rate_bp[0])) / 100
        schedule = build_schedule(LoanTerms(principal=limit, annual_rate=rate, tenor_months=tenor))
        return Offer(band, limit, tenor, rate, schedule.first_instalment)


DEFAULT_OFFERS = OfferPolicy(
    (
        OfferRule(20, 50_000_000, 12, 1600),
        OfferRule(15, 30_000_000, 12, 2000),
        OfferRule(10, 15_000_000, 6, 2400),
        OfferRule(5, 5_000_000, 3, 2800),
        OfferRule(0, 0, 0, 0),
    )
)
