"""Global direct multi-step demand forecaster (XGBoost), pure: `fit` and `forecast`.

Strategy: **direct**. Every forecast week is predicted straight from what is known at the
origin (the last weeks, rolling statistics, the same week a year earlier, the calendar of the
target week); nothing predicted is fed back. A recursive model feeds its own week-ahead
predictions back in as lags, so its errors compound over the 8 weeks and holiday spikes echo
into the following weeks. By default one booster serves all horizon steps with the step `h` as a
feature (`pool_horizons`: 8x the training rows of a per-step model, which mattered with the
two-and-a-half years of the Walmart data); `pool_horizons=False` trains one booster per step.

The model is *global*: all series are pooled, each divided by its recent level (its *scale*, see
`features.py`), with the series id as a categorical feature. Training rows are every past origin
of every series whose target week is observed, weighted by the scale so the squared loss counts
demand units (big series matter as much as they do in WAPE).

Optionally (`seasonal_blend`) the result is averaged with the level-adjusted seasonal naive,
which is a strong forecaster for stable yearly demand; the benchmark picks the weight on a
validation window that precedes its evaluation windows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd

if TYPE_CHECKING:
    import xgboost as xgb

from .features import Design, ForecastConfig, OriginArrays, Panel, build_panel, design, feature_names, origin_arrays


@dataclass
class ForecastModel:
    """What `fit` returns: the config, the booster(s) and a training summary."""

    config: ForecastConfig
    boosters: dict[int, xgb.XGBRegressor]  # {0: pooled} or {h: per-step}
    features: list[str]
    series_categories: list[str]
    trained_through: pd.Timestamp  # label of the last week seen in training
    n_rows: dict[int, int] = field(default_factory=dict)

    @property
    def horizon(self) -> int:
        return self.config.horizon


def _regressor(config: ForecastConfig) -> xgb.XGBRegressor:
    import xgboost as xgb  # lazily: web processes import this package but never fit

    return xgb.XGBRegressor(
        objective=config.objective,
        n_estimators=config.n_estimators,
        learning_rate=config.learning_rate,
        max_depth=config.max_depth,
        min_child_weight=config.min_child_weight,
        subsample=config.subsample,
        colsample_bytree=config.colsample_bytree,
        reg_lambda=config.reg_lambda,
        tree_method="hist",
        max_bin=config.max_bin,
        enable_categorical=config.use_series_id,
        max_cat_to_onehot=1,
        n_jobs=config.n_jobs,
        random_state=config.random_state,
    )


def _model_input(d: Design, config: ForecastConfig, h: int) -> pd.DataFrame:
    if not config.pool_horizons:
        return d.X
    X = d.X.copy()
    X.insert(0, "horizon", float(h))
    return X


def _training_rows(
    panel: Panel, arrays: OriginArrays, config: ForecastConfig, h: int, categories: list[str]
) -> tuple[pd.DataFrame, npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Features, target ratio and sample weight of every past origin whose week o+h-1 is known."""
    last_origin = panel.n_obs - h
    if last_origin < 1:
        raise ValueError(f"history too short to train horizon {h}")
    d = design(panel, arrays, config, h, np.arange(1, last_origin + 1, dtype=np.int64), categories)
    keep = ~np.isnan(d.target) & (d.n_seen >= config.min_history)
    if not keep.any():
        raise ValueError(f"history too short to train horizon {h}")
    weight = d.scale[keep] / d.scale[keep].mean()
    if config.recency_halflife:
        age = (last_origin - d.origin[keep]).astype(float)
        weight = weight * np.power(0.5, age / config.recency_halflife)
    X = _model_input(d, config, h)[keep].reset_index(drop=True)
    return X, d.target[keep], weight


def fit(history: pd.DataFrame, config: ForecastConfig | None = None) -> ForecastModel:
    """Train on a long frame with columns (series, week, demand, *known covariates).

    Weeks are dates on one 7-day grid (one weekday for all rows); a series' missing weeks after
    its first one count as `config.fill_missing` (0: no sales). Raises ValueError on a malformed
    history or one too short to train every horizon step.
    """
    config = config or ForecastConfig()
    panel = build_panel(history, config)
    arrays = origin_arrays(panel, config)
    categories = sorted(str(s) for s in panel.series)
    parts = [_training_rows(panel, arrays, config, h, categories) for h in range(1, config.horizon + 1)]
    boosters: dict[int, xgb.XGBRegressor] = {}
    n_rows: dict[int, int] = {}
    if config.pool_horizons:
        X = pd.concat([p[0] for p in parts], ignore_index=True)
        booster = _regressor(config)
        booster.fit(X, np.concatenate([p[1] for p in parts]), sample_weight=np.concatenate([p[2] for p in parts]))
        boosters[0], n_rows[0] = booster, len(X)
    else:
        for h, (X, target, weight) in enumerate(parts, start=1):
            booster = _regressor(config)
            booster.fit(X, target, sample_weight=weight)
            boosters[h], n_rows[h] = booster, len(X)
    return ForecastModel(
        config=config,
        boosters=boosters,
        features=feature_names(config, panel),
        series_categories=categories,
        trained_through=panel.weeks[panel.n_obs - 1],
        n_rows=n_rows,
    )


