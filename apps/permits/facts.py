"""Daily facts of permits for the public roll-up (see apps.facts.metrics).

SUBMITTED: applications submitted that day. ISSUED: permits issued that day, value = total
minutes from submission to issue (average = value / count). OVERDUE: permits that at the end
of the day had been waiting in one status longer than its SLA, rebuilt from the event history
so a past day gives the same answer whenever it is computed.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from django.db.models import Count, DurationField, ExpressionWrapper, F, OuterRef, Subquery, Sum

from apps.facts.metrics import FactRow, Metric
from apps.facts.producing import day_bounds, keys

from . import workflow
from .models import Permit, PermitEvent
from .services import sla_days


def daily_facts(day: datetime.date) -> Iterator[FactRow]:
    start, end = day_bounds(day)
    submitted = Permit.objects.filter(submitted_at__gte=start, submitted_at__lt=end)
    n_submitted = submitted.count()
    if n_submitted:
        yield FactRow(
            Metric.PERMITS_SUBMITTED,
            value=n_submitted,
            entity_keys=keys("user", submitted.values_list("applicant_id", flat=True).distinct()),
        )
        yield FactRow(
            Metric.ACTIVE_RESIDENTS,
            value=0,
            entity_keys=keys("user", submitted.values_list("applicant_id", flat=True).distinct()),
        )
    issued = Permit.objects.filter(issued_at__gte=start, issued_at__lt=end, submitted_at__isnull=False)
    agg = issued.aggregate(
        n=Count("id"),
        wait=Sum(ExpressionWrapper(F("issued_at") - F("submitted_at"), output_field=DurationField())),
    )
    if agg["n"]:
        wait: datetime.timedelta = agg["wait"] or datetime.timedelta()
        yield FactRow(
            Metric.PERMITS_ISSUED,
            value=int(wait.total_seconds() // 60),
            count=agg["n"],
            entity_keys=keys("user", issued.values_list("applicant_id", flat=True).distinct()),
        )
    # Status of every permit at day end = the target of its last status change before `end`.
    last = (
        PermitEvent.objects.filter(created_at__lt=end)
        .exclude(to_status="")
        .order_by("subject_id", "-created_at", "-id")
        .distinct("subject_id")
        .annotate(applicant=Subquery(Permit.objects.filter(pk=OuterRef("subject_id")).values("applicant_id")[:1]))
        .values_list("subject_id", "applicant", "to_status", "created_at")
    )
    allowed = {status: sla_days(status) for status in workflow.WAITING}
    overdue = [
        (pk, applicant)
        for pk, applicant, status, since in last
        if allowed.get(status) and since + datetime.timedelta(days=allowed[status] or 0) < end
    ]
    if overdue:
        yield FactRow(Metric.PERMITS_OVERDUE, value=len(overdue), entity_keys=keys("user", {a for _pk, a in overdue}))
