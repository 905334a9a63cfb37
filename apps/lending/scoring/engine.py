"""The credit engine: one decision with reasons, or many rows at once, model or scorecard.

`CreditEngine.decide(applicant, outcomes)`:

* if the lender's repayment outcomes meet the cold-start policy *and* a trained model is
  supplied, the model decides (calibrated PD, xgboost contributions);
* otherwise the rule-based scorecard decides, and the decision says so in its `note`
  ("Keputusan memakai kartu skor aturan karena data pelunasan lender belum cukup (...)").

Every decision carries PD, band, the pre-approved offer (or none), the applicant's reasons in
Bahasa Indonesia, and the officer's technical view (every feature's value, constraint and
contribution, the bias and the margin; scorecard points when the scorecard decided).

`CreditEngine.score_batch(x, outcomes)` does the same choice for an (n, d) float array and
returns PD, band indices and offers as numpy arrays, without reasons (that is what makes it
fast: no per-row Python).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from .bands import BAND_LABELS, DEFAULT_BANDS, BandPolicy
from .errors import ScoringError
from .features import UMKM_FEATURES, FeatureSet, FeatureValue
from .model import ScoringModel
from .offers import DEFAULT_OFFERS, Offer, OfferArrays, OfferPolicy
from .policy import DEFAULT_POLICY, ColdStartPolicy, LenderOutcomes
from .reasons import FeatureContribution, Reason, explain, officer_table
from .scorecard import DEFAULT_SCORECARD, Scorecard

__all__ = ["BatchScores", "CreditDecision", "CreditEngine", "Method"]

Method = Literal["model", "scorecard"]


@dataclass(frozen=True)
class CreditDecision:
    method: Method
    pd: float
    band: str
    offer: Offer | None
    reasons: tuple[Reason, ...]
    officer_rows: tuple[FeatureContribution, ...]
    bias: float
    margin: float
    note: str  # Bahasa Indonesia: which method decided, and why
    model_version: str | None = None
    score: int | None = None  # scorecard points

    def applicant_text(self) -> str:
        """What the applicant reads (Bahasa Indonesia)."""
        lines = [f"Hasil penilaian: {BandPolicy.describe(self.band)}."]
        lines.append(self.offer.describe() + "." if self.offer else "Belum ada penawaran pinjaman untuk saat ini.")
        against = [r.text for r in self.reasons if r.raises_risk]
        helped = [r.text for r in self.reasons if not r.raises_risk]
        if helped:
            lines.append("Yang mendukung pengajuan Anda: " + "; ".join(helped) + ".")
        if against:
            lines.append("Yang memberatkan pengajuan Anda: " + "; ".join(against) + ".")
        lines.append(self.note)
        return "\n".join(lines)

    def officer_text(self) -> str:
        """The officer's technical view (plain text; the lending app renders it as a table)."""
        head = [
            f"metode: {self.method}" + (f" (versi {self.model_version})" if self.model_version else ""),
            f"PD: {self.pd:.4f}  kelas: {self.band}" + (f"  skor: {self.score}" if self.score is not None else ""),
            f"catatan: {self.note}",
        ]
        return "\n".join(head) + "\n" + officer_table(list(self.officer_rows), bias=self.bias, margin=self.margin)


@dataclass(frozen=True)
class BatchScores:
    method: Method
    pd: npt.NDArray[np.float64]
    band_index: npt.NDArray[np.int8]  # 0 = A ... 4 = E
    offers: OfferArrays
    model_version: str | None = None

    @property
    def bands(self) -> list[str]:
        return [BAND_LABELS[i] for i in self.band_index]


@dataclass
class CreditEngine:
    features: FeatureSet = UMKM_FEATURES
    model: ScoringModel | None = None
    scorecard: Scorecard = DEFAULT_SCORECARD
    policy: ColdStartPolicy = DEFAULT_POLICY
    bands: BandPolicy = DEFAULT_BANDS
    offers: OfferPolicy = DEFAULT_OFFERS
    gmv_feature: str = "gmv_avg_3m"
    _gmv_col: int = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.model is not None and self.model.features.names != self.features.names:
            raise ScoringError("feature_mismatch", f"model {self.model.version} uses other features than the engine")
        if self.scorecard.features.names != self.features.names:
            raise ScoringError("feature_mismatch", "scorecard uses other features than the engine")
        self._gmv_col = self.features.index(self.gmv_feature)

    def choose(self, outcomes: LenderOutcomes) -> tuple[Method, str]:
        """Which method decides for this lender, and the note that says why (Bahasa Indonesia)."""
        if not self.policy.allows_model(outcomes):
            return "scorecard", (
                "Keputusan memakai kartu skor aturan karena data pelunasan lender belum cukup "
                f"({self.policy.shortfall(outcomes)})."
            )
        if self.model is None:
            return "scorecard", (
                "Keputusan memakai kartu skor aturan karena model statistik untuk lender ini belum dilatih "
                f"(data pelunasan sudah cukup: {outcomes.outcomes} hasil, {outcomes.defaults} gagal bayar)."
            )
        card = self.model.card
        return "model", (
            f"Keputusan memakai model statistik versi {card.version} "
            f"(dilatih dari {card.n_rows} hasil pelunasan, {card.n_defaults} gagal bayar)."
        )

    def decide(self, applicant: Mapping[str, FeatureValue], outcomes: LenderOutcomes) -> CreditDecision:
        """One applicant: PD, band, offer, reasons. Protected or unknown keys are refused."""
        row = self.features.row(applicant)
        x = row[None, :]
        method, note = self.choose(outcomes)
        score: int | None = None
        points: list[int] | None = None
        if method == "model":
            assert self.model is not None
            contrib = self.model.contributions(x)[0]
            margin = float(contrib.sum())
            pd = float(self.model.calibrator.predict(np.array([margin]))[0])
            version: str | None = self.model.version
        else:
            contrib = self.scorecard.contributions(x)[0]
            margin = float(contrib.sum())
            pd = 1.0 / (1.0 + math.exp(-margin))
            score = int(self.scorecard.score(x)[0])
            points = [int(p) for p in self.scorecard.points_matrix(x)[0]]
            version = None
        band = self.bands.band(pd)
        reasons, rows = explain(self.features, row, contrib, points=points)
        gmv = float(row[self._gmv_col])
        return CreditDecision(
            method=method,
            pd=pd,
            band=band,
            offer=self.offers.offer(band, 0.0 if math.isnan(gmv) else gmv),
            reasons=tuple(reasons),
            officer_rows=tuple(rows),
            bias=float(contrib[-1]),
            margin=margin,
            note=note,
            model_version=version,
            score=score,
        )

    def score_batch(self, x: npt.ArrayLike, outcomes: LenderOutcomes) -> BatchScores:
        """Many rows at once (vectorized): PD, bands, offers."""
        xx = self.features.check_matrix(x)
        method, _ = self.choose(outcomes)
        if method == "model":
            assert self.model is not None
            pd = self.model.predict_pd(xx)
            version: str | None = self.model.version
        else:
            pd = self.scorecard.predict_pd(xx)
            version = None
        band_index = self.bands.index(pd)
        return BatchScores(method, pd, band_index, self.offers.batch(band_index, xx[:, self._gmv_col]), version)
