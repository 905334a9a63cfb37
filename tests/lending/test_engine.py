"""Decisions: cold start, reasons in Bahasa Indonesia, officer view, batch scoring, offers, scorecard."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import numpy.typing as npt
import pytest

from apps.lending.schedule import LoanTerms, build_schedule
from apps.lending.scoring import (
    DEFAULT_OFFERS,
    DEFAULT_SCORECARD,
    UMKM_FEATURES,
    ColdStartPolicy,
    CreditEngine,
    Direction,
    LenderOutcomes,
    ScoringError,
    ScoringModel,
)
from apps.lending.scoring import scorecard as scorecard_module
from apps.lending.scoring.scorecard import ScoreBins, Scorecard

from .samples import APPLICANT

Data = tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]
COLD_NOTE = "Keputusan memakai kartu skor aturan karena data pelunasan lender belum cukup"
ENOUGH = LenderOutcomes(outcomes=250, defaults=30)


# --- which method decides -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("outcomes", "defaults"),
    [(0, 0), (199, 40), (500, 19), (120, 8)],
)
def test_cold_start_uses_the_scorecard_and_says_so(umkm_model: ScoringModel, outcomes: int, defaults: int) -> None:
    engine = CreditEngine(model=umkm_model)
    decision = engine.decide(APPLICANT, LenderOutcomes(outcomes, defaults))
    assert decision.method == "scorecard"
    assert decision.model_version is None and decision.score is not None
    assert decision.note.startswith(COLD_NOTE)
    assert f"{outcomes} hasil pelunasan, {defaults} gagal bayar" in decision.note
    assert "minimal 200 hasil pelunasan dengan 20 gagal bayar" in decision.note
    assert COLD_NOTE in decision.applicant_text()
    assert COLD_NOTE in decision.officer_text()


def test_threshold_reached_uses_the_model(umkm_model: ScoringModel) -> None:
    engine = CreditEngine(model=umkm_model)
    decision = engine.decide(APPLICANT, LenderOutcomes(200, 20))
    assert decision.method == "model"
    assert decision.model_version == umkm_model.version
    assert decision.note.startswith("Keputusan memakai model statistik versi " + umkm_model.version)


def test_enough_outcomes_but_no_model_yet() -> None:
    decision = CreditEngine().decide(APPLICANT, ENOUGH)
    assert decision.method == "scorecard"
    assert "model statistik untuk lender ini belum dilatih" in decision.note


def test_threshold_is_configurable(umkm_model: ScoringModel) -> None:
    engine = CreditEngine(model=umkm_model, policy=ColdStartPolicy(min_outcomes=50, min_defaults=5))
    assert engine.decide(APPLICANT, LenderOutcomes(50, 5)).method == "model"
    assert engine.decide(APPLICANT, LenderOutcomes(49, 5)).method == "scorecard"
    with pytest.raises(ValueError, match="defaults"):
        LenderOutcomes(10, 11)


# --- reasons and views ----------------------------------------------------------------------


def test_reasons_are_plain_bahasa_indonesia() -> None:
    weak = {**APPLICANT, "cancellations_30d": 4, "gmv_trend_3m": 0.15, "tenure_months": 3, "permit_level": 0}
    decision = CreditEngine().decide(weak, LenderOutcomes(10, 1))
    texts = {r.feature: r.text for r in decision.reasons}
    against = {r.feature for r in decision.reasons if r.raises_risk}
    helped = {r.feature for r in decision.reasons if not r.raises_risk}
    assert texts["tenure_months"] == "Sudah 3 bulan berjualan di KotaKita (masih tergolong baru)"
    assert texts["permit_level"] == "Belum memiliki izin usaha (NIB)"
    assert {"tenure_months", "permit_level"} <= against
    assert texts["gmv_trend_3m"] == "Omzet 3 bulan terakhir naik 15% dibanding 3 bulan sebelumnya"
    assert "gmv_trend_3m" in helped
    text = decision.applicant_text()
    assert "Yang memberatkan pengajuan Anda: " in text and "Yang mendukung pengajuan Anda: " in text
    for english in ("increase", "decrease", "risk", "feature", "default"):
        assert english not in text.lower()


def test_notes_when_the_effect_contradicts_the_sound() -> None:
    cancellations = UMKM_FEATURES.spec("cancellations_30d")
    assert (
        cancellations.reason_text(1, raises_risk=False) == "Ada 1 pembatalan pesanan bulan ini (masih tergolong kecil)"
    )
    assert cancellations.reason_text(4, raises_risk=True) == "Ada 4 pembatalan pesanan bulan ini"
    orders = UMKM_FEATURES.spec("orders_3m")
    assert orders.reason_text(12, raises_risk=True) == "12 pesanan dalam 3 bulan terakhir (masih tergolong sedikit)"
    permit = UMKM_FEATURES.spec("permit_level")
    assert permit.reason_text(0, raises_risk=True) == "Belum memiliki izin usaha (NIB)"
    trend = UMKM_FEATURES.spec("gmv_trend_3m")
    assert trend.reason_text(-0.3, raises_risk=True) == "Omzet 3 bulan terakhir turun 30% dibanding 3 bulan sebelumnya"
    assert trend.reason_text(0.0, raises_risk=True) == "Omzet 3 bulan terakhir stabil dibanding 3 bulan sebelumnya"
    assert UMKM_FEATURES.spec("rating_avg").reason_text(math.nan, raises_risk=True) == "Belum ada rating dari pembeli"


def test_cancellation_sentence() -> None:
    spec = UMKM_FEATURES.spec("cancellations_30d")
    assert spec.sentence(2) == "Ada 2 pembatalan pesanan bulan ini"
    assert spec.sentence(0) == "Tidak ada pembatalan pesanan bulan ini"
    assert UMKM_FEATURES.spec("gmv_trend_3m").sentence(-0.2) == (
        "Omzet 3 bulan terakhir turun 20% dibanding 3 bulan sebelumnya"
    )
    assert UMKM_FEATURES.spec("repay_max_dpd").sentence(math.nan) == "Belum ada riwayat pinjaman sebelumnya"


def test_reason_groups_follow_contributions(umkm_model: ScoringModel, umkm_data: Data) -> None:
    """A reason is 'memberatkan' exactly when its contribution raises the log-odds; good-sounding
    facts that weigh on the application are marked as low; unknown-direction features are not
    told to the applicant."""
    x, _ = umkm_data
    engine = CreditEngine(model=umkm_model)
    for row in x[:40]:
        applicant = {n: (None if np.isnan(v) else float(v)) for n, v in zip(UMKM_FEATURES.names, row, strict=True)}
        decision = engine.decide(applicant, ENOUGH)
        contrib = {r.feature: r.contribution for r in decision.officer_rows}
        for reason in decision.reasons:
            assert reason.raises_risk == (contrib[reason.feature] > 0)
            spec = UMKM_FEATURES.spec(reason.feature)
            assert spec.direction is not Direction.UNKNOWN
            value = applicant[reason.feature]
            tone_fixed = reason.feature not in ("gmv_trend_3m", "permit_level")  # those depend on the value
            if spec.direction is Direction.RISK_DOWN and reason.raises_risk and value is not None and tone_fixed:
                assert reason.text.endswith(f"({spec.low_note})")


@pytest.mark.parametrize("enough", [False, True])
def test_officer_view_adds_up(umkm_model: ScoringModel, enough: bool) -> None:
    outcomes = ENOUGH if enough else LenderOutcomes(0, 0)
    decision = CreditEngine(model=umkm_model).decide(APPLICANT, outcomes)
    assert {r.feature for r in decision.officer_rows} == set(UMKM_FEATURES.names)
    total = sum(r.contribution for r in decision.officer_rows) + decision.bias
    assert total == pytest.approx(decision.margin, abs=1e-4)
    assert decision.pd == pytest.approx(
        1 / (1 + math.exp(-decision.margin)) if not enough else umkm_model.calibrator.predict([decision.margin])[0]
    )
    view = decision.officer_text()
    assert "margin (log-odds gagal bayar)" in view
    for name in UMKM_FEATURES.names:
        assert name in view
    if not enough:
        assert all(r.points is not None for r in decision.officer_rows)


# --- batch scoring --------------------------------------------------------------------------


@pytest.mark.parametrize("enough", [False, True])
def test_batch_matches_single_decisions(umkm_model: ScoringModel, umkm_data: Data, enough: bool) -> None:
    x, _ = umkm_data
    engine = CreditEngine(model=umkm_model)
    outcomes = ENOUGH if enough else LenderOutcomes(3, 0)
    batch = engine.score_batch(x[:25], outcomes)
    assert batch.method == ("model" if enough else "scorecard")
    for i, row in enumerate(x[:25]):
        applicant = {n: (None if np.isnan(v) else float(v)) for n, v in zip(UMKM_FEATURES.names, row, strict=True)}
        single = engine.decide(applicant, outcomes)
        assert batch.pd[i] == pytest.approx(single.pd, rel=1e-4, abs=1e-6)
        if batch.bands[i] == single.band:  # (a PD on a cut-off could differ in the 7th digit)
            expected = single.offer.limit if single.offer else 0
            assert int(batch.offers.limit[i]) == expected


def test_batch_output_types(umkm_model: ScoringModel, umkm_data: Data) -> None:
    x, _ = umkm_data
    batch = CreditEngine(model=umkm_model).score_batch(x, ENOUGH)
    assert batch.pd.dtype == np.float64 and batch.band_index.dtype == np.int8
    for arr in (batch.offers.limit, batch.offers.tenor_months, batch.offers.rate_bp):
        assert arr.dtype == np.int64
    assert (batch.offers.limit % 100_000 == 0).all()
    assert (batch.offers.limit <= 50_000_000).all()
    assert not batch.offers.eligible[batch.band_index == 4].any()  # band E: no offer
    with pytest.raises(ScoringError, match="shape"):
        CreditEngine().score_batch(x[:, :5], ENOUGH)


# --- offers ---------------------------------------------------------------------------------


def test_offer_rules() -> None:
    """Band A at Rp4.000.000/month: 2.0x = 8.000.000, 12 months, 16%. Band B at Rp25.000.000:
    1.5x = 37.500.000, capped at 30.000.000. Band D at Rp900.000: 0.5x = 450.000 < 500.000 minimum
    -> no offer. Band C at Rp3.456.789: 1.0x floored to 3.400.000, 6 months at 24%."""
    a = DEFAULT_OFFERS.offer("A", 4_000_000)
    assert a is not None and (a.limit, a.tenor_months, a.annual_rate) == (8_000_000, 12, Decimal(16))
    expected = build_schedule(LoanTerms(8_000_000, Decimal(16), 12)).instalments[0].total
    assert a.monthly_instalment == expected
    b = DEFAULT_OFFERS.offer("B", 25_000_000)
    assert b is not None and b.limit == 30_000_000
    assert DEFAULT_OFFERS.offer("D", 900_000) is None
    assert DEFAULT_OFFERS.offer("E", 1e9) is None
    c = DEFAULT_OFFERS.offer("C", 3_456_789)
    assert c is not None and (c.limit, c.tenor_months, c.annual_rate) == (3_400_000, 6, Decimal(24))
    assert "Penawaran pinjaman hingga Rp3.400.000, tenor 6 bulan" in c.describe()


def test_offers_get_smaller_with_worse_bands() -> None:
    arrays = DEFAULT_OFFERS.batch(np.arange(5), np.full(5, 6_000_000.0))
    assert arrays.limit.tolist() == [12_000_000, 9_000_000, 6_000_000, 3_000_000, 0]
    assert (np.diff(arrays.rate_bp[:4]) > 0).all()


# --- the scorecard --------------------------------------------------------------------------


def test_scorecard_table_in_docstring_is_current() -> None:
    assert DEFAULT_SCORECARD.table_markdown() in (scorecard_module.__doc__ or "")


def test_scorecard_worked_example() -> None:
    """The docstring's example: 440 + 146 = 586 points, PD 3.1%, band B."""
    x = UMKM_FEATURES.row(APPLICANT)[None, :]
    assert int(DEFAULT_SCORECARD.score(x)[0]) == 586
    assert float(DEFAULT_SCORECARD.predict_pd(x)[0]) == pytest.approx(1 / (1 + 50 * 2 ** (-14 / 20)))
    decision = CreditEngine().decide(APPLICANT, LenderOutcomes(0, 0))
    assert (decision.score, decision.band) == (586, "B")
    assert decision.pd == pytest.approx(0.031, abs=0.0005)


