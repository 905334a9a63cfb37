"""The public billing demo: plan terms and the invoices of finished months, idempotent."""

from __future__ import annotations

from datetime import date

import pytest

from apps.billing import demo
from apps.billing.models import Invoice, PlanTerms
from apps.tenancy.models import Tenant

from .conftest import history, local

pytestmark = pytest.mark.django_db


def test_demo_seeds_terms_and_invoices_once(tenants: object, tenant_a: Tenant) -> None:
    PlanTerms.objects.all().delete()
    history(tenant_a, (local(2026, 9, 15, 8, 0), Tenant.Status.ACTIVE))
    demo.seed()
    assert PlanTerms.objects.get(plan="kelurahan_pilot").monthly_fee == 500_000
    assert PlanTerms.objects.get(plan="city_saas").fee_share_bps == 1_000
    september = Invoice.objects.get(tenant=tenant_a, period=date(2026, 9, 1))
    # 500.000 x 16/30 = 266.666,67 -> 266.667, no platform fees metered
    assert september.total == 266_667
    count = Invoice.objects.count()
    demo.seed()
    assert Invoice.objects.count() == count
