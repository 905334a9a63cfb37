"""Billing demo (public schema, after every tenant is seeded): the plan terms, and the
invoices of every finished month in which a tenant was active (none right after a fresh
install: the operator page then shows the month-to-date estimate). Idempotent."""

from __future__ import annotations

from django.utils import timezone

from apps.tenancy.models import Plan

from . import arithmetic, services
from .models import PlanTerms, TenantStatusEvent

# Monthly subscription (rupiah) and the operator's share of the marketplace platform fees.
TERMS = {
    Plan.KELURAHAN_PILOT: (500_000, 2_000),  # Rp500.000 + 20% of the fees
    Plan.CITY_SAAS: (25_000_000, 1_000),  # Rp25.000.000 + 10% of the fees
}


def seed() -> None:
    for plan, (fee, bps) in TERMS.items():
        if not PlanTerms.objects.filter(plan=plan).exists():
            services.set_plan_terms(plan, monthly_fee=fee, fee_share_bps=bps)
    tenants = services.billable_tenants()
    if not tenants:
        return
    starts = [t.created_at for t in tenants]
    starts += TenantStatusEvent.objects.filter(tenant__in=tenants).values_list("at", flat=True)
    first = timezone.localtime(min(starts)).date().replace(day=1)
    last = services.previous_month()
    month = first
    while month <= last:
        services.issue_all(month)
        month = arithmetic.next_month(month)
