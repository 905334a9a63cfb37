"""Scoring integration: the scoring engine (apps.lending.scoring) on this tenant's data.

* `lender_outcomes(lender)`: the lender's repayment outcomes (a loan closed = good; a loan that
  reached 90+ days past due or was written off = default).
* `engine_for(lender)`: a `CreditEngine` with the lender's active trained model (if any) and
  the cold-start policy from settings (LENDING_MIN_OUTCOMES / LENDING_MIN_DEFAULTS). Until the
  policy is met the scorecard decides and the assessment's note says so.
* `assess(...)`: one decision stored as a `CreditAssessment` (PD, band, score, contributions,
  reasons, which method decided and why).
* `retrain(lender)`: trains on the features stored at application time of every loan with an
  outcome, versions the model (data hash, params, metrics, serialized booster + card) and
  activates it; with too few outcomes it keeps (or records) the scorecard and says why.
* `score_all(as_of)`: batch scoring of every UMKM shop -> pre-approved `Offer`s.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import tempfile
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.core.db import connection
from apps.core.money import rupiah

from . import scoring
from .models import (
    Application,
    ApplicationStatus,
    CreditAssessment,
    CreditModelVersion,
    Lender,
    Loan,
    LoanEvent,
    LoanProduct,
    LoanStatus,
    Method,
    ModelKind,
    Offer,
    OfferStatus,
)
from .scoring.card import ModelCard

logger = logging.getLogger(__name__)

SCORECARD_VERSION = "scorecard-umkm-v1"
# Loaded models by (schema, version id, version name): ids repeat across tenant schemas.
_MODEL_CACHE: dict[tuple[str, int, str], scoring.ScoringModel] = {}


def policy() -> scoring.ColdStartPolicy:
    return scoring.ColdStartPolicy(
        min_outcomes=int(getattr(settings, "LENDING_MIN_OUTCOMES", 200)),
        min_defaults=int(getattr(settings, "LENDING_MIN_DEFAULTS", 20)),
    )


def _defaulted() -> Q:
    return Q(max_days_past_due__gt=90) | Q(status=LoanStatus.WRITTEN_OFF)


def _outcome_loans(lender: Lender) -> Any:
    return Loan.objects.filter(lender=lender).filter(Q(status=LoanStatus.CLOSED) | _defaulted())


def lender_outcomes(lender: Lender) -> scoring.LenderOutcomes:
    loans = _outcome_loans(lender)
    return scoring.LenderOutcomes(outcomes=loans.count(), defaults=loans.filter(_defaulted()).count())


def _load(version: CreditModelVersion) -> scoring.ScoringModel:
    cache_key = (str(connection.schema_name), version.pk, version.version)
    cached = _MODEL_CACHE.get(cache_key)
    if cached is not None:
        return cached
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory)
        (path / "model.json").write_bytes(bytes(version.model_json))
        (path / "card.json").write_text(json.dumps(version.card), encoding="utf-8")
        model = scoring.load_model(path, scoring.UMKM_FEATURES)
    _MODEL_CACHE[cache_key] = model
    return model


def active_version(lender: Lender) -> CreditModelVersion | None:
    return CreditModelVersion.objects.filter(lender=lender, is_active=True).first()


def engine_for(lender: Lender) -> tuple[scoring.CreditEngine, CreditModelVersion | None]:
    version = active_version(lender)
    model = _load(version) if version is not None and version.kind == ModelKind.XGBOOST else None
    return scoring.CreditEngine(model=model, policy=policy()), version


def features_of(user: User, as_of: dt.date) -> dict[str, float | int | None]:
    """The applicant's features from their marketplace shop (apps.lending.features), or the
    honest "no sales on KotaKita" row when they have no shop."""
    from apps.marketplace.models import Shop

    from . import features, selectors

    records = selectors.repayment_records([user.pk], as_of=as_of)
    shop = Shop.objects.filter(owner=user).order_by("id").first()
    if shop is not None:
        return dict(features.extract_features(shop, as_of, records))
    # No shop: nothing sold, but the person's own record (wallet, past loans, permits, iuran)
    # is real and counts; it used to be blanked, telling a borrower with both "no wallet, no loans".
    row: dict[str, float | int | None] = {
        spec.name: None if spec.optional else 0.0 for spec in scoring.UMKM_FEATURES.specs
    }
    row.update(features.owner_features(user.pk, as_of, records))
    return row


def _contrib_rows(decision: scoring.CreditDecision) -> list[dict[str, Any]]:
    rows = sorted(decision.officer_rows, key=lambda r: abs(r.contribution), reverse=True)
    return [
        {
            "feature": r.feature,
            "label": r.label,
            "value": None if r.value is None or (isinstance(r.value, float) and np.isnan(r.value)) else r.value,
            "direction": r.direction,
            "contribution": round(float(r.contribution), 4),
            "points": r.points,
        }
        for r in rows
    ]


@transaction.atomic
def assess(
    lender: Lender,
    applicant: User,
    *,
    features: Mapping[str, float | int | None] | None = None,
    as_of: dt.date | None = None,
) -> CreditAssessment:
    """Score one applicant for one lender and store the decision with its reasons."""
    from apps.core.errors import ValidationFailed

    as_of = as_of or timezone.localdate()
    values = dict(features) if features is not None else features_of(applicant, as_of)
    engine, version = engine_for(lender)
    try:
        decision = engine.decide(values, lender_outcomes(lender))
    except scoring.ScoringError as exc:
        raise ValidationFailed(str(exc), code="bad_features") from exc
    return CreditAssessment.objects.create(
        lender=lender,
        applicant=applicant,
        as_of=as_of,
        features=dict(values.items()),
        method=Method.MODEL if decision.method == "model" else Method.SCORECARD,
        model_version=version,
        pd=decision.pd,
        band=decision.band,
        score=decision.score,
        contributions=_contrib_rows(decision),
        reasons=[{"text": r.text, "raises_risk": r.raises_risk, "feature": r.feature} for r in decision.reasons],
        note=decision.note,
        applicant_text=decision.applicant_text(),
        offer_limit=decision.offer.limit if decision.offer else 0,
    )


# --- retraining ---------------------------------------------------------------------------------


def training_data(lender: Lender) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Features at application time and the outcome (1 = default) of every loan with one."""
    rows, labels = [], []
    for loan in _outcome_loans(lender).select_related("application__assessment").order_by("id"):
        rows.append(loan.application.assessment.features)
        labels.append(1 if loan.status == LoanStatus.WRITTEN_OFF or loan.max_days_past_due > 90 else 0)
    x = scoring.UMKM_FEATURES.matrix(rows) if rows else np.zeros((0, len(scoring.UMKM_FEATURES)))
    return x, np.asarray(labels, dtype=np.int64)


