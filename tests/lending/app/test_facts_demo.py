"""Daily facts for the analytics roll-up, and the demo seed."""

from __future__ import annotations

import datetime as dt

import pytest

from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.facts.metrics import Metric
from apps.lending import demo, services
from apps.lending.facts import daily_facts
from apps.lending.models import Lender, Loan, LoanStatus, Offer, OfferStatus
from apps.tenancy.models import Tenant

from .conftest import START, World, disbursed, key

pytestmark = pytest.mark.django_db


def _by_metric(day: dt.date) -> dict[tuple[str, str], tuple[int, int, int]]:
    return {(r.metric, r.dimension): (r.value, r.count, len(r.entity_keys)) for r in daily_facts(day)}


def test_outstanding_and_at_risk_by_bucket(world: World) -> None:
    assert list(daily_facts(START - dt.timedelta(days=1))) == []
    loan = disbursed(world, amount=1_200_000, tenor=3)
    first = loan.instalments.get(number=1)
    assert _by_metric(START) == {(Metric.LOANS_OUTSTANDING, ""): (1_200_000, 1, 1)}
    # Unpaid 40 days after its due date: the whole outstanding is at risk in 31-60.
    late = first.due_date + dt.timedelta(days=40)
    facts = _by_metric(late)
    assert facts[(Metric.LOANS_AT_RISK, "31-60")] == (1_200_000, 1, 1)
    assert (Metric.LOANS_AT_RISK, "1-30") not in facts
    services.repay(loan, first.total, actor=world.sri, idempotency_key=key(), on_date=late)
    after = _by_metric(late)
    assert after[(Metric.LOANS_OUTSTANDING, "")] == (1_200_000 - first.principal, 1, 1)
    # The day before the payment is unchanged (late data corrected by recomputing a day).
    assert _by_metric(late - dt.timedelta(days=1))[(Metric.LOANS_AT_RISK, "31-60")][0] == 1_200_000
    services.write_off(loan, world.officer, reason="tutup", on_date=late + dt.timedelta(days=1))
    assert _by_metric(late + dt.timedelta(days=1)) == {}


def test_demo_seed_is_complete_and_idempotent(tenant_a: Tenant, db: None) -> None:
    with tenant_a:
        officer = create_user(username="bpr-madiun", full_name="Hendra", roles=[Role.PETUGAS_LKM], password="x")
        create_user(username="bu-sri", full_name="Sri Rahayu", roles=[Role.PEMILIK_UMKM], password="x")
        demo.seed(tenant_a)
        demo.seed(tenant_a)
        lender = Lender.objects.get(name=demo.LENDER)
        assert list(lender.officers.all()) == [officer]
        assert lender.products.count() == 2
        loan = Loan.objects.get(borrower__username="bu-sri")
        assert loan.status == LoanStatus.ACTIVE and loan.instalments.count() == 6
        assert loan.instalments.get(number=1).paid_on is not None
        offer = Offer.objects.get(applicant__username="bu-sri", status=OfferStatus.OPEN)
        assert offer.limit > 0 and "kartu skor" in offer.assessment.note
        version = lender.model_versions.get(is_active=True)
        assert version.kind == "scorecard" and "belum cukup" in version.note
