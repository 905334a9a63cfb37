"""Committed data, real threads: sweeps running at the same moment on one overdue report send
its reminder once. There is no unique constraint behind it any more (the reminder is a
core_event row, reports.SlaReminder): the report's row lock and the check under it are the rule."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from apps.accounts.models import User
from apps.core.audit import Event
from apps.notifications.models import Message
from apps.reports import services
from apps.reports.models import Category, Report, ReportFollower, SlaReminder
from apps.reports.services import sla
from apps.tenancy.models import Tenant
from tests.concurrency import race

THREADS = 6
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.get_fixed_timezone(7 * 60))
CODE = "sla-race"


def _clean(tenant: Tenant, messages_after: int) -> None:
    with tenant:
        reports = list(Report.objects.filter(category__code=CODE).values_list("pk", flat=True))
        Event.objects.filter(subject_type__in=["report", "report_sla"], subject_id__in=reports).delete()
        Message.objects.filter(pk__gt=messages_after).delete()
        ReportFollower.objects.filter(report_id__in=reports).delete()
        Report.objects.filter(pk__in=reports).delete()
        Category.objects.filter(code=CODE).delete()


@pytest.fixture
def overdue(tenant_a: Tenant, committed: None) -> Iterator[Report]:
    with tenant_a:
        last_message = Message.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    _clean(tenant_a, last_message)
    try:
        with tenant_a:
            category = services.ensure_category(
                code=CODE, name="Uji SLA", unit=Category.Unit.KELURAHAN, sla_hours=48, escalation_hours=120
            )
            yield services.submit_report(
                category=category,
                description="Lampu jalan mati",
                lat=f"{float(tenant_a.lat or 0):.6f}",
                lng=f"{float(tenant_a.lng or 0):.6f}",
                reporter=User.objects.get(username=f"warga-{tenant_a.slug}"),
                now=T0,
            )
    finally:
        _clean(tenant_a, last_message)


def test_concurrent_sweeps_send_a_stage_reminder_once(overdue: Report, tenant_a: Tenant) -> None:
    now = T0 + timedelta(hours=49)

    def sweep() -> str:
        return "sent" if sla._send_sla(overdue.pk, SlaReminder.Level.REMINDER, now) else "skipped"

    outcomes, errors = race(tenant_a, [sweep] * THREADS)
    assert not errors
    assert outcomes == {"sent": 1, "skipped": THREADS - 1}
    with tenant_a:
        assert SlaReminder.objects.filter(report=overdue).count() == 1
        keys = set(Message.objects.filter(event="reports.sla_reminder").values_list("key", flat=True))
        assert keys == {f"report-{overdue.pk}-reminder-{overdue.status_changed_at.timestamp():.0f}"}
