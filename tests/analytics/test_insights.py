"""Growth insights and raw-material needs (pure, no DB)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from apps.analytics.forecasting import growth_insights, latest_prices, material_needs
from apps.analytics.forecasting.insights import benjamini_hochberg, mann_kendall, theil_sen_slope


def weekly(series: str, values: np.ndarray, start: str = "2025-01-06") -> pd.DataFrame:
    return pd.DataFrame(
        {"series": series, "week": pd.date_range(start, periods=len(values), freq="7D"), "demand": values}
    )


def panel(seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(20)
    return pd.concat(
        [
            weekly("kue-kering", 100 * (1 + 0.06 * t) * rng.normal(1, 0.05, 20)),  # +6%/week
            weekly("sembako", 300 * rng.normal(1, 0.08, 20)),  # flat, noisy
            weekly("jamu", 3 * (1 + 0.10 * t)),  # growing but tiny
            weekly("pulsa", 200 * (1 - 0.03 * t) * rng.normal(1, 0.03, 20)),  # shrinking
        ],
        ignore_index=True,
    )


def test_fast_growing_needs_growth_significance_and_volume() -> None:
    out = {i.group: i for i in growth_insights(panel(), weeks=13)}
    assert out["kue-kering"].fast_growing
    assert out["kue-kering"].growth_per_week == pytest.approx(0.045, abs=0.015)  # slope / window mean
    assert out["kue-kering"].q_value < 0.05
    assert not out["sembako"].fast_growing and out["sembako"].reason in {
        "growth below min_growth",
        "trend not significant",
    }
    assert not out["jamu"].fast_growing and out["jamu"].reason == "volume below min_mean"
    assert not out["pulsa"].fast_growing and out["pulsa"].growth_per_week < 0
    ranked = growth_insights(panel(), weeks=13)
    assert ranked[0].group == "kue-kering"  # fast-growing first


def test_noise_alone_is_not_flagged() -> None:
    rng = np.random.default_rng(11)
    flat = pd.concat([weekly(f"kategori-{i}", 100 * rng.normal(1, 0.15, 26)) for i in range(40)], ignore_index=True)
    flagged = [i for i in growth_insights(flat, weeks=13) if i.fast_growing]
    assert flagged == []


def test_sectors_aggregate_series_and_unmapped_series_are_refused() -> None:
    sectors = {"kue-kering": "makanan", "sembako": "makanan", "jamu": "kesehatan", "pulsa": "jasa"}
    groups = {i.group for i in growth_insights(panel(), groups=sectors)}
    assert groups == {"makanan", "kesehatan", "jasa"}
    with pytest.raises(ValueError, match="without a group"):
        growth_insights(panel(), groups={"kue-kering": "makanan"})


def test_year_over_year_guard() -> None:
    # Same rise every year before Lebaran: growing within the window, flat against last year.
    one_year = np.r_[np.full(39, 100.0), np.linspace(100, 200, 13)]
    data = weekly("kue-kering", np.tile(one_year, 2))
    (plain,) = growth_insights(data, weeks=13)
    (guarded,) = growth_insights(data, weeks=13, require_yoy_growth=True)
    assert plain.fast_growing
    assert plain.yoy_change == pytest.approx(0.0)
    assert not guarded.fast_growing and "year" in guarded.reason


def test_statistics_helpers() -> None:
    assert theil_sen_slope([1, 2, 3, 100, 5]) == pytest.approx(1.0)
    z, p = mann_kendall(np.arange(10.0))
    assert z > 3 and p < 0.001
    assert mann_kendall([5, 5, 5, 5]) == (0.0, 1.0)
    # sorted p 0.01, 0.03, 0.04, 0.5 -> p*m/rank 0.04, 0.06, 0.0533, 0.5 -> running min from the top
    assert benjamini_hochberg([0.01, 0.04, 0.03, 0.5]).tolist() == pytest.approx([0.04, 0.16 / 3, 0.16 / 3, 0.5])


def forecast_frame() -> pd.DataFrame:
    weeks = pd.date_range("2025-03-03", periods=2, freq="7D")
    return pd.DataFrame(
        {
            "series": ["kue-kering", "kue-kering", "roti", "roti", "servis-hp", "servis-hp"],
            "week": list(weeks) * 3,
            "forecast": [100.0, 150.0, 40.0, -5.0, 10.0, 12.0],
        }
    )


def test_material_needs_from_a_bill_of_materials() -> None:
    bom = {
        "kue-kering": {"Tepung Terigu Kemasan": 0.25, "Gula Konsumsi": 0.1, "Telur Ayam Ras": 0.05},
        "roti": {"Tepung Terigu Kemasan": 0.5},
    }
    prices = {"Tepung Terigu Kemasan": 13_500, "Gula Konsumsi": 18_750}
    out = material_needs(forecast_frame(), bom, prices=prices)
    got = {(r.material, r.week.strftime("%m-%d")): r.quantity for r in out.itertuples()}
    assert got[("Tepung Terigu Kemasan", "03-03")] == pytest.approx(100 * 0.25 + 40 * 0.5)
    assert got[("Tepung Terigu Kemasan", "03-10")] == pytest.approx(150 * 0.25)  # negative forecast counts as 0
    assert got[("Gula Konsumsi", "03-10")] == pytest.approx(15.0)
    flour = out[(out["material"] == "Tepung Terigu Kemasan") & (out["week"] == "2025-03-03")]
    assert flour["cost_rupiah"].iloc[0] == 45 * 13_500
    assert out.attrs["missing_bom"] == ["servis-hp"]
    assert out.attrs["missing_price"] == ["Telur Ayam Ras"]
    assert out.loc[out["material"] == "Telur Ayam Ras", "cost_rupiah"].isna().all()
    with pytest.raises(ValueError, match="servis-hp"):
        material_needs(forecast_frame(), bom, strict=True)
    with pytest.raises(ValueError, match="negative"):
        material_needs(forecast_frame(), {"roti": {"Tepung Terigu Kemasan": -1.0}})


def test_latest_prices_skip_missing_zeros() -> None:
    table = pd.DataFrame(
        {
            "Timestamp": ["2025-11-15", "2025-11-16", "2025-11-15", "2025-11-16"],
            "Komoditas": ["Gula Konsumsi", "Gula Konsumsi", "Jagung Tk Peternak", "Jagung Tk Peternak"],
            "Harga": [18_500, 18_750, 6_000, 0],
        }
    )
    assert latest_prices(table) == {"Gula Konsumsi": 18_750, "Jagung Tk Peternak": 6_000}
