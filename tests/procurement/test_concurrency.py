"""Real threads with their own connections on committed data (cleaned up): two officers award
the same request at once → exactly one award; orders issued at once get distinct numbers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection

from apps.accounts.models import User
from apps.core.models import DocumentCounter
from apps.permits.models import Permit
from apps.procurement import services
from apps.procurement.models import (
    AcceptanceLine,
    Award,
    Evaluation,
    ProcurementEvent,
    PurchaseOrder,
    PurchaseRequest,
    Quote,
    QuoteLine,
    QuoteRevision,
    QuoteScore,
    RequestItem,
)
from apps.tenancy.models import Tenant
from tests.concurrency import race_each
from tests.conftest import TenantSet

from .conftest import People, evaluated, make_people

PREFIX = "cc-"


def wipe(tenant: Tenant) -> None:
    with tenant:
        for model in (
            ProcurementEvent,
            AcceptanceLine,
            PurchaseOrder,
            Award,
            QuoteScore,
            Evaluation,
            QuoteRevision,
            QuoteLine,
            Quote,
            RequestItem,
            PurchaseRequest,
        ):
            model.objects.all().delete()
        DocumentCounter.objects.filter(kind="purchase_order").delete()
        Permit.objects.filter(applicant__username__startswith=PREFIX).delete()
        User.objects.filter(username__startswith=PREFIX).delete()
    connection.set_schema_to_public()


@pytest.fixture
def crowd(tenants: TenantSet, committed: None) -> Iterator[People]:
    wipe(tenants.a)
    with tenants.a:
        people = make_people(PREFIX)
    connection.set_schema_to_public()
    try:
        yield people
    finally:
        connection.set_schema_to_public()
        wipe(tenants.a)


def test_simultaneous_awards_make_exactly_one(tenants: TenantSet, crowd: People) -> None:
    with tenants.a:
        purchase = evaluated(crowd)
        jobs = [(crowd.petugas, q.pk) for q in purchase.quotes.all()] + [(crowd.lurah, purchase.quotes.first().pk)]  # type: ignore[union-attr]

    def award(job: Any) -> str:
        actor, quote_pk = job
        services.award(purchase.pk, actor, quote=quote_pk, summary="Dipilih.", reason="Uji serentak")
        return "ok"

    outcomes, errors = race_each(tenants.a, jobs, award)
    assert errors == [], errors
    assert outcomes == Counter({"ok": 1, "already_awarded": 2}), outcomes
    with tenants.a:
        assert Award.objects.filter(request_id=purchase.pk).count() == 1
        assert ProcurementEvent.objects.filter(request_id=purchase.pk, action="award").count() == 1


def test_simultaneous_orders_get_distinct_consecutive_numbers(tenants: TenantSet, crowd: People) -> None:
    with tenants.a:
        ids = []
        for _n in range(4):
            purchase = evaluated(crowd)
            services.award(purchase, crowd.lurah, quote=purchase.quotes.get(supplier=crowd.umkm_b), summary="Termurah.")
            ids.append(purchase.pk)

    def order(pk: int) -> str:
        return services.issue_order(pk, crowd.petugas).number

    outcomes, errors = race_each(tenants.a, ids, order)
    assert errors == [], errors
    numbers = sorted(outcomes)
    assert len(numbers) == 4 and all(count == 1 for count in outcomes.values())
    assert [n.split("/")[1] for n in numbers] == ["SP.0001", "SP.0002", "SP.0003", "SP.0004"]