@transaction.atomic
def retrain(lender: Lender, *, actor: User | None = None) -> CreditModelVersion:
    """Train and activate a new model version, or keep the scorecard (and record why)."""
    lender = Lender.objects.select_for_update().get(pk=lender.pk)
    outcomes = lender_outcomes(lender)
    pol = policy()
    current = active_version(lender)
    if not pol.allows_model(outcomes):
        note = (
            "Tetap memakai kartu skor aturan: data pelunasan belum cukup untuk melatih model "
            f"({pol.shortfall(outcomes)})."
        )
        if current is not None and current.kind == ModelKind.SCORECARD and current.note == note:
            return current
        if current is not None and current.kind == ModelKind.XGBOOST:
            # A trained model stays active; record the check without replacing it.
            LoanEvent.record(lender=lender, kind="retrain_skipped", message=note[:255], actor=actor)
            return current
        version = _activate(
            lender,
            CreditModelVersion(
                lender=lender,
                kind=ModelKind.SCORECARD,
                version=f"{SCORECARD_VERSION}-{timezone.now():%Y%m%dT%H%M%S%f}",
                n_rows=outcomes.outcomes,
                n_defaults=outcomes.defaults,
                params={
                    "scorecard": SCORECARD_VERSION,
                    "min_outcomes": pol.min_outcomes,
                    "min_defaults": pol.min_defaults,
                },
                note=note,
                created_by=actor,
            ),
        )
        LoanEvent.record(lender=lender, kind="retrain_scorecard", message=note[:255], actor=actor)
        return version
    x, y = training_data(lender)
    try:
        model = scoring.train_model(x, y, scoring.UMKM_FEATURES, data_source=f"lending outcomes of lender {lender.pk}")
    except scoring.InsufficientOutcomesError as exc:
        LoanEvent.record(
            lender=lender, kind="retrain_skipped", message=f"Model tidak dapat dilatih: {exc}"[:255], actor=actor
        )
        return current or _activate(
            lender,
            CreditModelVersion(
                lender=lender,
                kind=ModelKind.SCORECARD,
                version=f"{SCORECARD_VERSION}-{timezone.now():%Y%m%dT%H%M%S%f}",
                n_rows=outcomes.outcomes,
                n_defaults=outcomes.defaults,
                note=f"Tetap memakai kartu skor aturan: model tidak dapat dilatih ({exc}).",
                created_by=actor,
            ),
        )
    card: ModelCard = model.card
    if current is not None and current.training_data_sha256 == card.training_data_sha256:
        return current  # same data: same model, nothing new to version
    version = _activate(
        lender,
        CreditModelVersion(
            lender=lender,
            kind=ModelKind.XGBOOST,
            version=card.version,
            training_data_sha256=card.training_data_sha256,
            n_rows=card.n_rows,
            n_defaults=card.n_defaults,
            params=card.params,
            metrics=card.metrics,
            card=json.loads(card.to_json()),
            model_json=bytes(model.booster.save_raw(raw_format="json")),
            note=f"Model statistik dilatih dari {card.n_rows} hasil pelunasan ({card.n_defaults} gagal bayar).",
            created_by=actor,
        ),
    )
    LoanEvent.record(
        lender=lender,
        kind="retrain_model",
        message=version.note[:255],
        actor=actor,
        data={"version": version.version, "auc": card.metrics.get("auc_margin")},
    )
    return version


