"""Two workers issuing the same tenant's invoice at once make one invoice (committed data)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.db import connections

from apps.billing import arithmetic, services
from apps.billing.models import Invoice, PlanTerms
from apps.core.db import connection
from apps.tenancy.models import Tenant


@pytest.fixture
def committed_terms(committed: None, tenants: object) -> Iterator[None]:
    connection.set_schema_to_public()
    PlanTerms.objects.all().delete()
    services.set_plan_terms("kelurahan_pilot", monthly_fee=500_000, fee_share_bps=2_000)
    services.set_plan_terms("city_saas", monthly_fee=25_000_000, fee_share_bps=1_000)
    yield
    connection.set_schema_to_public()
    Invoice.objects.all().delete()
    PlanTerms.objects.all().delete()


def test_concurrent_issue_makes_one_invoice(committed_terms: None, tenant_a: Tenant) -> None:
    period = services.status_changes(tenant_a)[0][0].date().replace(day=1)
    today = arithmetic.next_month(period) + timedelta(days=3)
    barrier = threading.Barrier(4)
    results: list[services.IssueResult] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            connection.set_schema_to_public()
            barrier.wait()
            results.append(services.issue_invoice(tenant_a.pk, period, today=today))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sum(r.created for r in results) == 1
    assert len({r.invoice.pk for r in results if r.invoice}) == 1
    assert Invoice.objects.filter(tenant=tenant_a, period=period).count() == 1