def test_scorecard_scaling_anchor() -> None:
    """600 points = odds 50:1 -> PD 1/51; +20 points doubles the odds."""
    margin = Scorecard.margin_from_score(np.array([600.0, 620.0]))
    pd = 1 / (1 + np.exp(-margin))
    assert pd[0] == pytest.approx(1 / 51)
    assert pd[1] == pytest.approx(1 / 101)


def test_scorecard_is_monotone_on_a_grid(umkm_data: Data) -> None:
    x, _ = umkm_data
    for col, spec in enumerate(UMKM_FEATURES.specs):
        rows = np.repeat(x[:50], 30, axis=0)
        lo, hi = np.nanmin(x[:, col]), np.nanmax(x[:, col])
        rows[:, col] = np.tile(np.linspace(lo, hi, 30), 50)
        steps = np.diff(DEFAULT_SCORECARD.predict_pd(rows).reshape(50, 30), axis=1)
        if spec.direction is Direction.RISK_DOWN:
            assert (steps <= 0).all(), spec.name
        elif spec.direction is Direction.RISK_UP:
            assert (steps >= 0).all(), spec.name
        else:
            assert (steps == 0).all(), spec.name  # unknown direction: not scored


def test_scorecard_refuses_points_against_the_direction() -> None:
    with pytest.raises(ScoringError, match="direction"):
        Scorecard(UMKM_FEATURES, (ScoreBins("refund_rate_3m", (0.05,), (0, 10), 0),))
    with pytest.raises(ScoringError, match="direction"):
        Scorecard(UMKM_FEATURES, (ScoreBins("rating_count", (10,), (0, 5), 0),))


def test_scorecard_contributions_add_up(umkm_data: Data) -> None:
    x, _ = umkm_data
    contrib = DEFAULT_SCORECARD.contributions(x[:100])
    margin = Scorecard.margin_from_score(DEFAULT_SCORECARD.score(x[:100]))
    np.testing.assert_allclose(contrib.sum(axis=1), margin, atol=1e-9)
