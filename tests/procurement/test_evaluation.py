"""Evaluation after the deadline with a rationale; one award; steps out of order are 409."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core.errors import Conflict, ValidationFailed
from apps.procurement import services
from apps.procurement.models import Award, Evaluation, PurchaseRequest, QuoteScore
from apps.tenancy.models import Tenant

from .conftest import RATIONALE, People, closed_request, evaluated, event_count, new_request, quote

pytestmark = pytest.mark.django_db


def _scores(purchase: PurchaseRequest, **one: Any) -> dict[int, dict[str, Any]]:
    base = {"price": 90, "delivery": 80, "quality": 85}
    return {q.pk: {**base, **one} for q in purchase.quotes.all()}


@pytest.mark.parametrize("rationale", ["", "   ", "bagus", "Termurah."])
def test_evaluation_requires_a_written_rationale(tenant_a: Tenant, people: People, rationale: str) -> None:
    with tenant_a:
        purchase = closed_request(people)
        events = event_count(purchase)
        with pytest.raises(ValidationFailed) as caught:
            services.evaluate(purchase, people.petugas, scores=_scores(purchase), rationale=rationale)
        assert caught.value.code == "rationale_required" and caught.value.status_code == 422
        assert not Evaluation.objects.exists() and not QuoteScore.objects.exists()
        purchase.refresh_from_db()
        assert purchase.status == "open" and event_count(purchase) == events


@pytest.mark.parametrize(
    ("scores", "code"),
    [
        ({"price": 101}, "invalid_score"),
        ({"price": -1}, "invalid_score"),
        ({"delivery": "baik"}, "invalid_score"),
        ({"quality": None}, "invalid_score"),
    ],
)
def test_scores_must_be_0_to_100(tenant_a: Tenant, people: People, scores: dict[str, Any], code: str) -> None:
    with tenant_a:
        purchase = closed_request(people)
        with pytest.raises(ValidationFailed) as caught:
            services.evaluate(purchase, people.petugas, scores=_scores(purchase, **scores), rationale=RATIONALE)
        assert caught.value.code == code
        assert not Evaluation.objects.exists()


def test_every_quote_and_only_its_quotes_are_scored(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        purchase = closed_request(people)
        scores = _scores(purchase)
        one = dict(list(scores.items())[:1])
        with pytest.raises(ValidationFailed) as caught:
            services.evaluate(purchase, people.petugas, scores=one, rationale=RATIONALE)
        assert caught.value.code == "missing_score"
        with pytest.raises(ValidationFailed) as caught:
            services.evaluate(
                purchase, people.petugas, scores={**scores, 987654: scores[next(iter(scores))]}, rationale=RATIONALE
            )
        assert caught.value.code == "unknown_quote"
        assert not Evaluation.objects.exists()


def test_no_evaluation_before_the_deadline_or_without_quotes(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        running = new_request(people)
        quote(running, people.umkm)
        with pytest.raises(Conflict) as caught:
            services.evaluate(running, people.petugas, scores=_scores(running), rationale=RATIONALE)
        assert caught.value.code == "before_deadline"
        empty = closed_request(people, quoters=())
        with pytest.raises(Conflict) as caught:
            services.evaluate(empty, people.petugas, scores={}, rationale=RATIONALE)
        assert caught.value.code == "no_quotes"
        assert not Evaluation.objects.exists()


def test_re_evaluation_keeps_both_and_the_latest_counts(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        purchase = evaluated(people)
        services.evaluate(purchase, people.staf, scores=_scores(purchase, quality=60), rationale=RATIONALE + " Ulang.")
        assert Evaluation.objects.filter(request=purchase).count() == 2
        latest = Evaluation.objects.filter(request=purchase).order_by("-created_at", "-pk").first()
        assert latest is not None and latest.evaluator == people.staf
        award = services.award(purchase, people.petugas, quote=purchase.quotes.first().pk)  # type: ignore[union-attr]
        assert award.evaluation == latest


def test_a_single_award(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        purchase = evaluated(people)
        best = purchase.quotes.get(supplier=people.umkm_b)
        other = purchase.quotes.get(supplier=people.umkm)
        services.award(purchase, people.lurah, quote=best, summary="Termurah dan mutu baik.")
        events = event_count(purchase)
        with pytest.raises(Conflict) as caught:
            services.award(purchase, people.petugas, quote=other, reason="Lebih dekat", summary="Lebih dekat.")
        assert caught.value.code == "already_awarded" and caught.value.status_code == 409
        assert Award.objects.filter(request=purchase).count() == 1 and Award.objects.get().quote == best
        assert event_count(purchase) == events
        # The database refuses a second award even if a service were bypassed.
        won = Award.objects.get()
        with pytest.raises(IntegrityError), transaction.atomic():
            Award.objects.create(
                request=purchase,
                quote=other,
                evaluation=won.evaluation,
                amount=other.total,
                quote_count=2,
                summary="x",
                awarded_by=people.lurah,
            )
        # And awarded requests cannot be re-evaluated or cancelled any more.
        with pytest.raises(Conflict):
            services.evaluate(purchase, people.petugas, scores=_scores(purchase), rationale=RATIONALE)
        with pytest.raises(Conflict):
            services.cancel(purchase, people.petugas, reason="Batal")


def test_award_before_evaluation_is_409(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        purchase = closed_request(people)
        with pytest.raises(Conflict) as caught:
            services.award(purchase, people.lurah, quote=purchase.quotes.first())  # type: ignore[arg-type]
        assert caught.value.code == "not_evaluated"
        assert not Award.objects.exists()


def test_choosing_a_lower_score_needs_a_reason(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        purchase = evaluated(people)  # umkm scores lower (price 90 vs 100)
        lower = purchase.quotes.get(supplier=people.umkm)
        with pytest.raises(ValidationFailed) as caught:
            services.award(purchase, people.lurah, quote=lower, summary="Pengiriman lebih pasti.")
        assert caught.value.code == "reason_required"
        won = services.award(
            purchase, people.lurah, quote=lower, summary="Pengiriman lebih pasti.", reason="Penyedia lain pernah telat"
        )
        assert won.quote == lower
        assert purchase.events.get(action="award").reason == "Penyedia lain pernah telat"


@pytest.mark.parametrize(
    "summary", ["Pemenang Budi Hartono, ramah", "Hubungi budi@contoh.id", "WA 081298765432", "NIK 3577035208850001"]
)
def test_public_summary_may_not_carry_personal_data(tenant_a: Tenant, people: People, summary: str) -> None:
    with tenant_a:
        purchase = evaluated(people)
        best = purchase.quotes.get(supplier=people.umkm_b)
        with pytest.raises(ValidationFailed) as caught:
            services.award(purchase, people.lurah, quote=best, summary=summary)
        assert caught.value.code == "personal_data"
        assert not Award.objects.exists()


def test_default_summary_is_the_rationale_start(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        purchase = evaluated(people)
        won = services.award(purchase, people.lurah, quote=purchase.quotes.get(supplier=people.umkm_b))
        assert won.summary == RATIONALE[:300]


def test_award_to_a_quote_of_another_request_is_422(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        purchase = evaluated(people)
        other = closed_request(people)
        with pytest.raises(ValidationFailed) as caught:
            services.award(purchase, people.lurah, quote=other.quotes.first())  # type: ignore[arg-type]
        assert caught.value.code == "unknown_quote"
        with pytest.raises(ValidationFailed):
            services.award(purchase, people.lurah, quote="abc")


def test_winner_whose_permit_was_revoked_cannot_be_awarded(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        purchase = evaluated(people)
        people.umkm_b.permits.update(status="revoked", revoked_at=timezone.now())
        with pytest.raises(Conflict) as caught:
            services.award(purchase, people.lurah, quote=purchase.quotes.get(supplier=people.umkm_b))
        assert caught.value.code == "supplier_not_eligible"
        assert not Award.objects.exists()


def test_steps_out_of_order_are_409_and_change_nothing(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        purchase = new_request(
            people, now=timezone.now() - timedelta(days=1), deadline=timezone.now() + timedelta(hours=1)
        )
        events = event_count(purchase)
        for call in (
            lambda: services.issue_order(purchase, people.petugas),
            lambda: services.mark_delivered(purchase, people.petugas),
            lambda: services.accept_delivery(purchase, people.petugas),
            lambda: services.record_payment(purchase, people.petugas, reference="X"),
            lambda: services.publish(purchase, people.petugas),
        ):
            with pytest.raises(Conflict) as caught:
                call()
            assert caught.value.code == "wrong_status" and caught.value.details == {"status": "open"}
            assert str(caught.value) == "Langkah ini tidak dapat dilakukan saat status permintaan “Menerima penawaran”."
        purchase.refresh_from_db()
        assert purchase.status == "open" and event_count(purchase) == events