def blend(model_forecast: npt.ArrayLike, seasonal: npt.ArrayLike, weight: float) -> npt.NDArray[np.float64]:
    """(1 - weight) * model + weight * seasonal where `seasonal` is known, else the model; >= 0."""
    m = np.asarray(model_forecast, dtype=float)
    s = np.asarray(seasonal, dtype=float)
    w = np.where(np.isnan(s), 0.0, weight)
    out: npt.NDArray[np.float64] = np.maximum((1.0 - w) * m + w * np.nan_to_num(s), 0.0)
    return out


def forecast(
    model: ForecastModel, history: pd.DataFrame, horizon: int | None = None, future: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Forecast the `horizon` weeks after the last week of `history`, for every series in it.

    `history` may be newer than the training data (the features are read at the new origin), and
    may hold series the model never saw (their id is then unknown to it, the rest still works).
    `future` gives the known covariates of the horizon weeks when the config has any.

    Returns columns (series, week, horizon, forecast, model, seasonal): `forecast` is the answer
    (>= 0), `model` the booster's own forecast and `seasonal` the level-adjusted seasonal naive
    (NaN without a year-ago week); they differ only when `seasonal_blend` > 0.
    """
    config = model.config
    horizon = config.horizon if horizon is None else horizon
    if not 1 <= horizon <= config.horizon:
        raise ValueError(f"horizon must be between 1 and {config.horizon}, the horizon the model was fit for")
    panel = build_panel(history, config, n_future=horizon, future=future)
    arrays = origin_arrays(panel, config)
    origin = np.array([panel.n_obs], dtype=np.int64)
    frames = []
    for h in range(1, horizon + 1):
        d = design(panel, arrays, config, h, origin, model.series_categories)
        booster = model.boosters[0 if config.pool_horizons else h]
        own = np.maximum(booster.predict(_model_input(d, config, h)) * d.scale, 0.0)
        seasonal = d.scale * d.seasonal_index
        frames.append(
            pd.DataFrame(
                {
                    config.series_col: [panel.series[i] for i in d.series_pos],
                    config.week_col: panel.weeks[panel.n_obs + h - 1],
                    "horizon": h,
                    "forecast": blend(own, seasonal, config.seasonal_blend),
                    "model": own,
                    "seasonal": seasonal,
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values([config.series_col, "horizon"], kind="stable").reset_index(drop=True)


def feature_frame(
    history: pd.DataFrame,
    origin_week: pd.Timestamp,
    config: ForecastConfig | None = None,
    future: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The feature rows for a forecast from `origin_week` (the first forecast week: a week of the
    history grid other than the first, or the week right after it), one row per (series,
    horizon), in model units. For audits and the leakage test."""
    config = config or ForecastConfig()
    panel = build_panel(history, config, n_future=config.horizon, future=future)
    arrays = origin_arrays(panel, config)
    pos = int(panel.weeks.get_indexer(pd.DatetimeIndex([pd.Timestamp(origin_week).normalize()]))[0])
    if pos < 1 or pos > panel.n_obs:
        raise ValueError("origin_week must be a week of the history grid (not the first) or the week after it")
    categories = sorted(str(s) for s in panel.series)
    frames = []
    for h in range(1, config.horizon + 1):
        d = design(panel, arrays, config, h, np.array([pos], dtype=np.int64), categories)
        x = d.X.copy()
        x.insert(0, "horizon", h)
        x.insert(0, config.series_col, [panel.series[i] for i in d.series_pos])
        x["scale"] = d.scale
        frames.append(x)
    return pd.concat(frames, ignore_index=True)


def feature_importance(model: ForecastModel, horizon: int = 1, top: int = 15) -> list[tuple[str, float]]:
    """Share of total gain per feature of the (pooled or step-`horizon`) booster, largest first."""
    booster = model.boosters[0 if model.config.pool_horizons else horizon]
    scores = booster.get_booster().get_score(importance_type="total_gain")
    gains = {k: float(v) for k, v in scores.items() if isinstance(v, float | int)}
    total = sum(gains.values()) or 1.0
    ranked = sorted(((k, v / total) for k, v in gains.items()), key=lambda kv: -kv[1])
    return [(k, float(v)) for k, v in ranked[:top] if not math.isnan(v)]
