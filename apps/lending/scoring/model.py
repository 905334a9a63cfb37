"""The statistical model: monotone xgboost + held-out calibration, versioned with a model card.

Training (`train_model`):

1. The feature set's directions become xgboost `monotone_constraints` (+1 risk up, -1 risk
   down, 0 free), so e.g. a higher on-time ratio can never raise the margin.
2. Out-of-fold margins: the data is split into `calibration_folds` stratified folds; a booster
   trained on the other folds predicts each fold's margins.
2b. Number of boosting rounds (`select_rounds`, on by default): `n_estimators` is the maximum;
   the fold boosters of step 2 are scored on their held-out fold after every `round_step`
   rounds, and the round count with the lowest mean held-out log-loss is kept (cross-validated
   early stopping on the training data only: no extra boosters, nothing from outside `x`). The
   out-of-fold margins at that round count feed the calibrator, and the final booster is trained
   with that many rounds. The card records the choice (`metrics["rounds"]`).
3. The calibrator (isotonic or Platt, `calibration.py`) is fitted on those held-out margins.
   The final booster is trained on all rows; its margins go through that calibrator (the
   "cross-fitted, ensemble=False" scheme of scikit-learn's `CalibratedClassifierCV`).
4. Metrics for the card are honest: AUC of the out-of-fold margins, and Brier/ECE/calibration
   of out-of-fold PDs where each fold's calibrator was fitted on the *other* folds only.

Because the calibrator is non-decreasing in the margin, PD keeps the monotone constraints.

`pred_contribs=True` (xgboost's TreeSHAP) splits each margin into one contribution per feature
plus a bias; they add up to the margin (tested). Reasons come from those (`reasons.py`).

Persistence: `save_model`/`load_model` (xgboost JSON + `card.json`, hashes verified, see
`card.py`). `retrain` trains and saves a new version when a lender's outcomes meet the cold-start
policy. The Django management command / Celery job that collects a lender's outcomes from the
database and calls `retrain` belongs to the lending app and is not written yet.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from .bands import BAND_LABELS, DEFAULT_BANDS, BandPolicy
from .calibration import Calibrator, fit_calibrator, resolve_method
from .card import ModelCard, data_sha256, sha256_bytes
from .errors import InsufficientOutcomesError, ModelIntegrityError, ScoringError
from .features import FeatureSet
from .metrics import auc, calibration_report, stratified_folds
from .policy import DEFAULT_POLICY, ColdStartPolicy, LenderOutcomes

if TYPE_CHECKING:  # xgboost (with scipy/sklearn) loads only where a model is trained or scored
    import xgboost as xgb

__all__ = [
    "ScoringModel",
    "TrainParams",
    "load_model",
    "log_loss",
    "retrain",
    "save_model",
    "train_booster",
    "train_model",
    "verify_training_data",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

MODEL_FILE = "model.json"
CARD_FILE = "card.json"


@dataclass(frozen=True)
class TrainParams:
    """Hyper-parameters: shallow trees and a slow learning rate fixed a priori; the number of
    rounds (up to `n_estimators`) chosen inside the training data (`select_rounds`). On German
    credit this gives 0.80 AUC in 3 x 5-fold CV (`bench/scoring.py`, which lists what was tried)."""

    n_estimators: int = 600  # the maximum when select_rounds is on
    max_depth: int = 3
    learning_rate: float = 0.05
    subsample: float = 0.8
    colsample_bytree: float = 0.8
    min_child_weight: float = 1.0
    reg_lambda: float = 1.0
    monotone: bool = True
    calibration: str = "auto"  # "auto" | "isotonic" | "platt"
    calibration_folds: int = 5
    seed: int = 0
    nthread: int = 1  # small data: one thread is fastest, and the machine is shared
    select_rounds: bool = True  # choose the round count by held-out log-loss of the calibration folds
    round_step: int = 25

    def round_grid(self) -> list[int]:
        """Candidate round counts when `select_rounds` is on: every `round_step` up to `n_estimators`."""
        if self.n_estimators < 1 or self.round_step < 1:
            raise ScoringError("bad_params", "n_estimators and round_step must be at least 1")
        if not self.select_rounds:
            return [self.n_estimators]
        grid = list(range(self.round_step, self.n_estimators + 1, self.round_step))
        if not grid or grid[-1] != self.n_estimators:
            grid.append(self.n_estimators)
        return grid

    def xgb_params(self, features: FeatureSet) -> dict[str, Any]:
        params: dict[str, Any] = {
            "objective": "binary:logistic",
            "tree_method": "hist",
            "max_depth": self.max_depth,
            "eta": self.learning_rate,
            "subsample": self.subsample,
            "colsample_bytree": self.colsample_bytree,
            "min_child_weight": self.min_child_weight,
            "lambda": self.reg_lambda,
            "seed": self.seed,
            "nthread": self.nthread,
        }
        if self.monotone:
            params["monotone_constraints"] = features.monotone_constraints
        return params


def _check_xy(x: npt.ArrayLike, y: npt.ArrayLike, features: FeatureSet) -> tuple[FloatArray, IntArray]:
    xx = features.check_matrix(x)
    yy = np.asarray(y)
    if yy.ndim != 1 or len(yy) != len(xx):
        raise ScoringError("bad_shape", f"need one outcome per row: {len(xx)} rows, outcomes shape {yy.shape}")
    if not np.isin(yy, (0, 1)).all():
        raise ScoringError("bad_outcome", "outcomes must be 0 (repaid) or 1 (default)")
    return xx, yy.astype(np.int64)


def train_booster(
    x: FloatArray,
    y: IntArray,
    features: FeatureSet,
    params: TrainParams,
    *,
    seed_offset: int = 0,
    rounds: int | None = None,
) -> xgb.Booster:
    """One booster on (x, y) with the feature set's monotone constraints (`rounds` defaults to
    `params.n_estimators`)."""
    import xgboost as xgb

    dtrain = xgb.DMatrix(x, label=y, feature_names=list(features.names), nthread=params.nthread)
    xgb_params = params.xgb_params(features)
    xgb_params["seed"] = params.seed + seed_offset
    return xgb.train(xgb_params, dtrain, num_boost_round=params.n_estimators if rounds is None else rounds)


def _xgb_version() -> str:
    import xgboost as xgb

    return str(xgb.__version__)


def _margin(booster: xgb.Booster, x: FloatArray, rounds: int | None = None) -> FloatArray:
    if rounds is None:
        return np.asarray(booster.inplace_predict(x, predict_type="margin"), dtype=np.float64)
    return np.asarray(booster.inplace_predict(x, predict_type="margin", iteration_range=(0, rounds)), dtype=np.float64)


def log_loss(y: IntArray, margin: FloatArray) -> float:
    """Mean negative log-likelihood of 0/1 outcomes under sigmoid(margin) (numerically stable)."""
    m = np.asarray(margin, dtype=np.float64)
    sign = np.where(np.asarray(y) == 1, -1.0, 1.0)
    return float(np.mean(np.logaddexp(0.0, sign * m)))


@dataclass
class ScoringModel:
    """A trained, calibrated, versioned model. Score with `predict_pd`, explain with `contributions`."""

    booster: xgb.Booster
    calibrator: Calibrator
    features: FeatureSet
    card: ModelCard
    bands: BandPolicy = field(default_factory=lambda: DEFAULT_BANDS)

    @property
    def version(self) -> str:
        return self.card.version

    @property
    def n_rounds(self) -> int:
        """Boosting rounds of the final booster (chosen by `train_model` when `select_rounds`)."""
        return int(self.booster.num_boosted_rounds())

    def margin(self, x: npt.ArrayLike) -> FloatArray:
        """Log-odds of default before calibration, one per row (vectorized)."""
        return _margin(self.booster, self.features.check_matrix(x))

    def predict_pd(self, x: npt.ArrayLike) -> FloatArray:
        """Calibrated probability of default, one per row (vectorized)."""
        return self.calibrator.predict(self.margin(x))

    def contributions(self, x: npt.ArrayLike) -> FloatArray:
        """(n, d + 1): per-feature contributions to the margin, last column the bias (TreeSHAP)."""
        xx = self.features.check_matrix(x)
        import xgboost as xgb

        dm = xgb.DMatrix(xx, feature_names=list(self.features.names))
        return np.asarray(self.booster.predict(dm, pred_contribs=True), dtype=np.float64)


def _calibration_table(y: IntArray, pd: FloatArray, bins: int = 5) -> list[dict[str, float]]:
    order = np.argsort(pd, kind="mergesort")
    rows = []
    for chunk in np.array_split(order, bins):
        rows.append({"n": len(chunk), "mean_pd": float(pd[chunk].mean()), "default_rate": float(y[chunk].mean())})
    return rows


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def train_model(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    features: FeatureSet,
    params: TrainParams | None = None,
    *,
    bands: BandPolicy = DEFAULT_BANDS,
    data_source: str = "",
    excluded_attributes: dict[str, str] | None = None,
    notes: list[str] | None = None,
    created_at: dt.datetime | None = None,
) -> ScoringModel:
    """Train, calibrate on held-out folds, and describe the model in a sealed card.

    `y` is 1 for a default (bad), 0 for a repaid loan.
    """
    params = params or TrainParams()
    xx, yy = _check_xy(x, y, features)
    n_defaults = int(yy.sum())
    k = params.calibration_folds
    if n_defaults < k or len(yy) - n_defaults < k:
        raise InsufficientOutcomesError(
            "too_few_outcomes", f"need at least {k} defaults and {k} repaid loans, got {n_defaults} of {len(yy)}"
        )

    folds = stratified_folds(yy, k, params.seed)
    grid = params.round_grid()
    # Held-out margins of every fold at every candidate round count: (len(grid), n).
    oof_by_rounds = np.empty((len(grid), len(yy)), dtype=np.float64)
    for f, (train_idx, test_idx) in enumerate(folds):
        booster = train_booster(xx[train_idx], yy[train_idx], features, params, seed_offset=f + 1)
        for g, rounds in enumerate(grid):
            oof_by_rounds[g, test_idx] = _margin(booster, xx[test_idx], rounds)
    fold_loss = np.array(
        [[log_loss(yy[test_idx], oof_by_rounds[g, test_idx]) for _, test_idx in folds] for g in range(len(grid))]
    )
    best = int(np.argmin(fold_loss.mean(axis=1)))  # ties: the fewest rounds
    n_rounds = grid[best]
    oof_margin = oof_by_rounds[best]

    method = resolve_method(params.calibration, len(yy))
    calibrator = fit_calibrator(oof_margin, yy, method)

    # Honest calibration metrics: each fold's PD from a calibrator fitted on the other folds.
    oof_pd = np.empty(len(yy), dtype=np.float64)
    for train_idx, test_idx in folds:
        oof_pd[test_idx] = fit_calibrator(oof_margin[train_idx], yy[train_idx], method).predict(oof_margin[test_idx])
    metrics: dict[str, Any] = {"scheme": f"{k}-fold out-of-fold (seed {params.seed})"}
    metrics.update(calibration_report(yy, oof_pd))
    metrics["auc_margin"] = auc(yy, oof_margin)
    metrics["calibration_table"] = _calibration_table(yy, oof_pd)
    metrics["rounds"] = {
        "chosen": n_rounds,
        "selected": params.select_rounds,
        "criterion": "mean held-out log-loss of the calibration folds",
        "grid": grid,
        "log_loss": [float(v) for v in fold_loss.mean(axis=1)],
    }

    booster = train_booster(xx, yy, features, params, rounds=n_rounds)
    raw = bytes(booster.save_raw(raw_format="json"))
    created = (created_at or _utc_now()).astimezone(dt.UTC)
    data_hash = data_sha256(xx, yy, features.names)
    card = ModelCard(
        version=f"{features.name}-{created:%Y%m%dT%H%M%SZ}-{data_hash[:12]}",
        created_at=created.isoformat().replace("+00:00", "Z"),
        feature_set=features.name,
        features=[
            {"name": s.name, "label": s.label, "unit": s.unit, "direction": int(s.direction)} for s in features.specs
        ],
        monotone_constraints=features.monotone_constraints if params.monotone else "",
        training_data_sha256=data_hash,
        n_rows=len(yy),
        n_defaults=n_defaults,
        params=asdict(params),
        calibration=calibrator.to_dict(),
        metrics=metrics,
        bands={BAND_LABELS[i]: c for i, c in enumerate(bands.cutoffs)},
        data_source=data_source,
        excluded_attributes=dict(excluded_attributes or {}),
        notes=list(notes or []),
        library_versions={"xgboost": _xgb_version(), "numpy": np.__version__},
    ).sealed(sha256_bytes(raw))
    return ScoringModel(booster=booster, calibrator=calibrator, features=features, card=card, bands=bands)


def verify_training_data(card: ModelCard, x: npt.ArrayLike, y: npt.ArrayLike) -> None:
    """Raise `ModelIntegrityError` unless (x, y) is exactly the data the card's model was trained on."""
    if data_sha256(x, y, card.feature_names) != card.training_data_sha256:
        raise ModelIntegrityError("training_data_mismatch", "training data does not match the model card's SHA-256")


