"""Demo hook: roll up the demo tenant's history so the dashboards show data at once.

Runs inside each Kota Madiun tenant after every other app's demo data (apps.demo.seed).
Idempotent: the roll-up replaces each day's facts.
"""

from __future__ import annotations

import datetime

from django.db.models import Min
from django.utils import timezone

from apps.feedback.models import Prompt
from apps.marketplace.models import Order, Shop
from apps.permits.models import Permit
from apps.reports.models import Report
from apps.tenancy.models import Tenant

from . import services

MAX_HISTORY_DAYS = 180


def _earliest() -> datetime.date | None:
    moments = [
        Shop.objects.aggregate(m=Min("created_at"))["m"],
        Order.objects.aggregate(m=Min("created_at"))["m"],
        Report.objects.aggregate(m=Min("created_at"))["m"],
        Permit.objects.aggregate(m=Min("created_at"))["m"],
        Prompt.objects.aggregate(m=Min("answered_at"))["m"],
    ]
    days = [timezone.localtime(m).date() for m in moments if m is not None]
    return min(days) if days else None


def seed(tenant: Tenant) -> None:
    today = timezone.localdate()
    first = _earliest()
    if first is None:
        first = today - datetime.timedelta(days=30)
    first = max(first, today - datetime.timedelta(days=MAX_HISTORY_DAYS))
    for day in services.days_between(first, today):
        services.rollup_tenant_day(tenant, day)