def _activate(lender: Lender, version: CreditModelVersion) -> CreditModelVersion:
    CreditModelVersion.objects.filter(lender=lender, is_active=True).update(is_active=False)
    version.is_active = True
    version.save()
    return version


def retrain_all(*, actor: User | None = None) -> dict[str, str]:
    return {lender.name: retrain(lender, actor=actor).version for lender in Lender.objects.filter(is_active=True)}


# --- batch scoring -> offers ---------------------------------------------------------------------


def _owner_ids(frame: Any) -> list[int]:
    if "owner_id" in frame.columns:
        return [int(v) for v in frame["owner_id"]]
    if frame.index.name == "owner_id":
        return [int(v) for v in frame.index]
    from apps.marketplace.models import Shop

    shop_ids = [int(v) for v in (frame["shop_id"] if "shop_id" in frame.columns else frame.index)]
    owners = dict(Shop.objects.filter(pk__in=shop_ids).values_list("pk", "owner_id"))
    return [owners[s] for s in shop_ids]


def feature_rows(as_of: dt.date) -> tuple[list[int], list[dict[str, float | int | None]]]:
    """Owner ids and feature rows of every shop (apps.lending.features.extract_all)."""
    from . import features, selectors

    frame = features.extract_all(as_of, selectors.repayment_records(as_of=as_of))
    if len(frame) == 0:
        return [], []
    names = list(scoring.UMKM_FEATURES.names)
    owners = _owner_ids(frame)
    rows = []
    for record in frame[names].to_dict("records"):
        rows.append({k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in record.items()})
    return owners, rows


