"""The statistical model: monotone constraints, calibration, contributions, model cards, hashes."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from apps.lending.scoring import (
    DEFAULT_BANDS,
    UMKM_FEATURES,
    BandPolicy,
    Direction,
    InsufficientOutcomesError,
    ModelIntegrityError,
    ScoringModel,
    load_model,
    retrain,
    save_model,
    train_model,
    verify_training_data,
)
from apps.lending.scoring.calibration import PD_MAX, PD_MIN, fit_calibrator, isotonic_fit
from apps.lending.scoring.german import german_features
from apps.lending.scoring.metrics import auc, stratified_folds
from apps.lending.scoring.model import log_loss
from apps.lending.scoring.policy import ColdStartPolicy

from .conftest import SMALL

Data = tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]


def sweep(model: ScoringModel, x: npt.NDArray[np.float64], col: int, grid: npt.NDArray[np.float64]) -> np.ndarray:
    """PD of each row of x with feature `col` set to each grid value: shape (rows, grid)."""
    rows = np.repeat(x, len(grid), axis=0)
    rows[:, col] = np.tile(grid, len(x))
    return model.predict_pd(rows).reshape(len(x), len(grid))


def test_monotone_constraints_hold_on_a_grid(umkm_model: ScoringModel, umkm_data: Data) -> None:
    """Raising a risk-down feature never raises PD; raising a risk-up feature never lowers it.
    Checked for every constrained feature, on 150 real rows x 25 values (1st to 99th percentile)."""
    x, _ = umkm_data
    sample = x[:150].copy()
    checked = 0
    for col, spec in enumerate(UMKM_FEATURES.specs):
        if spec.direction is Direction.UNKNOWN:
            continue
        values = x[:, col][~np.isnan(x[:, col])]
        grid = np.unique(np.quantile(values, np.linspace(0.01, 0.99, 25)))
        steps = np.diff(sweep(umkm_model, sample, col, grid), axis=1)
        if spec.direction is Direction.RISK_DOWN:
            assert (steps <= 0).all(), f"{spec.name}: PD rose with a better value"
        else:
            assert (steps >= 0).all(), f"{spec.name}: PD fell with a worse value"
        checked += 1
    assert checked == 14


def test_monotone_learned_something(umkm_model: ScoringModel, umkm_data: Data) -> None:
    x, _ = umkm_data
    col = UMKM_FEATURES.index("repay_on_time_ratio")
    pd = sweep(umkm_model, x[:50], col, np.array([0.3, 1.0]))
    assert (pd[:, 1] < pd[:, 0]).mean() > 0.5  # mostly strictly better, not just flat


def test_grid_check_has_power(umkm_data: Data) -> None:
    """Control: the same booster without constraints does break monotonicity on the same grid,
    so the grid test above would catch a model that ignored its constraints."""
    from dataclasses import replace

    x, y = umkm_data
    free = train_model(x, y, UMKM_FEATURES, replace(SMALL, monotone=False))
    assert free.card.monotone_constraints == ""
    violations = 0
    for col, spec in enumerate(UMKM_FEATURES.specs):
        if spec.direction is Direction.UNKNOWN:
            continue
        values = x[:, col][~np.isnan(x[:, col])]
        grid = np.unique(np.quantile(values, np.linspace(0.01, 0.99, 25)))
        steps = np.diff(sweep(free, x[:150].copy(), col, grid), axis=1)
        violations += int((steps > 0).sum() if spec.direction is Direction.RISK_DOWN else (steps < 0).sum())
    assert violations > 0


def test_pd_is_calibrated_probability_in_0_1(umkm_model: ScoringModel, umkm_data: Data) -> None:
    x, y = umkm_data
    extreme = np.vstack([x[:20], np.full((1, x.shape[1]), np.nan), x[:20] * 1e6, -x[:20]])
    pd = umkm_model.predict_pd(extreme)
    assert ((pd >= PD_MIN) & (pd <= PD_MAX)).all()
    assert ((pd > 0) & (pd < 1)).all()
    # Calibrated on held-out folds: mean PD on the training data is near the default rate.
    assert abs(umkm_model.predict_pd(x).mean() - y.mean()) < 0.03


def test_card_metrics_are_out_of_fold(umkm_model: ScoringModel) -> None:
    m = umkm_model.card.metrics
    assert m["scheme"].startswith("3-fold out-of-fold")
    assert 0.6 < m["auc"] < 0.95
    assert 0 < m["brier"] < 0.25
    assert 0 <= m["ece"] < 0.1
    assert len(m["calibration_table"]) == 5


def test_bands_are_ordered() -> None:
    pd = np.linspace(0, 1, 2001)
    idx = DEFAULT_BANDS.index(pd)
    assert (np.diff(idx) >= 0).all()
    assert [DEFAULT_BANDS.band(p) for p in (0.0, 0.0199, 0.02, 0.049, 0.05, 0.0999, 0.1, 0.1999, 0.2, 0.9)] == list(
        "AABBCCDDEE"
    )
    with pytest.raises(ValueError, match="strictly increasing"):
        BandPolicy((0.05, 0.02, 0.1, 0.2))


def test_contributions_sum_to_the_margin(umkm_model: ScoringModel, umkm_data: Data) -> None:
    """xgboost's pred_contribs: per-feature values + bias = the raw margin, row by row."""
    x, _ = umkm_data
    contrib = umkm_model.contributions(x[:200])
    assert contrib.shape == (200, len(UMKM_FEATURES) + 1)
    np.testing.assert_allclose(contrib.sum(axis=1), umkm_model.margin(x[:200]), atol=1e-4)


