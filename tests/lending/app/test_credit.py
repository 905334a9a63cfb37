"""Scoring integration: honest cold start, retraining with versioned models, batch scoring to
offers, repayment records for the feature extractor, offers that bound applications."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pytest
from django.core.management import call_command
from django.test import override_settings

from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.core.errors import Conflict, ValidationFailed
from apps.lending import credit, selectors, services
from apps.lending.models import CreditModelVersion, Loan, LoanStatus, ModelKind, Offer, OfferStatus
from apps.lending.scoring import UMKM_FEATURES
from apps.lending.scoring.synthetic import synthetic_umkm

from .conftest import GOOD, START, World, disbursed, key

pytestmark = pytest.mark.django_db


def _rows(n: int, seed: int) -> tuple[list[dict[str, Any]], list[int]]:
    x, y = synthetic_umkm(n, seed=seed)
    rows = [
        {name: (None if math.isnan(v) else float(v)) for name, v in zip(UMKM_FEATURES.names, row, strict=True)}
        for row in x
    ]
    return rows, [int(v) for v in y]


def _outcomes(world: World, n: int) -> None:
    """n loans with known fates: features at application time from synthetic UMKM data."""
    rows, labels = _rows(n, seed=3)
    for features, bad in zip(rows, labels, strict=True):
        application = services.apply(
            world.sri, world.product, amount=1_000_000, tenor_months=3, idempotency_key=key(), features=features
        )
        services.approve(application, world.officer)
        loan = services.disburse(application, world.officer, on_date=START)
        if bad:
            Loan.objects.filter(pk=loan.pk).update(max_days_past_due=95)
        else:
            Loan.objects.filter(pk=loan.pk).update(status=LoanStatus.CLOSED, principal_outstanding=0)


def test_too_few_outcomes_keeps_the_scorecard_and_says_why(world: World) -> None:
    version = credit.retrain(world.lender)
    assert version.kind == ModelKind.SCORECARD and version.is_active
    assert "data pelunasan belum cukup" in version.note and "0 hasil pelunasan" in version.note
    assert credit.retrain(world.lender).pk == version.pk  # nothing new to record
    call_command("retrain_credit_model", "--lender", str(world.lender.pk))
    assert CreditModelVersion.objects.filter(lender=world.lender).count() == 1


@override_settings(LENDING_MIN_OUTCOMES=60, LENDING_MIN_DEFAULTS=5)
def test_enough_outcomes_train_a_versioned_model_that_then_decides(world: World) -> None:
    _outcomes(world, 80)
    outcomes = credit.lender_outcomes(world.lender)
    assert outcomes.outcomes == 80 and outcomes.defaults >= 5
    version = credit.retrain(world.lender)
    assert version.kind == ModelKind.XGBOOST and version.is_active
    assert len(version.training_data_sha256) == 64 and version.n_rows == 80
    assert "auc_margin" in version.metrics and version.params
    assert bytes(version.model_json)
    x, y = credit.training_data(world.lender)
    assert x.shape == (80, len(UMKM_FEATURES)) and int(y.sum()) == outcomes.defaults
    # Same data: same version. The model decides from now on and says so.
    assert credit.retrain(world.lender).pk == version.pk
    credit._MODEL_CACHE.clear()
    assessment = credit.assess(world.lender, world.sri, features=GOOD)
    assert assessment.method == "model" and assessment.model_version == version
    assert "model statistik versi" in assessment.note
    assert assessment.score is None and assessment.contributions


def test_bad_features_are_a_422(world: World) -> None:
    with pytest.raises(ValidationFailed):
        credit.assess(world.lender, world.sri, features={**GOOD, "agama": 1.0})
    with pytest.raises(ValidationFailed):
        credit.assess(world.lender, world.sri, features={"gmv_avg_3m": 1.0})


def test_batch_scoring_makes_offers_once_a_day_and_they_bound_applications(world: World) -> None:
    weak = dict(GOOD, gmv_avg_3m=0.0, orders_3m=0, active_weeks_ratio_12w=0.0, rating_avg=None, rating_count=0)
    budi = create_user(username="budi", full_name="Budi", roles=[Role.PEMILIK_UMKM], password="x")
    rows = ([world.sri.pk, budi.pk, world.joko.pk], [GOOD, weak, GOOD])
    day = dt.date(2026, 3, 1)
    counts = credit.score_all(day, rows=rows)
    assert counts == {"scored": 3, "offers": 1}  # joko is no UMKM owner; budi has no sales
    offer = Offer.objects.get()
    assert offer.applicant == world.sri and offer.lender == world.lender and offer.status == OfferStatus.OPEN
    assert offer.limit <= world.product.max_amount and offer.expires_on == day + dt.timedelta(days=30)
    assert offer.assessment.method == "scorecard"
    assert credit.score_all(day, rows=rows)["offers"] == 0  # same day again: nothing new
    with pytest.raises(ValidationFailed) as exc:
        services.apply(
            world.sri,
            offer.product,
            amount=offer.limit + 100_000,
            tenor_months=offer.tenor_months,
            offer=offer,
            idempotency_key=key(),
            features=GOOD,
            as_of=day,
        )
    assert exc.value.code == "above_offer"
    application = services.apply(
        world.sri,
        offer.product,
        amount=offer.limit,
        tenor_months=offer.tenor_months,
        offer=offer,
        idempotency_key=key(),
        features=GOOD,
        as_of=day,
    )
    offer.refresh_from_db()
    assert offer.status == OfferStatus.ACCEPTED and application.annual_rate == offer.annual_rate
    with pytest.raises(Conflict):
        services.apply(
            world.sri,
            offer.product,
            amount=offer.limit,
            tenor_months=offer.tenor_months,
            offer=offer,
            idempotency_key=key(),
            features=GOOD,
            as_of=day,
        )
    # Pending application: no new offer for her the next day.
    assert credit.score_all(day + dt.timedelta(days=1), rows=rows)["offers"] == 0


def test_repayment_records_count_closed_late_and_worst_arrears(world: World) -> None:
    loan = disbursed(world, amount=1_200_000, tenor=3)
    first, second = loan.instalments.order_by("number")[:2]
    services.repay(loan, first.total, actor=world.sri, idempotency_key=key(), on_date=first.due_date)
    services.repay(
        loan, second.total, actor=world.sri, idempotency_key=key(), on_date=second.due_date + dt.timedelta(days=4)
    )
    Loan.objects.filter(pk=loan.pk).update(max_days_past_due=4)
    records = selectors.repayment_records(as_of=second.due_date + dt.timedelta(days=10))
    record = records[world.sri.pk]
    assert (record.loans_closed, record.loans_written_off) == (0, 0)
    assert (record.instalments_paid, record.instalments_paid_late, record.max_days_past_due) == (2, 1, 4)
    assert selectors.repayment_records([world.joko.pk]) == {}
    assert selectors.repayment_records(as_of=START - dt.timedelta(days=1)) == {}
    assert np.isfinite(credit.lender_outcomes(world.lender).outcomes)