def save_model(model: ScoringModel, directory: str | Path) -> Path:
    """Write `model.json` and `card.json` into `directory` (created; an existing card is never overwritten)."""
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    if (path / CARD_FILE).exists():
        raise ModelIntegrityError("exists", f"{path} already holds a model; versions are never overwritten")
    raw = bytes(model.booster.save_raw(raw_format="json"))
    if sha256_bytes(raw) != model.card.model_sha256:
        raise ModelIntegrityError("model_changed", "booster no longer matches its card (was it trained further?)")
    (path / MODEL_FILE).write_bytes(raw)
    (path / CARD_FILE).write_text(model.card.to_json(), encoding="utf-8")
    return path


def load_model(directory: str | Path, features: FeatureSet, *, nthread: int = 1) -> ScoringModel:
    """Load and verify a saved model: card digest, booster SHA-256, feature names and directions."""
    path = Path(directory)
    try:
        card = ModelCard.from_json((path / CARD_FILE).read_text(encoding="utf-8"))
        raw = (path / MODEL_FILE).read_bytes()
    except FileNotFoundError as exc:
        raise ModelIntegrityError("missing_file", f"incomplete model directory: {exc.filename}") from exc
    if sha256_bytes(raw) != card.model_sha256:
        raise ModelIntegrityError("model_tampered", f"{path / MODEL_FILE} does not match the card's model_sha256")
    expected = [
        {"name": s.name, "label": s.label, "unit": s.unit, "direction": int(s.direction)} for s in features.specs
    ]
    if card.feature_set != features.name or [(f["name"], f["direction"]) for f in card.features] != [
        (f["name"], f["direction"]) for f in expected
    ]:
        raise ModelIntegrityError(
            "feature_mismatch", f"model {card.version} was trained on {card.feature_set!r}, not {features.name!r}"
        )
    import xgboost as xgb

    booster = xgb.Booster()
    booster.load_model(bytearray(raw))
    booster.set_param({"nthread": nthread})
    cutoffs = tuple(float(card.bands[b]) for b in BAND_LABELS[:-1])
    return ScoringModel(
        booster=booster,
        calibrator=Calibrator.from_dict(card.calibration),
        features=features,
        card=card,
        bands=BandPolicy((cutoffs[0], cutoffs[1], cutoffs[2], cutoffs[3])),
    )


def retrain(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    features: FeatureSet,
    models_root: str | Path,
    *,
    params: TrainParams | None = None,
    policy: ColdStartPolicy = DEFAULT_POLICY,
    data_source: str = "",
    notes: list[str] | None = None,
) -> tuple[ScoringModel, Path]:
    """Train a new version on a lender's outcomes and save it under `models_root/<version>/`.

    Refuses (`InsufficientOutcomesError`) below the cold-start policy. Called later by the
    lending app's management command / Celery job (not written yet).
    """
    yy = np.asarray(y)
    outcomes = LenderOutcomes(outcomes=len(yy), defaults=int((yy == 1).sum()))
    if not policy.allows_model(outcomes):
        raise InsufficientOutcomesError(
            "too_few_outcomes", f"not enough repayment outcomes to train a model: {policy.shortfall(outcomes)}"
        )
    model = train_model(x, y, features, params, data_source=data_source, notes=notes)
    return model, save_model(model, Path(models_root) / model.version)
