"""A sample UMKM applicant (the worked example in `scorecard.py`'s docstring)."""

from __future__ import annotations

from apps.lending.scoring.features import FeatureValue

APPLICANT: dict[str, FeatureValue] = {
    "gmv_avg_3m": 4_000_000,
    "gmv_trend_3m": 0.0,
    "orders_3m": 60,
    "active_weeks_ratio_12w": 10 / 12,
    "refund_rate_3m": 0.01,
    "cancel_rate_3m": 0.05,
    "cancellations_30d": 1,
    "rating_avg": 4.4,
    "rating_count": 30,
    "tenure_months": 24,
    "permit_level": 2,
    "iuran_on_time_ratio": None,
    "repay_on_time_ratio": None,
    "repay_max_dpd": None,
    "prior_loans_count": 0,
    "wallet_active_days_3m": 20,
}