def test_isotonic_matches_scikit_learn() -> None:
    sklearn_isotonic = pytest.importorskip("sklearn.isotonic")
    rng = np.random.default_rng(3)
    m = rng.normal(size=400).round(1)  # ties on purpose
    y = (rng.random(400) < 1 / (1 + np.exp(-m))).astype(float)
    ours = fit_calibrator(m, y, "isotonic")
    ref = sklearn_isotonic.IsotonicRegression(out_of_bounds="clip").fit(m, y)
    probe = np.linspace(-4, 4, 301)
    np.testing.assert_allclose(ours.predict(probe), np.clip(ref.predict(probe), PD_MIN, PD_MAX), atol=1e-12)
    xs, fitted = isotonic_fit(m, y)
    assert (np.diff(fitted) >= 0).all() and (np.diff(xs) > 0).all()


def test_platt_is_increasing_and_auc_matches_scikit_learn() -> None:
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(4)
    m = rng.normal(size=500)
    y = (rng.random(500) < 1 / (1 + np.exp(-2 * m))).astype(np.int64)
    cal = fit_calibrator(m, y, "platt")
    assert cal.a > 0
    assert (np.diff(cal.predict(np.sort(m))) >= 0).all()
    scores = np.round(m, 1)
    assert auc(y, scores) == pytest.approx(metrics.roc_auc_score(y, scores), abs=1e-12)


def test_stratified_folds_partition_and_keep_the_rate() -> None:
    y = np.array([1] * 30 + [0] * 70)
    folds = stratified_folds(y, 5, seed=0)
    tests = np.concatenate([t for _, t in folds])
    assert sorted(tests.tolist()) == list(range(100))
    assert all(y[t].sum() == 6 for _, t in folds)


# --- model cards and hashes ------------------------------------------------------------------


def test_model_card_contents(umkm_model: ScoringModel) -> None:
    card = umkm_model.card
    assert card.version.startswith("umkm-v1-")
    assert len(card.training_data_sha256) == 64 and len(card.model_sha256) == 64
    assert card.created_at.endswith("Z")
    assert card.feature_names == UMKM_FEATURES.names
    assert card.params["n_estimators"] == 60 and card.params["monotone"] is True
    assert card.monotone_constraints == UMKM_FEATURES.monotone_constraints
    assert {"auc", "brier", "ece", "calibration_slope", "calibration_intercept"} <= set(card.metrics)
    assert card.library_versions["xgboost"]


def test_training_is_reproducible(umkm_model: ScoringModel, umkm_data: Data) -> None:
    x, y = umkm_data
    again = train_model(x, y, UMKM_FEATURES, SMALL)
    assert again.card.model_sha256 == umkm_model.card.model_sha256
    assert again.card.training_data_sha256 == umkm_model.card.training_data_sha256


def test_save_load_roundtrip(tmp_path: Path, umkm_model: ScoringModel, umkm_data: Data) -> None:
    x, _ = umkm_data
    directory = save_model(umkm_model, tmp_path / "m")
    assert sorted(p.name for p in directory.iterdir()) == ["card.json", "model.json"]
    loaded = load_model(directory, UMKM_FEATURES)
    assert loaded.card == umkm_model.card
    np.testing.assert_array_equal(loaded.predict_pd(x[:300]), umkm_model.predict_pd(x[:300]))
    with pytest.raises(ModelIntegrityError, match="never overwritten"):
        save_model(umkm_model, directory)


