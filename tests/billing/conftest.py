"""Billing fixtures: plan terms, a tenant's status history and its metered daily facts."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.utils import timezone

from apps.analytics.models import DailyFact
from apps.billing import services
from apps.billing.models import PlanTerms, TenantStatusEvent
from apps.facts.metrics import Metric
from apps.tenancy.models import Tenant

TODAY = date(2026, 11, 28)
OCTOBER = date(2026, 10, 1)


def local(*args: int) -> datetime:
    return timezone.make_aware(datetime(*args))  # type: ignore[arg-type]


def history(tenant: Tenant, *events: tuple[datetime, str]) -> None:
    TenantStatusEvent.objects.filter(tenant=tenant).delete()
    for at, status in events:
        TenantStatusEvent.objects.create(tenant=tenant, status=status, at=at)


def fact(tenant: Tenant, day: date, metric: str, value: int, dimension: str = "") -> DailyFact:
    return DailyFact.objects.create(
        tenant=tenant, region_code=tenant.region_id or "", day=day, metric=metric, dimension=dimension, value=value
    )


@pytest.fixture
def terms(db: None) -> dict[str, PlanTerms]:
    PlanTerms.objects.all().delete()
    return {
        "kelurahan_pilot": services.set_plan_terms("kelurahan_pilot", monthly_fee=500_000, fee_share_bps=2_000),
        "city_saas": services.set_plan_terms("city_saas", monthly_fee=25_000_000, fee_share_bps=1_000),
    }


@pytest.fixture
def october_a(tenant_a: Tenant, terms: dict[str, PlanTerms]) -> Tenant:
    """Mojorejo: activated 10 Oct, suspended 20 Oct (afternoon), back 25 Oct -> 18 of 31 days;
    platform fees Rp100.000 + Rp23.457 in October (and some in September/November, not billed)."""
    history(
        tenant_a,
        (local(2026, 10, 10, 9, 0), Tenant.Status.ACTIVE),
        (local(2026, 10, 20, 15, 0), Tenant.Status.SUSPENDED),
        (local(2026, 10, 25, 8, 0), Tenant.Status.ACTIVE),
    )
    fact(tenant_a, date(2026, 10, 12), Metric.PLATFORM_FEES, 100_000)
    fact(tenant_a, date(2026, 10, 31), Metric.PLATFORM_FEES, 23_457)
    fact(tenant_a, date(2026, 9, 30), Metric.PLATFORM_FEES, 999_999)
    fact(tenant_a, date(2026, 11, 1), Metric.PLATFORM_FEES, 888_888)
    fact(tenant_a, date(2026, 10, 12), Metric.GMV, 600_000, dimension="makanan")
    fact(tenant_a, date(2026, 10, 31), Metric.GMV, 634_570, dimension="camilan")
    return tenant_a
