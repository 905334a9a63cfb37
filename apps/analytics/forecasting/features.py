"""Weekly panel and the leakage-free feature rows of the direct multi-step forecaster.

Vocabulary. The history is a long frame (series, week, demand[, covariates]). It becomes a
*panel*: one column per series on a common 7-day grid. An *origin* `o` is a count of weeks
known: the forecast made at origin `o` sees weeks `0 .. o-1` only, and horizon `h` (1-based)
targets week `T = o + h - 1`.

Every demand-valued feature for (series, o, h) is read from weeks `< o` and divided by the
series' *scale* at `o` (mean demand of the `scale_window` weeks before `o`; if that is 0, the
mean of all weeks before `o`; if that is 0 too, 1), so one global model
serves big and small series alike; the model learns `demand[T] / scale` and the forecast is
multiplied back. Features:

* `lag1..lag4`: the last four weeks before the origin (lag `h..h+3` of the target).
* `seasonal_lag52`, `seasonal_lag53`, `seasonal_lag104`: the target week one year (and one year
  and a week, two years) earlier; always before the origin for h <= 52.
* `roll_mean_{4,8,13}`, `roll_std_{4,8,13}`: rolling statistics of the weeks before the origin.
* `yago_level`: the scaled level of the same 13 weeks one year earlier, and `seasonal_index`,
  the year-ago target week over that level (a level-adjusted seasonal profile: the target in
  scaled units if this year repeats last year's shape); `pooled_index`, the same ratio summed
  over all series (a panel-wide seasonal profile, far less noisy than one store's).
* `log_scale`: log1p of the scale (how big the series is).
* `week_of_year`, `month`, `quarter` of the target week and the holiday calendar's features for
  the target week and (prefixed `yago_`) for the year-ago week the seasonal lag came from.
* known covariates (e.g. Walmart's `Holiday_Flag`) at the target week and a year before it.
* `series_id` (categorical) when the config asks for it.

Calendar features and known covariates of future weeks are legitimate: holidays are known in
advance. Nothing else from week >= o is read; `tests/analytics` checks it by perturbing the future.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from .calendars import HolidayCalendar, IndonesiaCalendar, calendar_columns

Array = npt.NDArray[np.float64]

_EPS = 1e-9
_YEAR = 52


@dataclass(frozen=True)
class ForecastConfig:
    """Everything `fit` needs to know; the defaults are KotaKita's (Monday weeks, Indonesia)."""

    horizon: int = 8
    calendar: HolidayCalendar | None = field(default_factory=IndonesiaCalendar)
    # "start": the week label is the first day of the 7-day period (KotaKita, ISO Monday);
    # "end": the last day (Walmart's Friday week-ending dates).
    week_label: Literal["start", "end"] = "start"
    series_col: str = "series"
    week_col: str = "week"
    target_col: str = "demand"
    known_covariates: tuple[str, ...] = ()
    lags: tuple[int, ...] = (1, 2, 3, 4)
    seasonal_lags: tuple[int, ...] = (52, 53, 104)
    windows: tuple[int, ...] = (4, 8, 13)
    scale_window: int = 13
    # Direct strategy, one booster for all horizons (the horizon is a feature: 8x the rows, which
    # won on the Walmart validation window) or one booster per horizon step.
    pool_horizons: bool = True
    # Final forecast = (1 - w) * model + w * the level-adjusted seasonal naive (scale times
    # `seasonal_index`) where a year-ago week exists; 0 = the model alone.
    seasonal_blend: float = 0.0
    yago_calendar: bool = True
    use_series_id: bool = True
    # A week with no row after the series' first week: 0.0 = no sales (KotaKita roll-ups omit
    # empty weeks); None keeps it unknown (NaN).
    fill_missing: float | None = 0.0
    min_history: int = 4
    # XGBoost
    objective: str = "reg:squarederror"
    n_estimators: int = 300
    learning_rate: float = 0.05
    max_depth: int = 5
    min_child_weight: float = 1.0
    subsample: float = 0.8
    colsample_bytree: float = 0.8
    reg_lambda: float = 1.0
    max_bin: int = 64
    recency_halflife: float | None = None  # weeks; None = all training origins weigh the same
    # One thread: on a shared, busy CPU XGBoost's OpenMP threads spin-wait for each other and
    # two threads ran 5-20x slower than one in our measurements.
    n_jobs: int = 1
    random_state: int = 0

    def __post_init__(self) -> None:
        if not 1 <= self.horizon <= min(_YEAR, *self.seasonal_lags):
            raise ValueError("horizon must be between 1 and 52 (and not beyond a seasonal lag)")
        if not 0.0 <= self.seasonal_blend <= 1.0:
            raise ValueError("seasonal_blend must be between 0 and 1")
        if any(k < 1 for k in self.lags) or any(w < 1 for w in self.windows) or self.scale_window < 1:
            raise ValueError("lags, windows and scale_window must be positive")


