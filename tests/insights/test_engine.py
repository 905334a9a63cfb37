"""The forecaster on small series (pure): fallbacks for short histories, the model when there
is enough, and the dense weekly grid."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from apps.insights import engine

ORIGIN = date(2026, 11, 23)  # a Monday


def weeks_before(origin: date, n: int) -> list[date]:
    return [origin - timedelta(weeks=n - i) for i in range(n)]


def frame(series: str, values: list[float], origin: date = ORIGIN) -> pd.DataFrame:
    return pd.DataFrame({"series": series, "week": weeks_before(origin, len(values)), "demand": values})


def test_no_history_gives_nothing_and_says_so() -> None:
    empty = pd.DataFrame(columns=["series", "week", "demand"])
    result = engine.weekly_forecast(empty, ORIGIN)
    assert result.rows == [] and result.notes == ["no_history"] and not result.model_used


def test_origin_must_be_a_monday() -> None:
    with pytest.raises(ValueError):
        engine.weekly_forecast(frame("a", [1, 2, 3]), ORIGIN + timedelta(days=1))


def test_three_weeks_fall_back_to_the_recent_mean() -> None:
    result = engine.weekly_forecast(frame("a", [4, 6, 8]), ORIGIN)
    assert "short_history" in result.notes and not result.model_used
    assert [r.week for r in result.rows] == [ORIGIN + timedelta(weeks=k) for k in range(4)]
    assert [r.horizon for r in result.rows] == [1, 2, 3, 4]
    assert all(r.method == engine.RECENT_MEAN and r.units == 6.0 and r.history_weeks == 3 for r in result.rows)


def test_weeks_without_sales_count_as_zero_up_to_the_origin() -> None:
    # sold 10 a week for three weeks, then nothing for the last two weeks
    history = pd.DataFrame({"series": "a", "week": weeks_before(ORIGIN, 5)[:3], "demand": [10.0, 10.0, 10.0]})
    dense = engine.densify(history, ORIGIN)
    assert list(dense["demand"]) == [10.0, 10.0, 10.0, 0.0, 0.0]
    assert dense["week"].max() == pd.Timestamp(ORIGIN - timedelta(weeks=1))
    result = engine.weekly_forecast(history, ORIGIN)
    assert result.rows[0].units == 5.0  # mean of 10, 10, 0, 0


def test_sales_on_or_after_the_origin_are_ignored() -> None:
    history = pd.concat([frame("a", [2, 2, 2]), pd.DataFrame({"series": ["a"], "week": [ORIGIN], "demand": [99.0]})])
    assert engine.weekly_forecast(history, ORIGIN).rows[0].units == 2.0


def test_enough_history_uses_the_model_and_new_series_fall_back() -> None:
    rng = np.random.default_rng(7)
    n = 40
    t = np.arange(n)
    parts = [
        frame("steady", list(50 + rng.normal(0, 2, n))),
        frame("growing", list(20 + 0.5 * t + rng.normal(0, 1, n))),
        frame("new", [3.0, 5.0]),
    ]
    result = engine.weekly_forecast(pd.concat(parts, ignore_index=True), ORIGIN)
    assert result.model_used and result.history_weeks == n
    by = {(r.series, r.horizon): r for r in result.rows}
    assert len(result.rows) == 12
    for h in range(1, 5):
        assert by[("steady", h)].method == engine.XGBOOST
        assert by[("growing", h)].method == engine.XGBOOST
        assert by[("new", h)].method == engine.RECENT_MEAN and by[("new", h)].units == 4.0
        # the model follows the level of each series (not the other's)
        assert 40 <= by[("steady", h)].units <= 60
        assert 28 <= by[("growing", h)].units <= 45
    assert all(r.units >= 0 for r in result.rows)


def test_seasonal_naive_fallback_with_a_year_of_history() -> None:
    values = np.arange(60, dtype=float)  # week i sold i units
    units, method = engine._fallback(values, 1)
    assert method == engine.SEASONAL_NAIVE and units == 60 - 52  # same week a year before
    units, method = engine._fallback(values[:20], 1)
    assert method == engine.RECENT_MEAN and units == np.mean(values[16:20])