def _product_for(lender: Lender, limit: int, tenor: int) -> LoanProduct | None:
    return (
        LoanProduct.objects.filter(
            lender=lender,
            is_active=True,
            min_amount__lte=limit,
            min_tenor_months__lte=tenor,
            max_tenor_months__gte=tenor,
        )
        .order_by("id")
        .first()
    )


def score_all(
    as_of: dt.date | None = None,
    *,
    lender: Lender | None = None,
    rows: tuple[list[int], list[dict[str, float | int | None]]] | None = None,
) -> dict[str, int]:
    """Batch scoring of every UMKM (vectorized), then an Offer for each eligible one per lender.

    Idempotent per day: one offer per (lender, applicant, day); a new day's offer supersedes
    the open one. No offer for someone in arrears or with a pending application there (a good
    payer with a running loan may get a top-up offer)."""
    as_of = as_of or timezone.localdate()
    owners, feature_list = rows if rows is not None else feature_rows(as_of)
    counts = {"scored": len(owners), "offers": 0}
    if not owners:
        return counts
    owner_users = {u.pk: u for u in User.objects.filter(pk__in=owners, groups__name=str(Role.PEMILIK_UMKM))}
    validity = int(getattr(settings, "LENDING_OFFER_DAYS", 30))
    lenders = [lender] if lender is not None else list(Lender.objects.filter(is_active=True))
    x = scoring.UMKM_FEATURES.matrix(feature_list)
    for each in lenders:
        engine, _version = engine_for(each)
        batch = engine.score_batch(x, lender_outcomes(each))
        busy = set(
            Loan.objects.filter(lender=each, status=LoanStatus.ACTIVE, days_past_due__gt=0).values_list(
                "borrower_id", flat=True
            )
        ) | set(
            Application.objects.filter(
                lender=each, status__in=[ApplicationStatus.SUBMITTED, ApplicationStatus.APPROVED]
            ).values_list("applicant_id", flat=True)
        )
        for i in np.flatnonzero(batch.offers.eligible):
            user = owner_users.get(owners[i])
            if user is None or user.pk in busy:
                continue
            if Offer.objects.filter(lender=each, applicant=user, as_of=as_of).exists():
                continue
            if _make_offer(each, user, feature_list[i], as_of, validity):
                counts["offers"] += 1
    return counts


@transaction.atomic
def _make_offer(lender: Lender, user: User, features: dict[str, float | int | None], as_of: dt.date, days: int) -> bool:
    assessment = assess(lender, user, features=features, as_of=as_of)
    engine, _version = engine_for(lender)
    decision = engine.decide(features, lender_outcomes(lender))
    if decision.offer is None:
        return False
    product = _product_for(lender, decision.offer.limit, decision.offer.tenor_months)
    if product is None:
        return False
    limit = min(decision.offer.limit, product.max_amount)
    Offer.objects.filter(lender=lender, applicant=user, status=OfferStatus.OPEN).update(status=OfferStatus.SUPERSEDED)
    Offer.objects.create(
        lender=lender,
        product=product,
        applicant=user,
        assessment=assessment,
        limit=limit,
        tenor_months=decision.offer.tenor_months,
        annual_rate=Decimal(decision.offer.annual_rate),
        monthly_instalment=_instalment(
            product, limit, decision.offer.tenor_months, Decimal(decision.offer.annual_rate)
        ),
        as_of=as_of,
        expires_on=as_of + dt.timedelta(days=days),
    )
    from apps.notifications.services import notify

    notify(
        [user],
        event="lending.offer",
        title=_("Penawaran pinjaman baru"),
        body=_("%(lender)s: pinjaman hingga %(limit)s") % {"lender": lender.name, "limit": rupiah(limit)},
        key=f"lending-offer-{lender.pk}-{user.pk}-{as_of.isoformat()}",
        url="/pinjaman/",
    )
    return True


def _instalment(product: LoanProduct, limit: int, tenor: int, rate: Decimal) -> int:
    from . import services
    from .schedule import build_schedule

    return build_schedule(services.loan_terms(product, limit, tenor, rate)).first_instalment
