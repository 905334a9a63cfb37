"""Weekly demand per (shop, category) series -> the next weeks' expected units (pure: no Django).

Wraps the tested engine in `apps.analytics.forecasting` with what a kelurahan's short, sparse
sales history needs:

* The history is made dense: every series gets a row (0 units) for each week from its first
  sale up to the week before the origin, so the grid ends at the origin even when nobody bought
  anything last week.
* The global XGBoost model is fitted when the grid has at least `MIN_GRID_WEEKS` weeks and is
  used for series with at least `MIN_MODEL_WEEKS` weeks of their own history.
* Every other series gets an honest fallback, labelled as such: the same week a year earlier
  (seasonal naive, when the series has a year and the horizon of history), otherwise the mean of
  its last (up to) four weeks. A model that cannot be fitted (ValueError from the engine) sends
  every series to the fallback and the reason is returned in `notes`.

The engine offers point forecasts only; no prediction interval is made up here.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import numpy as np
import pandas as pd

from apps.analytics.forecasting import ForecastConfig, fit, forecast

HORIZON = 4
MIN_GRID_WEEKS = 12
MIN_MODEL_WEEKS = 8
SEASON = 52
RECENT_WEEKS = 4

XGBOOST = "xgboost"
SEASONAL_NAIVE = "seasonal_naive"
RECENT_MEAN = "recent_mean"


@dataclass(frozen=True)
class SeriesForecast:
    series: Hashable
    week: date
    horizon: int
    units: float
    method: str
    history_weeks: int


@dataclass
class Result:
    rows: list[SeriesForecast]
    history_weeks: int  # weeks on the grid (first sale of any series .. origin - 1)
    model_used: bool
    notes: list[str] = field(default_factory=list)


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def densify(history: pd.DataFrame, origin: date) -> pd.DataFrame:
    """(series, week, demand) with a row for every week from each series' first sale to
    origin - 1 week (missing weeks 0). Weeks must be Mondays before the origin."""
    if history.empty:
        return pd.DataFrame(columns=["series", "week", "demand"])
    h = history[["series", "week", "demand"]].copy()
    h["week"] = pd.to_datetime(h["week"]).dt.normalize()
    last = pd.Timestamp(origin) - pd.Timedelta(days=7)
    h = h[h["week"] <= last]
    if h.empty:
        return pd.DataFrame(columns=["series", "week", "demand"])
    if (h["week"].dt.day_of_week != 0).any():
        raise ValueError("weeks must be Mondays")
    h = h.groupby(["series", "week"], as_index=False)["demand"].sum()
    frames = []
    for key, part in h.groupby("series", sort=True):
        grid = pd.date_range(part["week"].min(), last, freq="7D")
        dense = part.set_index("week")["demand"].reindex(grid, fill_value=0.0)
        frames.append(pd.DataFrame({"series": key, "week": grid, "demand": dense.to_numpy(dtype=float)}))
    return pd.concat(frames, ignore_index=True)


def _fallback(values: np.ndarray, h: int) -> tuple[float, str]:
    n = len(values)
    back = n + h - 1 - SEASON
    if n >= SEASON + HORIZON and back >= 0:
        return float(values[back]), SEASONAL_NAIVE
    recent = values[-RECENT_WEEKS:] if n else np.zeros(1)
    return float(np.mean(recent)), RECENT_MEAN


def weekly_forecast(
    history: pd.DataFrame, origin: date, *, horizon: int = HORIZON, config: ForecastConfig | None = None
) -> Result:
    """Forecast `horizon` weeks from `origin` (a Monday) for every series in `history`."""
    if origin.weekday() != 0:
        raise ValueError("origin must be a Monday")
    dense = densify(history, origin)
    if dense.empty:
        return Result(rows=[], history_weeks=0, model_used=False, notes=["no_history"])
    grid_weeks = int((pd.Timestamp(origin) - dense["week"].min()).days // 7)
    own = dense.groupby("series")["demand"].size().to_dict()
    eligible = {s for s, n in own.items() if n >= MIN_MODEL_WEEKS}
    notes: list[str] = []
    model_rows: dict[tuple[Hashable, int], float] = {}
    if grid_weeks < MIN_GRID_WEEKS or not eligible:
        notes.append("short_history")
    else:
        cfg = replace(config or ForecastConfig(), horizon=horizon)
        try:
            model = fit(dense, cfg)
            table = forecast(model, dense, horizon)
        except ValueError as exc:
            notes.append(f"model_failed: {exc}")
        else:
            for row in table.itertuples(index=False):
                if row.series in eligible:
                    model_rows[(row.series, int(row.horizon))] = max(float(row.forecast), 0.0)
    rows: list[SeriesForecast] = []
    for key, part in dense.groupby("series", sort=True):
        values = part["demand"].to_numpy(dtype=float)
        for h in range(1, horizon + 1):
            week = origin + timedelta(weeks=h - 1)
            if (key, h) in model_rows:
                units, method = model_rows[(key, h)], XGBOOST
            else:
                units, method = _fallback(values, h)
            rows.append(SeriesForecast(key, week, h, round(max(units, 0.0), 2), method, int(own[key])))
    return Result(rows=rows, history_weeks=grid_weeks, model_used=bool(model_rows), notes=notes)
