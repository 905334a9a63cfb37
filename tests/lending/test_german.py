"""The German credit loader: mapping, exclusions, directions; the pipeline learns on it."""

from __future__ import annotations

import numpy as np
import pytest

from apps.lending.scoring import Direction, TrainParams, train_model
from apps.lending.scoring.german import GERMAN_EXCLUDED, GermanCredit, load_german_credit


def test_loader_shape_and_outcome(german: GermanCredit) -> None:
    assert german.x.shape == (1000, len(german.features))
    assert german.y.sum() == 300  # 30% bad
    assert set(np.unique(german.y)) == {0, 1}


def test_protected_columns_are_excluded_and_documented(german: GermanCredit) -> None:
    assert german.excluded == GERMAN_EXCLUDED
    for name in german.features.names:
        assert "sex" not in name and "personal" not in name and "foreign" not in name


def test_directions_chosen_a_priori(german: GermanCredit) -> None:
    spec = german.features.spec
    assert spec("duration_months").direction is Direction.RISK_UP
    assert spec("credit_amount").direction is Direction.RISK_UP
    assert spec("installment_rate_pct").direction is Direction.RISK_UP
    assert spec("checking_balance_level").direction is Direction.RISK_DOWN
    assert spec("savings_level").direction is Direction.RISK_DOWN
    assert spec("age_years").direction is Direction.UNKNOWN


def test_checking_status_ordinal(german: GermanCredit) -> None:
    col = german.x[:, german.features.index("checking_balance_level")]
    assert int(np.isnan(col).sum()) == 394  # "no checking account" is missing, not a level
    assert sorted(np.unique(col[~np.isnan(col)]).tolist()) == [0.0, 1.0, 2.0]
    flag = german.x[:, german.features.index("no_checking_account")]
    assert (np.isnan(col) == (flag == 1)).all()


def test_one_hot_columns_are_exclusive(german: GermanCredit) -> None:
    for prefix in ("history_", "purpose_", "housing_"):
        cols = [i for i, n in enumerate(german.features.names) if n.startswith(prefix)]
        assert (german.x[:, cols].sum(axis=1) == 1).all()


def test_without_age() -> None:
    try:
        data = load_german_credit(include_age=False)
    except FileNotFoundError:
        pytest.skip("German credit data not available")
    assert "age_years" not in data.features.names


def test_pipeline_learns_on_german_credit(german: GermanCredit) -> None:
    """A small, fast model; the full cross-validated comparison is bench/scoring.py."""
    params = TrainParams(n_estimators=100, max_depth=2, learning_rate=0.1, calibration_folds=3)
    model = train_model(german.x, german.y, german.features, params, excluded_attributes=german.excluded)
    assert model.card.metrics["auc"] > 0.7
    assert model.card.excluded_attributes["personal_status_and_sex"].startswith("protected")


def test_derived_affordability_columns(german: GermanCredit) -> None:
    col = german.features.index
    x = german.x
    instalment = x[:, col("credit_amount")] / x[:, col("duration_months")]
    assert np.allclose(x[:, col("monthly_instalment")], instalment)
    assert np.allclose(x[:, col("disposable_income_proxy")], instalment / x[:, col("installment_rate_pct")])
    assert german.features.name == "german-credit-v2"
    assert german.features.spec("monthly_instalment").direction is Direction.UNKNOWN
    v1 = load_german_credit(derived=False)
    assert v1.features.name == "german-credit-v1"
    assert "monthly_instalment" not in v1.features.names and len(v1.features) == len(german.features) - 2
    assert np.array_equal(v1.x, x[:, : len(v1.features)], equal_nan=True)
