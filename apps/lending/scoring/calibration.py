"""Calibration: margin (xgboost log-odds) -> probability of default, non-decreasing.

Both methods are fitted on *held-out* margins (out-of-fold predictions, see `model.train_model`),
never on margins of rows the booster was trained on.

* `isotonic`: pool-adjacent-violators on the margins; prediction interpolates linearly between
  the fitted points and clips outside them (what scikit-learn's `IsotonicRegression(
  out_of_bounds="clip")` does). Flexible; wants >= ~1,000 rows.
* `platt`: PD = sigmoid(a * margin + b), with Platt's smoothed targets
  ((n+ + 1)/(n+ + 2) and 1/(n- + 2)). Two parameters; the right choice for small samples.

`auto` picks isotonic from 1,000 rows up, Platt below (scikit-learn's documented rule of thumb).
Both are non-decreasing in the margin (Platt's slope is clamped at >= 0), so the monotone
constraints of the booster carry through to PD. PD is clipped to [PD_MIN, PD_MAX] so no
applicant is ever told "0%" or "100%".
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from .errors import ScoringError
from .metrics import fit_logistic_1d

__all__ = ["ISOTONIC_MIN_ROWS", "PD_MAX", "PD_MIN", "Calibrator", "fit_calibrator", "isotonic_fit"]

FloatArray = npt.NDArray[np.float64]
CalibrationMethod = Literal["isotonic", "platt"]

PD_MIN = 0.0005
PD_MAX = 0.9995
ISOTONIC_MIN_ROWS = 1000


def isotonic_fit(x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Non-decreasing least-squares fit of y on x (PAV). Returns (unique x, fitted y)."""
    order = np.argsort(x, kind="mergesort")
    xs, ys = x[order], y[order]
    ux, start = np.unique(xs, return_index=True)
    counts = np.diff(np.append(start, len(xs))).astype(np.float64)
    sums = np.add.reduceat(ys, start)
    # Blocks as a stack: value, weight, number of unique x it covers.
    values: list[float] = []
    weights: list[float] = []
    sizes: list[int] = []
    for s, w in zip(sums, counts, strict=True):
        values.append(float(s / w))
        weights.append(float(w))
        sizes.append(1)
        while len(values) > 1 and values[-2] > values[-1]:
            w2 = weights[-2] + weights[-1]
            v2 = (values[-2] * weights[-2] + values[-1] * weights[-1]) / w2
            n2 = sizes[-2] + sizes[-1]
            del values[-1], weights[-1], sizes[-1]
            values[-1], weights[-1], sizes[-1] = v2, w2, n2
    fitted = np.repeat(np.asarray(values), np.asarray(sizes))
    return ux.astype(np.float64), fitted.astype(np.float64)


@dataclass(frozen=True)
class Calibrator:
    """A fitted margin -> PD map. `x`/`y` are the isotonic points; `a`/`b` Platt's parameters."""

    method: CalibrationMethod
    x: tuple[float, ...] = ()
    y: tuple[float, ...] = ()
    a: float = 0.0
    b: float = 0.0

    def predict(self, margin: npt.ArrayLike) -> FloatArray:
        m = np.asarray(margin, dtype=np.float64)
        if self.method == "isotonic":
            pd = np.interp(m, np.asarray(self.x), np.asarray(self.y))
        else:
            pd = 1.0 / (1.0 + np.exp(-np.clip(self.a * m + self.b, -35.0, 35.0)))
        return np.clip(pd, PD_MIN, PD_MAX)

    def to_dict(self) -> dict[str, Any]:
        if self.method == "isotonic":
            return {"method": "isotonic", "x": list(self.x), "y": list(self.y)}
        return {"method": "platt", "a": self.a, "b": self.b}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Calibrator:
        method = data.get("method")
        if method == "isotonic":
            x = tuple(float(v) for v in data["x"])
            y = tuple(float(v) for v in data["y"])
            if len(x) != len(y) or not x or any(b < a for a, b in itertools.pairwise(y)):
                raise ScoringError("bad_calibrator", "isotonic calibrator points are inconsistent")
            return cls("isotonic", x=x, y=y)
        if method == "platt":
            a = float(data["a"])
            if a < 0:
                raise ScoringError("bad_calibrator", "Platt slope must be >= 0")
            return cls("platt", a=a, b=float(data["b"]))
        raise ScoringError("bad_calibrator", f"unknown calibration method {method!r}")


def resolve_method(method: str, n_rows: int) -> CalibrationMethod:
    if method == "auto":
        return "isotonic" if n_rows >= ISOTONIC_MIN_ROWS else "platt"
    if method in ("isotonic", "platt"):
        return "isotonic" if method == "isotonic" else "platt"
    raise ScoringError("bad_calibration", f"calibration must be 'auto', 'isotonic' or 'platt', got {method!r}")


def fit_calibrator(margin: npt.ArrayLike, y: npt.ArrayLike, method: str = "auto") -> Calibrator:
    """Fit on held-out margins and their outcomes (1 = default)."""
    m = np.asarray(margin, dtype=np.float64)
    yy = np.asarray(y, dtype=np.float64)
    chosen = resolve_method(method, len(m))
    if chosen == "isotonic":
        x, fitted = isotonic_fit(m, yy)
        return Calibrator("isotonic", x=tuple(float(v) for v in x), y=tuple(float(v) for v in fitted))
    n_pos = float(yy.sum())
    n_neg = float(len(yy) - n_pos)
    target = np.where(yy > 0.5, (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2))
    a, b = fit_logistic_1d(m, target)
    if a < 0:  # margins anti-correlated with outcomes: fall back to the base rate
        a = 0.0
        rate = (n_pos + 1) / (n_pos + n_neg + 2)
        b = float(np.log(rate / (1 - rate)))
    return Calibrator("platt", a=float(a), b=float(b))