@dataclass
class Panel:
    """Wide weekly arrays. Rows 0..n_obs-1 are observed, the rest are future weeks."""

    weeks: pd.DatetimeIndex  # labels as in the input, n_obs + n_future
    n_obs: int
    series: list[Hashable]
    y: Array  # (n_obs + n_future, m); NaN before a series starts and in the future
    covariates: dict[str, Array]  # (n_obs + n_future, m)
    calendar: pd.DataFrame  # (52 + n_obs + n_future) rows: a year of weeks before the grid first
    first_obs: npt.NDArray[np.int64]  # index of each series' first observed week


def week_starts(labels: pd.DatetimeIndex, week_label: str) -> pd.DatetimeIndex:
    return labels - pd.Timedelta(days=6) if week_label == "end" else labels


def build_panel(
    history: pd.DataFrame, config: ForecastConfig, n_future: int = 0, future: pd.DataFrame | None = None
) -> Panel:
    """Validate the long history frame and lay it out on a complete weekly grid.

    `future` carries known covariates for the `n_future` weeks after the history (same columns
    minus the target); it is required when the config has known covariates and n_future > 0.
    """
    s_col, w_col, t_col = config.series_col, config.week_col, config.target_col
    missing = [c for c in (s_col, w_col, t_col, *config.known_covariates) if c not in history.columns]
    if missing:
        raise ValueError(f"history lacks columns: {missing}")
    if history.empty:
        raise ValueError("history is empty")
    h = history[[s_col, w_col, t_col, *config.known_covariates]].copy()
    h[w_col] = pd.to_datetime(h[w_col]).dt.normalize()
    if h.duplicated([s_col, w_col]).any():
        raise ValueError("history has more than one row for a (series, week)")
    if h[t_col].isna().any():
        raise ValueError("history has missing demand values; drop the rows or fill them")
    first, last = h[w_col].min(), h[w_col].max()
    offsets = (h[w_col] - first).dt.days
    if (offsets % 7 != 0).any():
        raise ValueError("weeks must share one weekday (a regular 7-day grid)")
    n_obs = int((last - first).days // 7) + 1
    grid = pd.DatetimeIndex(pd.date_range(first, periods=n_obs + n_future, freq="7D"))

    wide = h.pivot(index=w_col, columns=s_col, values=t_col).reindex(grid)
    series = list(wide.columns)
    y = wide.to_numpy(dtype=float, copy=True)
    y[n_obs:] = np.nan
    observed = ~np.isnan(y[:n_obs])
    first_obs = np.where(observed.any(axis=0), observed.argmax(axis=0), n_obs).astype(np.int64)
    if config.fill_missing is not None:
        started = np.arange(n_obs)[:, None] >= first_obs[None, :]
        y[:n_obs] = np.where(started & np.isnan(y[:n_obs]), config.fill_missing, y[:n_obs])

    covariates: dict[str, Array] = {}
    if config.known_covariates:
        both = h
        if n_future:
            if future is None:
                raise ValueError(f"future values of {list(config.known_covariates)} are needed to forecast")
            f = future.copy()
            f[w_col] = pd.to_datetime(f[w_col]).dt.normalize()
            both = pd.concat([h, f[f[w_col] > last]], ignore_index=True)
        for cov in config.known_covariates:
            c = both.pivot_table(index=w_col, columns=s_col, values=cov, aggfunc="max", dropna=False)
            arr = c.reindex(index=grid, columns=series).to_numpy(dtype=float)
            if n_future and np.isnan(arr[n_obs:]).any():
                raise ValueError(f"future lacks `{cov}` for some series/weeks of the horizon")
            covariates[cov] = arr

    cal_grid = pd.DatetimeIndex(pd.date_range(first - pd.Timedelta(weeks=_YEAR), periods=_YEAR + len(grid), freq="7D"))
    starts = week_starts(cal_grid, config.week_label)
    parts = [calendar_columns(starts)]
    if config.calendar is not None:
        parts.append(config.calendar.week_features(starts))
    calendar = pd.concat([p.reset_index(drop=True) for p in parts], axis=1)
    return Panel(grid, n_obs, series, y, covariates, calendar, first_obs)


def _lagged(y_obs: Array, k: int) -> Array:
    """(n_obs + 1, m): row o holds y[o - k] (NaN when o - k < 0)."""
    n, m = y_obs.shape
    pad = np.full((k, m), np.nan)
    return np.vstack([pad, y_obs])[: n + 1]


def _rolled(y_obs: Array, window: int, stat: str) -> Array:
    """(n_obs + 1, m): row o holds the statistic of y[o - window .. o - 1]."""
    frame = pd.DataFrame(y_obs).rolling(window, min_periods=1 if stat == "mean" else 2)
    r = frame.mean() if stat == "mean" else frame.std()
    return np.vstack([np.full((1, y_obs.shape[1]), np.nan), r.to_numpy(dtype=float)])


@dataclass
class OriginArrays:
    """Per-origin arrays, row o uses weeks < o only."""

    scale: Array
    lags: dict[int, Array]
    rolls: dict[str, Array]
    yago_level: Array
    n_seen: npt.NDArray[np.int64]


def origin_arrays(panel: Panel, config: ForecastConfig) -> OriginArrays:
    y_obs = panel.y[: panel.n_obs]
    n, m = y_obs.shape
    scale = _rolled(y_obs, config.scale_window, "mean")
    with np.errstate(invalid="ignore", divide="ignore"):
        csum = np.vstack([np.zeros((1, m)), np.nancumsum(y_obs, axis=0)])
        ccnt = np.vstack([np.zeros((1, m)), np.cumsum(~np.isnan(y_obs), axis=0)])
        expanding = csum / ccnt
    scale = np.where(np.isnan(scale) | (scale <= _EPS), expanding, scale)
    scale = np.where(np.isnan(scale) | (scale <= _EPS), 1.0, scale)
    max_lag = max([*config.lags, *config.seasonal_lags, _YEAR])
    lags = {k: _lagged(y_obs, k) for k in range(1, max_lag + 1)}
    rolls: dict[str, Array] = {}
    for w in config.windows:
        rolls[f"roll_mean_{w}"] = _rolled(y_obs, w, "mean")
        rolls[f"roll_std_{w}"] = _rolled(y_obs, w, "std")
    level13 = _rolled(y_obs, config.scale_window, "mean")
    yago = np.vstack([np.full((_YEAR, m), np.nan), level13])[: n + 1]
    return OriginArrays(scale, lags, rolls, yago, ccnt.astype(np.int64))


def feature_names(config: ForecastConfig, panel: Panel) -> list[str]:
    names = [f"lag{k}" for k in config.lags]
    names += [f"seasonal_lag{s}" for s in config.seasonal_lags]
    for w in config.windows:
        names += [f"roll_mean_{w}", f"roll_std_{w}"]
    names += ["yago_level", "seasonal_index", "pooled_index", "log_scale"]
    cal = list(panel.calendar.columns)
    names += cal
    if config.yago_calendar:
        names += [f"yago_{c}" for c in cal if c not in ("week_of_year", "month", "quarter")]
    for cov in config.known_covariates:
        names += [cov, f"yago_{cov}"]
    if config.use_series_id:
        names.append("series_id")
    return names


@dataclass
class Design:
    """Feature rows for one horizon, one row per (origin, series)."""

    X: pd.DataFrame
    target: Array  # demand[T] / scale (NaN when T is not observed)
    scale: Array
    origin: npt.NDArray[np.int64]
    series_pos: npt.NDArray[np.int64]
    n_seen: npt.NDArray[np.int64]  # weeks of the series seen before the origin
    seasonal_index: Array  # year-ago target week / year-ago level (NaN without a year-ago week)


def _pooled_index(arrays: OriginArrays, horizon: int) -> Array:
    """Per origin: the year-ago target week over the year-ago level, summed over all series
    (a volume-weighted seasonal index shared by the panel; NaN without year-ago data)."""
    year_ago = arrays.lags[_YEAR - horizon + 1]
    level = arrays.yago_level
    ok = ~np.isnan(year_ago) & ~np.isnan(level) & (level > _EPS)
    num = np.where(ok, year_ago, 0.0).sum(axis=1)
    den = np.where(ok, level, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > _EPS, num / den, np.nan)


def design(
    panel: Panel,
    arrays: OriginArrays,
    config: ForecastConfig,
    horizon: int,
    origins: npt.NDArray[np.int64],
    series_categories: list[str] | None = None,
) -> Design:
    """Feature rows for `horizon` at each origin in `origins` (0 < o <= n_obs), every series."""
    m = len(panel.series)
    o = np.repeat(origins, m)
    j = np.tile(np.arange(m), len(origins))
    t = o + horizon - 1
    s = arrays.scale[o, j]
    cols: dict[str, Array | pd.Categorical] = {}
    for k in config.lags:
        cols[f"lag{k}"] = arrays.lags[k][o, j] / s
    for sl in config.seasonal_lags:
        cols[f"seasonal_lag{sl}"] = arrays.lags[sl - horizon + 1][o, j] / s
    for w in config.windows:
        cols[f"roll_mean_{w}"] = arrays.rolls[f"roll_mean_{w}"][o, j] / s
        cols[f"roll_std_{w}"] = arrays.rolls[f"roll_std_{w}"][o, j] / s
    yago = arrays.yago_level[o, j]
    cols["yago_level"] = yago / s
    with np.errstate(invalid="ignore", divide="ignore"):
        seasonal = arrays.lags[_YEAR - horizon + 1][o, j] / yago
    seasonal_index = np.where(yago > _EPS, seasonal, np.nan)
    cols["seasonal_index"] = seasonal_index
    cols["pooled_index"] = _pooled_index(arrays, horizon)[o]
    cols["log_scale"] = np.log1p(s)
    cal = panel.calendar.to_numpy(dtype=float)
    for ci, c in enumerate(panel.calendar.columns):
        cols[c] = cal[t + _YEAR, ci]
    if config.yago_calendar:
        for ci, c in enumerate(panel.calendar.columns):
            if c not in ("week_of_year", "month", "quarter"):
                cols[f"yago_{c}"] = cal[t, ci]
    for cov in config.known_covariates:
        arr = panel.covariates[cov]
        cols[cov] = arr[t, j]
        back = t - _YEAR
        cols[f"yago_{cov}"] = np.where(back >= 0, arr[np.maximum(back, 0), j], np.nan)
    if config.use_series_id:
        known = set(series_categories) if series_categories is not None else None
        names = [str(panel.series[i]) for i in j]
        labels = [n if known is None or n in known else None for n in names]  # unseen -> missing
        cols["series_id"] = pd.Categorical(labels, categories=series_categories)
    X = pd.DataFrame(cols)[feature_names(config, panel)]
    target = np.full(len(o), np.nan)
    inside = t < panel.n_obs
    target[inside] = panel.y[t[inside], j[inside]] / s[inside]
    return Design(X, target, s, o, j, arrays.n_seen[o, j], seasonal_index)