def test_tampered_booster_is_detected(tmp_path: Path, umkm_model: ScoringModel) -> None:
    directory = save_model(umkm_model, tmp_path / "m")
    model_file = directory / "model.json"
    booster = json.loads(model_file.read_text())
    trees = booster["learner"]["gradient_booster"]["model"]["trees"]
    trees[0]["split_conditions"][0] += 0.5  # a quiet edit of one split
    model_file.write_text(json.dumps(booster))
    with pytest.raises(ModelIntegrityError, match="model_sha256") as info:
        load_model(directory, UMKM_FEATURES)
    assert info.value.code == "model_tampered"


def test_tampered_card_is_detected(tmp_path: Path, umkm_model: ScoringModel) -> None:
    directory = save_model(umkm_model, tmp_path / "m")
    card_file = directory / "card.json"
    card = json.loads(card_file.read_text())
    card["metrics"]["auc"] = 0.99  # flattering the metrics
    card_file.write_text(json.dumps(card))
    with pytest.raises(ModelIntegrityError, match="edited") as info:
        load_model(directory, UMKM_FEATURES)
    assert info.value.code == "card_tampered"


def test_wrong_feature_set_is_refused(tmp_path: Path, umkm_model: ScoringModel) -> None:
    directory = save_model(umkm_model, tmp_path / "m")
    with pytest.raises(ModelIntegrityError, match="trained on"):
        load_model(directory, german_features())


def test_training_data_hash_verification(umkm_model: ScoringModel, umkm_data: Data) -> None:
    x, y = umkm_data
    verify_training_data(umkm_model.card, x, y)
    changed = x.copy()
    changed[0, 0] += 1
    with pytest.raises(ModelIntegrityError, match="SHA-256"):
        verify_training_data(umkm_model.card, changed, y)
    flipped = y.copy()
    flipped[0] = 1 - flipped[0]
    with pytest.raises(ModelIntegrityError):
        verify_training_data(umkm_model.card, x, flipped)


def test_retrain_respects_the_cold_start_policy(tmp_path: Path, umkm_data: Data) -> None:
    x, y = umkm_data
    few = np.flatnonzero(y == 1)[:15].tolist() + np.flatnonzero(y == 0)[:300].tolist()
    with pytest.raises(InsufficientOutcomesError, match="15 gagal bayar"):
        retrain(x[few], y[few], UMKM_FEATURES, tmp_path, params=SMALL)
    model, directory = retrain(x[:400], y[:400], UMKM_FEATURES, tmp_path, params=SMALL, policy=ColdStartPolicy(200, 20))
    assert directory == tmp_path / model.version
    assert load_model(directory, UMKM_FEATURES).version == model.version


def test_bad_training_input() -> None:
    x = np.zeros((10, len(UMKM_FEATURES)))
    with pytest.raises(ValueError, match="0 \\(repaid\\) or 1"):
        train_model(x, np.full(10, 2), UMKM_FEATURES, SMALL)
    with pytest.raises(ValueError, match="shape"):
        train_model(x[:, :3], np.zeros(10), UMKM_FEATURES, SMALL)
    with pytest.raises(InsufficientOutcomesError):
        train_model(x, np.array([1] + [0] * 9), UMKM_FEATURES, SMALL)


def test_round_count_is_chosen_on_held_out_folds(umkm_data: Data) -> None:
    x, y = umkm_data
    params = replace(SMALL, n_estimators=120, round_step=30)
    assert params.round_grid() == [30, 60, 90, 120]
    assert replace(params, n_estimators=100).round_grid() == [30, 60, 90, 100]
    assert replace(params, select_rounds=False).round_grid() == [120]
    model = train_model(x, y, UMKM_FEATURES, params)
    rounds = model.card.metrics["rounds"]
    assert rounds["grid"] == [30, 60, 90, 120] and len(rounds["log_loss"]) == 4
    assert rounds["chosen"] == rounds["grid"][int(np.argmin(rounds["log_loss"]))]
    assert model.n_rounds == rounds["chosen"]
    fixed = train_model(x, y, UMKM_FEATURES, replace(params, select_rounds=False))
    assert fixed.n_rounds == 120 and fixed.card.metrics["rounds"]["selected"] is False


def test_log_loss_by_hand() -> None:
    y = np.array([1, 0, 1])
    margin = np.array([0.0, np.log(3.0), np.log(4.0)])
    # p = 0.5, 0.75, 0.8 -> -(ln 0.5 + ln 0.25 + ln 0.8) / 3
    assert log_loss(y, margin) == pytest.approx(-(np.log(0.5) + np.log(0.25) + np.log(0.8)) / 3)
