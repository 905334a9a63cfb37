"""Contributions -> reasons: plain Bahasa Indonesia for the applicant, a table for the officer.

A contribution is a feature's share of the decision's log-odds of default: positive raises the
risk, negative lowers it. For the model they are xgboost's `pred_contribs` (TreeSHAP values,
summing with the bias to the margin); for the scorecard they are the feature's points below
(or above) the middle of its own range, converted to log-odds (20 points = ln 2).

The applicant sees a few facts, each a sentence from the feature's spec ("Omzet 3 bulan
terakhir naik 12% ...", "Ada 2 pembatalan pesanan bulan ini"), grouped by whether it helped or
weighed on the application. The sentence states the fact; the grouping comes from the
contribution. When a fact that sounds good weighs on the application ("60 pesanan dalam 3 bulan
terakhir" with a risk-raising contribution) or a fact that sounds bad helps ("Ada 1 pembatalan
pesanan bulan ini" lowering the risk), the value is low compared with other applicants (model)
or with the feature's scale (scorecard), and the sentence says so: "(masih tergolong sedikit)",
"(masih tergolong kecil)" (`FeatureSpec.reason_text`).

Not given to the applicant as reasons (the officer still sees them): contributions smaller than
`MIN_ABS` (0.01 log-odds, about a 1% change of the odds), and features with no known direction
(`rating_count`, `prior_loans_count`): their effect can change sign with their value, so there
is nothing sensible to tell or to act on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .features import Direction, FeatureSet

__all__ = ["MIN_ABS", "FeatureContribution", "Reason", "explain", "officer_table"]

MIN_ABS = 0.01


@dataclass(frozen=True)
class Reason:
    """One reason for the applicant."""

    feature: str
    text: str  # Bahasa Indonesia sentence
    raises_risk: bool
    contribution: float  # log-odds of default


@dataclass(frozen=True)
class FeatureContribution:
    """One row of the officer's technical view."""

    feature: str
    label: str
    value: float | None  # None = missing
    direction: int  # monotone constraint: +1 risk up, -1 risk down, 0 free
    contribution: float  # log-odds of default
    points: int | None = None  # scorecard points, when the scorecard decided


def explain(
    features: FeatureSet,
    row: npt.NDArray[np.float64],
    contributions: npt.NDArray[np.float64],
    *,
    n_against: int = 3,
    n_for: int = 2,
    points: list[int] | None = None,
) -> tuple[list[Reason], list[FeatureContribution]]:
    """(applicant reasons, officer rows sorted by |contribution|) for one applicant.

    `contributions` has one value per feature (a trailing bias column is ignored)."""
    d = len(features)
    contrib = np.asarray(contributions, dtype=np.float64)[:d]
    rows = [
        FeatureContribution(
            feature=spec.name,
            label=spec.label,
            value=None if math.isnan(float(row[i])) else float(row[i]),
            direction=int(spec.direction),
            contribution=float(contrib[i]),
            points=None if points is None else points[i],
        )
        for i, spec in enumerate(features.specs)
    ]
    rows.sort(key=lambda r: (-abs(r.contribution), r.feature))

    def reason(i: int) -> Reason:
        spec = features.specs[i]
        raises = bool(contrib[i] > 0)
        return Reason(spec.name, spec.reason_text(float(row[i]), raises), raises, float(contrib[i]))

    explainable = np.array([s.direction is not Direction.UNKNOWN for s in features.specs])
    order = np.argsort(-contrib, kind="mergesort")
    against = [reason(int(i)) for i in order if contrib[i] >= MIN_ABS and explainable[i]][:n_against]
    helped = [reason(int(i)) for i in order[::-1] if contrib[i] <= -MIN_ABS and explainable[i]][:n_for]
    return against + helped, rows


def officer_table(rows: list[FeatureContribution], *, bias: float, margin: float) -> str:
    """Plain-text table: feature, value, constraint, contribution (log-odds), points."""
    sign = {1: "+", -1: "-", 0: "0"}
    lines = [f"{'fitur':<28} {'nilai':>14} {'arah':>4} {'kontribusi':>11} {'poin':>5}"]
    for r in rows:
        value = "-" if r.value is None else f"{r.value:,.0f}" if abs(r.value) >= 1000 else f"{r.value:.4g}"
        points = "" if r.points is None else str(r.points)
        lines.append(f"{r.feature:<28} {value:>14} {sign[r.direction]:>4} {r.contribution:>+11.4f} {points:>5}")
    lines.append(f"{'bias (rata-rata)':<28} {'':>14} {'':>4} {bias:>+11.4f}")
    lines.append(f"{'margin (log-odds gagal bayar)':<28} {'':>14} {'':>4} {margin:>+11.4f}")
    return "\n".join(lines)
