"""Metrics and folds in plain numpy (no scikit-learn at runtime).

* `auc`: ROC AUC as the Mann-Whitney statistic with tied scores counted half.
* `brier`: mean squared error of PD against the 0/1 outcome.
* `expected_calibration_error`: |observed default rate - mean PD| per equal-count bin, weighted.
* `calibration_fit`: intercept and slope of a logistic fit of the outcome on logit(PD)
  (a perfectly calibrated PD has intercept 0 and slope 1).
* `stratified_folds`: k folds keeping the default rate, seeded.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .errors import ScoringError

__all__ = [
    "auc",
    "brier",
    "calibration_fit",
    "calibration_report",
    "expected_calibration_error",
    "logit",
    "stratified_folds",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def _ranks(values: FloatArray) -> FloatArray:
    """1-based ranks, ties get their mean rank."""
    order = np.argsort(values, kind="mergesort")
    sorted_values = values[order]
    ranks = np.empty(len(values), dtype=np.float64)
    boundaries = np.flatnonzero(np.diff(sorted_values)) + 1
    starts = np.concatenate(([0], boundaries))
    ends = np.concatenate((boundaries, [len(values)]))
    mean_rank = (starts + ends + 1) / 2.0  # mean of (start+1 .. end)
    ranks[order] = np.repeat(mean_rank, ends - starts)
    return ranks


def auc(y: npt.ArrayLike, score: npt.ArrayLike) -> float:
    """ROC AUC of `score` for the positive class (y == 1)."""
    yy = np.asarray(y).astype(np.int64)
    ss = np.asarray(score, dtype=np.float64)
    n_pos = int(yy.sum())
    n_neg = len(yy) - n_pos
    if n_pos == 0 or n_neg == 0:
        raise ScoringError("one_class", "AUC needs both outcomes (defaults and repaid loans)")
    ranks = _ranks(ss)
    return float((ranks[yy == 1].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def brier(y: npt.ArrayLike, pd: npt.ArrayLike) -> float:
    yy = np.asarray(y, dtype=np.float64)
    pp = np.asarray(pd, dtype=np.float64)
    return float(np.mean((pp - yy) ** 2))


def expected_calibration_error(y: npt.ArrayLike, pd: npt.ArrayLike, bins: int = 10) -> float:
    """Equal-count bins by PD; sum over bins of (bin share) x |default rate - mean PD|."""
    yy = np.asarray(y, dtype=np.float64)
    pp = np.asarray(pd, dtype=np.float64)
    order = np.argsort(pp, kind="mergesort")
    total = 0.0
    for chunk in np.array_split(order, min(bins, len(order))):
        if len(chunk):
            total += len(chunk) * abs(float(yy[chunk].mean()) - float(pp[chunk].mean()))
    return total / len(order)


def logit(p: npt.ArrayLike, eps: float = 1e-6) -> FloatArray:
    pp = np.clip(np.asarray(p, dtype=np.float64), eps, 1 - eps)
    return np.log(pp / (1 - pp))


def fit_logistic_1d(x: FloatArray, target: FloatArray, *, iterations: int = 100) -> tuple[float, float]:
    """Newton's method for p = sigmoid(a*x + b) minimising log loss against `target` in [0, 1].

    Returns (a, b). Tiny ridge on `a` keeps separable data finite."""
    a, b = 0.0, float(np.log((target.mean() + 1e-9) / (1 - target.mean() + 1e-9)))
    for _ in range(iterations):
        z = np.clip(a * x + b, -35, 35)
        p = 1.0 / (1.0 + np.exp(-z))
        w = p * (1 - p)
        g_a = float(np.dot(p - target, x)) + 1e-6 * a
        g_b = float(np.sum(p - target))
        h_aa = float(np.dot(w, x * x)) + 1e-6
        h_ab = float(np.dot(w, x))
        h_bb = float(np.sum(w)) + 1e-12
        det = h_aa * h_bb - h_ab * h_ab
        if det <= 0:
            break
        step_a = (h_bb * g_a - h_ab * g_b) / det
        step_b = (h_aa * g_b - h_ab * g_a) / det
        a -= step_a
        b -= step_b
        if abs(step_a) < 1e-10 and abs(step_b) < 1e-10:
            break
    return a, b


def calibration_fit(y: npt.ArrayLike, pd: npt.ArrayLike) -> tuple[float, float]:
    """(intercept, slope) of logit P(default) = intercept + slope * logit(PD)."""
    slope, intercept = fit_logistic_1d(logit(pd), np.asarray(y, dtype=np.float64))
    return intercept, slope


def calibration_report(y: npt.ArrayLike, pd: npt.ArrayLike) -> dict[str, float]:
    """AUC, Brier, ECE, calibration intercept/slope, mean PD and observed default rate."""
    yy = np.asarray(y, dtype=np.float64)
    pp = np.asarray(pd, dtype=np.float64)
    intercept, slope = calibration_fit(yy, pp)
    return {
        "auc": auc(yy, pp),
        "brier": brier(yy, pp),
        "ece": expected_calibration_error(yy, pp),
        "calibration_intercept": intercept,
        "calibration_slope": slope,
        "mean_pd": float(pp.mean()),
        "default_rate": float(yy.mean()),
    }


def stratified_folds(y: npt.ArrayLike, k: int, seed: int) -> list[tuple[IntArray, IntArray]]:
    """k (train, test) index pairs; each class is shuffled and dealt into k near-equal parts."""
    yy = np.asarray(y).astype(np.int64)
    if k < 2:
        raise ScoringError("bad_folds", f"need at least 2 folds, got {k}")
    rng = np.random.default_rng(seed)
    tests: list[list[IntArray]] = [[] for _ in range(k)]
    for cls in (0, 1):
        idx = np.flatnonzero(yy == cls)
        if len(idx) < k:
            raise ScoringError("too_few_rows", f"class {cls} has {len(idx)} rows, fewer than {k} folds")
        rng.shuffle(idx)
        for f, part in enumerate(np.array_split(idx, k)):
            tests[(f + cls) % k].append(part)  # rotate so remainders spread over folds
    all_idx = np.arange(len(yy))
    folds: list[tuple[IntArray, IntArray]] = []
    for parts in tests:
        test = np.sort(np.concatenate(parts)).astype(np.int64)
        train = np.setdiff1d(all_idx, test).astype(np.int64)
        folds.append((train, test))
    return folds
