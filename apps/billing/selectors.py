"""Reads for the operator revenue page and its CSV export."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from apps.core.errors import DomainError
from apps.tenancy.models import Plan

from . import services
from .models import Invoice

LIVE = ~Q(status=Invoice.Status.VOID)


def _sums(qs: QuerySet[Invoice], *group: str) -> list[dict[str, object]]:
    rows = (
        qs.filter(LIVE)
        .values(*group)
        .annotate(
            invoiced=Sum("total"),
            paid=Sum("total", filter=Q(status=Invoice.Status.PAID)),
            outstanding=Sum("total", filter=Q(status=Invoice.Status.ISSUED)),
            invoices=Count("id"),
        )
        .order_by(*group)
    )
    return [{**r, "paid": r["paid"] or 0, "outstanding": r["outstanding"] or 0} for r in rows]


@dataclass
class Revenue:
    year: int
    by_month: list[dict[str, object]]
    by_plan: list[dict[str, object]]
    by_tenant: list[dict[str, object]]
    outstanding: list[Invoice]
    totals: dict[str, int] = field(default_factory=dict)


def revenue(year: int) -> Revenue:
    qs = Invoice.objects.filter(period__year=year)
    by_plan = _sums(qs, "plan")
    labels = dict(Plan.choices)
    for row in by_plan:
        row["label"] = labels.get(str(row["plan"]), row["plan"])
    live = qs.filter(LIVE)
    totals = live.aggregate(
        invoiced=Sum("total"),
        paid=Sum("total", filter=Q(status=Invoice.Status.PAID)),
        outstanding=Sum("total", filter=Q(status=Invoice.Status.ISSUED)),
    )
    return Revenue(
        year=year,
        by_month=_sums(qs, "period"),
        by_plan=by_plan,
        by_tenant=_sums(qs, "tenant_id", "tenant_name", "region_code"),
        outstanding=list(
            Invoice.objects.filter(status=Invoice.Status.ISSUED).order_by("due_date", "tenant_name")[:200]
        ),
        totals={k: int(v or 0) for k, v in totals.items()},
    )


@dataclass(frozen=True)
class Estimate:
    tenant_name: str
    region_code: str
    plan: str
    active_days: int
    platform_fees: int
    total: int
    error: str = ""


def month_to_date(today: date | None = None) -> list[Estimate]:
    """What each tenant's invoice for the running month would be if the month ended today."""
    today = today or timezone.localdate()
    period = today.replace(day=1)
    out: list[Estimate] = []
    for tenant in services.billable_tenants():
        try:
            draft = services.compute(tenant, period, through=today)
        except DomainError as exc:
            out.append(Estimate(tenant.name, tenant.region_id or "", tenant.plan, 0, 0, 0, str(exc.message)))
            continue
        out.append(
            Estimate(
                tenant.name, tenant.region_id or "", tenant.plan, draft.active_days, draft.platform_fees, draft.total
            )
        )
    return out


def years() -> list[int]:
    found = sorted({d.year for d in Invoice.objects.dates("period", "year")}, reverse=True)
    this = timezone.localdate().year
    return found if this in found else [this, *found]
