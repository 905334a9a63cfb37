"""Synthetic UMKM applicants with known risk, for tests, the benchmark and demos. Not real data.

Rows follow `UMKM_FEATURES`. Outcomes are drawn from a logistic "true" model whose effects
have the documented directions (plus unobserved noise), so a monotone model should learn them.
About 12% default. Deterministic for a given seed.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .features import UMKM_FEATURES

__all__ = ["synthetic_umkm"]


def synthetic_umkm(n: int, seed: int = 0) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """(x, y): n rows of UMKM features in `UMKM_FEATURES` order and outcomes (1 = default)."""
    rng = np.random.default_rng(seed)
    nan = np.nan
    tenure = rng.integers(1, 73, n).astype(np.float64)
    gmv = np.round(rng.lognormal(np.log(4_000_000), 0.9, n), -3)
    trend = np.clip(rng.normal(0.02, 0.2, n), -0.9, 2.0)
    orders = rng.poisson(gmv / 60_000).astype(np.float64) + 1
    weeks = rng.binomial(12, 1 - np.exp(-orders / 40)) / 12
    refund = rng.beta(1, 40, n)
    cancel = rng.beta(1.2, 25, n)
    cancellations = rng.binomial(np.maximum(orders // 3, 1).astype(np.int64), cancel).astype(np.float64)
    rating_count = rng.binomial(orders.astype(np.int64), 0.3).astype(np.float64)
    rating = np.where(rating_count > 0, np.clip(rng.normal(4.4 - 3 * refund, 0.3), 1, 5), nan)
    permit = rng.choice([0.0, 1.0, 2.0], n, p=[0.4, 0.2, 0.4])
    iuran = np.where(rng.random(n) < 0.3, nan, rng.beta(8, 1.5, n))
    prior = rng.poisson(0.6, n).astype(np.float64)
    on_time = np.where(prior > 0, rng.beta(12, 1, n), nan)
    dpd = np.where(prior > 0, np.where(rng.random(n) < 0.6, 0.0, np.round(rng.exponential(15, n))), nan)
    # Drawn last so that the columns above stay the same for a given seed as before this feature.
    wallet = np.where(rng.random(n) < 0.2, nan, np.minimum(rng.binomial(90, np.clip(weeks * 0.5, 0.02, 1.0)), 90))

    z = (
        -2.6
        - 0.6 * (np.log(gmv) - np.log(4_000_000))
        - 2.0 * trend
        - 1.5 * (weeks - 0.7)
        + 12.0 * refund
        + 8.0 * cancel
        + 0.15 * cancellations
        - 0.9 * np.nan_to_num(rating - 4.3)
        - 0.025 * (tenure - 24)
        - 0.45 * permit
        - 2.5 * np.nan_to_num(iuran - 0.8)
        - 4.0 * np.nan_to_num(on_time - 0.9)
        + 0.03 * np.nan_to_num(dpd)
        - 0.01 * np.nan_to_num(wallet - 30)
        + rng.normal(0, 0.3, n)
    )
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(np.int64)

    columns = {
        "gmv_avg_3m": gmv,
        "gmv_trend_3m": trend,
        "orders_3m": orders,
        "active_weeks_ratio_12w": weeks,
        "refund_rate_3m": refund,
        "cancel_rate_3m": cancel,
        "cancellations_30d": cancellations,
        "rating_avg": rating,
        "rating_count": rating_count,
        "tenure_months": tenure,
        "permit_level": permit,
        "iuran_on_time_ratio": iuran,
        "repay_on_time_ratio": on_time,
        "repay_max_dpd": dpd,
        "prior_loans_count": prior,
        "wallet_active_days_3m": wallet.astype(np.float64),
    }
    x = np.column_stack([columns[name] for name in UMKM_FEATURES.names]).astype(np.float64)
    return x, y
