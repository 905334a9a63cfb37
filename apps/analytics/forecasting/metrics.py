"""Error measure and the baselines every forecast is compared with (pure)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from .features import ForecastConfig, build_panel


def wape(actual: npt.ArrayLike, predicted: npt.ArrayLike) -> float:
    """Weighted absolute percentage error: sum |actual - predicted| / sum |actual|."""
    a = np.asarray(actual, dtype=float)
    p = np.asarray(predicted, dtype=float)
    if a.shape != p.shape:
        raise ValueError("actual and predicted differ in shape")
    denom = float(np.abs(a).sum())
    if denom == 0.0:
        raise ValueError("WAPE is undefined when every actual value is 0")
    return float(np.abs(a - p).sum() / denom)


def _baseline(history: pd.DataFrame, horizon: int, config: ForecastConfig, season: int | None) -> pd.DataFrame:
    cfg = ForecastConfig(
        horizon=1,
        calendar=None,
        week_label=config.week_label,
        series_col=config.series_col,
        week_col=config.week_col,
        target_col=config.target_col,
        fill_missing=config.fill_missing,
    )
    panel = build_panel(history, cfg, n_future=horizon)
    n = panel.n_obs
    rows = []
    for h in range(1, horizon + 1):
        t = n + h - 1
        if season is None:
            value = panel.y[n - 1]
        else:
            back = t - season * ((h - 1) // season + 1)  # the latest same-season week before n
            value = panel.y[back] if back >= 0 else np.full(len(panel.series), np.nan)
        rows.append(
            pd.DataFrame(
                {
                    config.series_col: panel.series,
                    config.week_col: panel.weeks[t],
                    "horizon": h,
                    "forecast": value,
                }
            )
        )
    out = pd.concat(rows, ignore_index=True)
    return out.sort_values([config.series_col, "horizon"], kind="stable").reset_index(drop=True)


def naive_forecast(history: pd.DataFrame, horizon: int, config: ForecastConfig | None = None) -> pd.DataFrame:
    """Last observed week repeated over the horizon (same columns as `forecast`)."""
    return _baseline(history, horizon, config or ForecastConfig(), season=None)


def seasonal_naive_forecast(
    history: pd.DataFrame, horizon: int, season: int = 52, config: ForecastConfig | None = None
) -> pd.DataFrame:
    """The same week one season (52 weeks) earlier; NaN where the history is shorter."""
    return _baseline(history, horizon, config or ForecastConfig(), season=season)
