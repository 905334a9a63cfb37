"""Insights on weekly demand: fast-growing categories/sectors and raw-material needs (pure).

Growth. Per group (a series, or a sector when `groups` maps series to sectors), over the last
`weeks` weeks: the Theil-Sen slope (median of pairwise slopes, robust to one odd week) relative
to the window's mean demand gives the growth rate; the Mann-Kendall trend test gives a one-sided
p-value for "demand is rising", and Benjamini-Hochberg turns the p-values of all groups into
q-values so that scanning many categories does not flag noise. A group is *fast-growing* when
its q-value is <= `alpha`, its growth per week is >= `min_growth` and its mean weekly demand is
>= `min_mean` (ten sales a week growing to fifteen is not a trend worth a dashboard card).
Caveats, stated in the result: Mann-Kendall assumes independent weeks (autocorrelated demand
makes it optimistic, which the FDR control only partly offsets), and a seasonal run-up (the
weeks before Lebaran) is a rise too: `yoy_change` compares with the same weeks a year earlier
when the history has them, and `require_yoy_growth` adds it to the guard.

Raw materials. `material_needs` multiplies a forecast by a bill of materials (units of each
material per unit of demand) and sums per material and week; with prices (integer rupiah per
material unit, e.g. from `latest_prices` on the Badan Pangan Nasional price table) it adds the
cost in whole rupiah.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

SeriesKey = TypeVar("SeriesKey", bound=Hashable)


@dataclass(frozen=True)
class GrowthInsight:
    group: Hashable
    weeks: int
    mean_demand: float
    growth_per_week: float  # Theil-Sen slope / mean demand (0.05 = +5% of the mean per week)
    change_over_window: float  # fitted change first -> last week, relative to the mean
    mk_z: float
    p_value: float  # one-sided, H1: rising
    q_value: float  # Benjamini-Hochberg over all groups
    yoy_change: float | None  # window total / same weeks a year earlier - 1
    fast_growing: bool
    reason: str  # why not fast-growing ("" when it is)


@dataclass(frozen=True)
class _GroupStats:
    group: Hashable
    mean: float
    growth: float
    change: float
    z: float
    p: float
    yoy: float | None


def theil_sen_slope(y: npt.ArrayLike) -> float:
    v = np.asarray(y, dtype=float)
    i, j = np.triu_indices(len(v), k=1)
    if len(i) == 0:
        return 0.0
    return float(np.median((v[j] - v[i]) / (j - i)))


def mann_kendall(y: npt.ArrayLike) -> tuple[float, float]:
    """Mann-Kendall z statistic (tie-corrected, continuity-corrected) and the one-sided p-value
    for an increasing trend (normal approximation)."""
    v = np.asarray(y, dtype=float)
    n = len(v)
    if n < 3:
        return 0.0, 1.0
    i, j = np.triu_indices(n, k=1)
    s = float(np.sign(v[j] - v[i]).sum())
    _, counts = np.unique(v, return_counts=True)
    ties = float(sum(t * (t - 1) * (2 * t + 5) for t in counts if t > 1))
    var = (n * (n - 1) * (2 * n + 5) - ties) / 18.0
    if var <= 0:
        return 0.0, 1.0
    z = (s - math.copysign(1.0, s)) / math.sqrt(var) if s != 0 else 0.0
    return z, 0.5 * math.erfc(z / math.sqrt(2.0))


def benjamini_hochberg(p_values: npt.ArrayLike) -> npt.NDArray[np.float64]:
    p = np.asarray(p_values, dtype=float)
    m = len(p)
    if m == 0:
        return p
    order = np.argsort(p)
    ranked = p[order] * m / np.arange(1, m + 1)
    q_sorted = np.minimum.accumulate(ranked[::-1])[::-1]
    q = np.empty(m)
    q[order] = np.minimum(q_sorted, 1.0)
    return q


def _weekly_by_group(
    history: pd.DataFrame,
    groups: Mapping[SeriesKey, Hashable] | None,
    series_col: str,
    week_col: str,
    target_col: str,
) -> pd.DataFrame:
    """Wide frame: one column per group, one row per week of the full grid, missing weeks 0."""
    h = history[[series_col, week_col, target_col]].copy()
    h[week_col] = pd.to_datetime(h[week_col]).dt.normalize()
    if groups is not None:
        unmapped = sorted({str(s) for s in h[series_col].unique() if s not in groups})
        if unmapped:
            raise ValueError(f"series without a group: {unmapped[:10]}")
        h[series_col] = h[series_col].map(groups)
    if ((h[week_col] - h[week_col].min()).dt.days % 7 != 0).any():
        raise ValueError("weeks must share one weekday (a regular 7-day grid)")
    wide = h.pivot_table(index=week_col, columns=series_col, values=target_col, aggfunc="sum")
    grid = pd.date_range(h[week_col].min(), h[week_col].max(), freq="7D")
    return wide.reindex(grid).fillna(0.0)


def growth_insights(
    history: pd.DataFrame,
    *,
    weeks: int = 13,
    groups: Mapping[SeriesKey, Hashable] | None = None,
    alpha: float = 0.05,
    min_growth: float = 0.02,
    min_mean: float = 10.0,
    require_yoy_growth: bool = False,
    series_col: str = "series",
    week_col: str = "week",
    target_col: str = "demand",
) -> list[GrowthInsight]:
    """Trend of each group over the last `weeks` weeks of `history`, fastest-growing first.

    `groups` maps series to a sector/category to aggregate first (every series must be mapped).
    Weeks a series has no row for count as 0 demand.
    """
    if weeks < 4:
        raise ValueError("weeks must be at least 4 for a trend test")
    wide = _weekly_by_group(history, groups, series_col, week_col, target_col)
    window = wide.iloc[-weeks:]
    year_ago = wide.iloc[-weeks - 52 : -52] if len(wide) >= weeks + 52 else None
    stats: list[_GroupStats] = []
    for g in wide.columns:
        y = window[g].to_numpy(dtype=float)
        mean = float(y.mean())
        slope = theil_sen_slope(y)
        z, p = mann_kendall(y)
        yoy: float | None = None
        if year_ago is not None:
            before = float(year_ago[g].sum())
            yoy = float(y.sum()) / before - 1.0 if before > 0 else None
        growth = slope / mean if mean > 0 else 0.0
        change = slope * (len(y) - 1) / mean if mean > 0 else 0.0
        stats.append(_GroupStats(g, mean, growth, change, z, p, yoy))
    q_values = benjamini_hochberg([st.p for st in stats])
    out: list[GrowthInsight] = []
    for st, q in zip(stats, q_values, strict=True):
        if len(window) < weeks:
            reason = f"only {len(window)} weeks of history"
        elif st.mean < min_mean:
            reason = "volume below min_mean"
        elif st.growth < min_growth:
            reason = "growth below min_growth"
        elif q > alpha:
            reason = "trend not significant"
        elif require_yoy_growth and (st.yoy is None or st.yoy <= 0):
            reason = "no growth against the same weeks a year earlier"
        else:
            reason = ""
        out.append(
            GrowthInsight(
                group=st.group,
                weeks=len(window),
                mean_demand=st.mean,
                growth_per_week=st.growth,
                change_over_window=st.change,
                mk_z=st.z,
                p_value=st.p,
                q_value=float(q),
                yoy_change=st.yoy,
                fast_growing=reason == "",
                reason=reason,
            )
        )
    return sorted(out, key=lambda i: (not i.fast_growing, -i.growth_per_week))


def material_needs(
    forecast: pd.DataFrame,
    bom: Mapping[SeriesKey, Mapping[str, float]],
    *,
    prices: Mapping[str, int] | None = None,
    strict: bool = False,
    series_col: str = "series",
    week_col: str = "week",
    value_col: str = "forecast",
) -> pd.DataFrame:
    """Raw materials each forecast week needs: sum over series of forecast x units per demand.

    Returns columns (material, week, quantity[, unit_price, cost_rupiah]) sorted by material and
    week. Series with no bill of materials are skipped and listed in `result.attrs["missing_bom"]`
    (or raise ValueError with `strict=True`). Cost is rounded to whole rupiah per row; materials
    without a price get no cost (NaN) and are listed in `result.attrs["missing_price"]`.
    """
    for key, recipe in bom.items():
        if any(q < 0 or not math.isfinite(q) for q in recipe.values()):
            raise ValueError(f"bill of materials for {key!r} has a negative or non-finite quantity")
    series = list(pd.unique(forecast[series_col]))
    missing = [s for s in series if s not in bom]
    if missing and strict:
        raise ValueError(f"no bill of materials for: {missing[:10]}")
    rows = [(material, s, per_unit) for s in series if s in bom for material, per_unit in bom[s].items()]
    recipe = pd.DataFrame(rows, columns=["material", series_col, "per_unit"])
    f = forecast[[series_col, week_col, value_col]].merge(recipe, on=series_col)
    f["quantity"] = np.maximum(f[value_col].to_numpy(dtype=float), 0.0) * f["per_unit"].to_numpy(dtype=float)
    out = f.groupby(["material", week_col], as_index=False, sort=True)["quantity"].sum()
    out = out.rename(columns={week_col: "week"}) if week_col != "week" else out
    missing_price: list[str] = []
    if prices is not None:
        out["unit_price"] = out["material"].map(prices)
        missing_price = sorted(set(out.loc[out["unit_price"].isna(), "material"]))
        cost = out["quantity"] * out["unit_price"]
        out["cost_rupiah"] = cost.round().astype("Int64")
    out.attrs["missing_bom"] = missing
    out.attrs["missing_price"] = missing_price
    return out.reset_index(drop=True)


def latest_prices(
    prices: pd.DataFrame,
    *,
    commodity_col: str = "Komoditas",
    price_col: str = "Harga",
    date_col: str = "Timestamp",
) -> dict[str, int]:
    """Latest non-zero price per commodity (the Badan Pangan Nasional table: 0 means missing)."""
    p = prices[[commodity_col, price_col, date_col]].copy()
    p[date_col] = pd.to_datetime(p[date_col])
    p = p[p[price_col] > 0].sort_values(date_col, kind="stable")
    last = p.groupby(commodity_col, sort=True)[price_col].last()
    return {str(k): round(float(v)) for k, v in last.items()}
