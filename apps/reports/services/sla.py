"""SLA: reminders, escalations and auto-closing resolved reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import DateTimeField, Exists, Min, OuterRef
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from apps.notifications.services import notify

from .. import selectors
from ..models import (
    Category,
    Report,
    SlaReminder,
)
from ._common import Status, _lock, _move, report_url


@dataclass(frozen=True)
class SlaRun:
    reminders: int
    escalations: int
    closed: int


def _sent(level: str) -> Exists:
    """The outer report's `level` reminder for its current stage has been sent (core_event, served by
    the (subject_type, subject_id, created_at) timeline index; a report has a handful of them)."""
    stage = Cast(KT("data__stage_started_at"), DateTimeField())
    return Exists(
        SlaReminder.objects.filter(report=OuterRef("pk"), level=level)
        .annotate(stage=stage)
        .filter(stage=OuterRef("status_changed_at"))
    )


def _stalled(category: Category, level: str, threshold: datetime) -> list[int]:
    return list(
        Report.objects.filter(category=category, status__in=Report.ACTIVE, status_changed_at__lte=threshold)
        .exclude(_sent(level))
        .order_by("status_changed_at", "pk")
        .values_list("pk", flat=True)
    )


def _send_sla(report_id: int, level: str, now: datetime) -> bool:
    """Send one reminder/escalation for the report's current stage; False when not (or no longer) due."""
    with transaction.atomic():
        report = (
            Report.objects.select_for_update(of=("self",))
            .select_related("category__rt__rw", "category__rw", "category__opd")
            .filter(pk=report_id)
            .first()
        )
        if report is None or not report.is_active:
            return False
        category = report.category
        wait = category.escalation if level == SlaReminder.Level.ESCALATION else category.sla
        if report.status_changed_at + wait > now:
            return False
        # Sent once per stage: the report's row lock above makes a second sweep wait here, then
        # see the first one's reminder.
        if Report.objects.filter(pk=report.pk).filter(_sent(level)).exists():
            return False
        since = date_format(timezone.localtime(report.status_changed_at), "DATETIME_FORMAT")
        facts = {
            "code": report.code,
            "category": category.name,
            "status": report.get_status_display(),
            "since": since,
            "hours": category.sla_hours,
            "unit": category.agency_name,
        }
        if level == SlaReminder.Level.ESCALATION:
            recipients = selectors.lurah_users()
            title = _("Eskalasi: laporan %(code)s belum ditangani") % facts
            body = (
                _(
                    "Laporan %(category)s (%(code)s) untuk %(unit)s berstatus “%(status)s” sejak %(since)s "
                    "dan sudah melewati batas eskalasi."
                )
                % facts
            )
            event = "reports.escalated"
        else:
            recipients = selectors.unit_staff(category)
            title = _("Pengingat: laporan %(code)s melewati SLA") % facts
            body = (
                _("Laporan %(category)s (%(code)s) berstatus “%(status)s” sejak %(since)s, melewati SLA %(hours)d jam.")
                % facts
            )
            event = "reports.sla_reminder"
        notify(
            recipients,
            event=event,
            title=title,
            body=body,
            url=report_url(report),
            key=f"report-{report.pk}-{level}-{report.status_changed_at.timestamp():.0f}",
        )
        SlaReminder.record(
            report=report, level=level, at=now, stage_started_at=report.status_changed_at, recipients=len(recipients)
        )
        return True


def close_expired_resolutions(now: datetime | None = None) -> int:
    """Close resolved reports whose reopen window has passed (the reporter can no longer reopen)."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=selectors.report_settings().reopen_days)
    closed = 0
    for pk in Report.objects.filter(status=Status.RESOLVED, resolved_at__lt=cutoff).values_list("pk", flat=True):
        with transaction.atomic():
            report = _lock(Report(pk=pk))
            if report.status != Status.RESOLVED:
                continue
            _move(report, None, Status.CLOSED, _("Ditutup otomatis setelah masa buka kembali lewat."), now)
            closed += 1
    return closed


def run_sla(now: datetime | None = None) -> SlaRun:
    """The beat job's work in one tenant. Idempotent: each stage's reminder and escalation is
    recorded (SlaReminder, once per report, level and stage) and so sent once."""
    now = now or timezone.now()
    reminders = escalations = 0
    for category in Category.objects.order_by("pk"):
        for report_id in _stalled(category, SlaReminder.Level.REMINDER, now - category.sla):
            reminders += _send_sla(report_id, SlaReminder.Level.REMINDER, now)
        for report_id in _stalled(category, SlaReminder.Level.ESCALATION, now - category.escalation):
            escalations += _send_sla(report_id, SlaReminder.Level.ESCALATION, now)
    closed = close_expired_resolutions(now)
    return SlaRun(reminders, escalations, closed)


def next_due(now: datetime | None = None) -> datetime | None:
    """When the SLA sweep next has work in this tenant, from the tables: the earliest active
    report whose stage has no reminder (or no escalation) yet, at its category's SLA (or
    escalation) time, and the earliest resolved report's reopen window end."""
    moments: list[datetime | None] = []
    for category in Category.objects.order_by("pk"):
        active = Report.objects.filter(category=category, status__in=Report.ACTIVE)
        for level, wait in (
            (SlaReminder.Level.REMINDER, category.sla),
            (SlaReminder.Level.ESCALATION, category.escalation),
        ):
            first = active.exclude(_sent(level)).aggregate(first=Min("status_changed_at"))["first"]
            moments.append(first + wait if first is not None else None)
    resolved = Report.objects.filter(status=Status.RESOLVED).aggregate(first=Min("resolved_at"))["first"]
    if resolved is not None:
        moments.append(resolved + timedelta(days=selectors.report_settings().reopen_days))
    known = [moment for moment in moments if moment is not None]
    return min(known) if known else None
