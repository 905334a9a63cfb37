"""SLA: a reminder to the unit exactly at the SLA, an escalation to the lurah at the second
threshold, never twice; a new stage (status change) gets its own reminders."""

from __future__ import annotations

import importlib
from datetime import datetime, timedelta
from typing import Any
from unittest import mock

import pytest
from django.db import connection, transaction
from django.utils import timezone

from apps.notifications.models import Message
from apps.reports import services, tasks
from apps.reports.models import Report, ReportSettings, SlaReminder
from apps.tenancy.models import DueWork, Tenant
from tests.due_hints import write_hints
from tests.reports.conftest import World

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.get_fixed_timezone(7 * 60))


def _messages(event: str) -> list[tuple[str, str]]:
    return sorted(Message.objects.filter(event=event, channel="in_app").values_list("recipient__username", "key"))


def test_reminder_exactly_at_the_sla_then_escalation_then_nothing_more(world: World) -> None:
    report = world.file(world.jalan, now=T0)  # SLA 72 h, escalation 168 h, unit = Dinas PUPR
    assert services.run_sla(T0 + timedelta(hours=72) - timedelta(seconds=1)) == services.SlaRun(0, 0, 0)
    assert not SlaReminder.objects.exists()

    assert services.run_sla(T0 + timedelta(hours=72)) == services.SlaRun(1, 0, 0)
    reminders = _messages("reports.sla_reminder")
    assert [user for user, _key in reminders] == [world.opd_staff.username]
    assert services.run_sla(T0 + timedelta(hours=100)) == services.SlaRun(0, 0, 0)  # re-run: nothing new

    assert services.run_sla(T0 + timedelta(hours=168) - timedelta(seconds=1)) == services.SlaRun(0, 0, 0)
    assert services.run_sla(T0 + timedelta(hours=168)) == services.SlaRun(0, 1, 0)
    assert [user for user, _key in _messages("reports.escalated")] == [world.lurah.username]
    for hours in (168, 200, 1000):
        assert services.run_sla(T0 + timedelta(hours=hours)) == services.SlaRun(0, 0, 0)
    assert len(_messages("reports.sla_reminder")) == 1 and len(_messages("reports.escalated")) == 1
    assert sorted(reminder.level for reminder in SlaReminder.objects.filter(report=report)) == [
        "escalation",
        "reminder",
    ]
    # core_event rows of their own subject: never on the report's public timeline
    assert [u.action for u in report.updates.all()] == ["status"]


def test_a_status_change_starts_a_new_stage_with_its_own_clock(world: World) -> None:
    report = world.file(world.keamanan, now=T0)  # SLA 24 h to the RT head, escalation 72 h
    assert services.run_sla(T0 + timedelta(hours=24)).reminders == 1
    assert _messages("reports.sla_reminder")[0][0] == world.ketua_rt.username
    services.verify(report, world.ketua_rt, now=T0 + timedelta(hours=30))
    # the verified stage started at +30 h: no escalation at +72 h, a new reminder at +54 h
    assert services.run_sla(T0 + timedelta(hours=53)) == services.SlaRun(0, 0, 0)
    assert services.run_sla(T0 + timedelta(hours=54)) == services.SlaRun(1, 0, 0)
    assert services.run_sla(T0 + timedelta(hours=72)) == services.SlaRun(0, 0, 0)
    assert services.run_sla(T0 + timedelta(hours=102)) == services.SlaRun(0, 1, 0)
    assert SlaReminder.objects.filter(report=report).count() == 3


def test_a_late_first_run_sends_the_reminder_and_the_escalation_once(world: World) -> None:
    world.file(world.sampah, now=T0)  # 48 h / 120 h, unit = kelurahan (its admins)
    assert services.run_sla(T0 + timedelta(days=30)) == services.SlaRun(1, 1, 0)
    assert services.run_sla(T0 + timedelta(days=31)) == services.SlaRun(0, 0, 0)
    assert {u for u, _k in _messages("reports.sla_reminder")} == {world.admin.username}


def test_finished_reports_get_no_reminders(world: World) -> None:
    for finish in ("resolve", "not_responsible"):
        report = world.file(now=T0)
        if finish == "resolve":
            services.resolve(report, world.admin, "Sudah diangkut", now=T0 + timedelta(hours=1))
        else:
            services.mark_not_responsible(report, world.admin, "Bukan wilayah kami", now=T0 + timedelta(hours=1))
    assert services.run_sla(T0 + timedelta(hours=500)).reminders == 0
    assert not SlaReminder.objects.exists()


def test_resolved_reports_close_after_the_reopen_window(world: World) -> None:
    ReportSettings.objects.create(pk=1, reopen_days=7)
    report = world.file(now=T0)
    services.resolve(report, world.admin, "Beres", now=T0 + timedelta(days=1))
    assert services.run_sla(T0 + timedelta(days=8)).closed == 0
    assert services.run_sla(T0 + timedelta(days=8, seconds=1)).closed == 1
    report.refresh_from_db()
    assert report.status == Report.Status.CLOSED
    assert report.updates.last().actor_label == "Sistem"  # type: ignore[union-attr]
    assert services.run_sla(T0 + timedelta(days=9)).closed == 0


def test_the_beat_job_runs_only_where_a_report_is_due_and_uses_timezone_now(
    world: World, tenant_b: Tenant, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    DueWork.objects.all().delete()  # rows the session's tenants wrote while being set up
    with django_capture_on_commit_callbacks() as callbacks:
        world.file(world.keamanan, now=T0)  # SLA 24 h, escalation 72 h
    write_hints(callbacks)
    row = DueWork.objects.get(tenant=world.tenant, kind=DueWork.Kind.REPORTS_SLA)
    assert row.due_at == T0 + timedelta(hours=24)  # filing the report scheduled its SLA
    seen: list[str] = []
    real = services.run_sla

    def spy(now: datetime | None = None) -> services.SlaRun:
        from apps.core.db import connection

        seen.append(connection.schema_name)
        return real(now)

    monkeypatch.setattr(services, "run_sla", spy)
    with mock.patch("django.utils.timezone.now", return_value=T0 + timedelta(hours=23)):
        assert tasks.check_sla_everywhere.apply().get() == 0  # nothing due anywhere yet
    with mock.patch("django.utils.timezone.now", return_value=T0 + timedelta(hours=25)):
        queued = tasks.check_sla_everywhere.apply().get()
    assert queued == 1  # the tenant with a report past its SLA, not every tenant
    assert seen == [world.tenant.schema_name] and tenant_b.schema_name not in seen
    with world.tenant:
        assert SlaReminder.objects.count() == 1
    with tenant_b:
        assert not SlaReminder.objects.exists()
    # The sweep wrote the next time from the tables: the escalation, at 72 h.
    row.refresh_from_db()
    assert row.due_at == T0 + timedelta(hours=72) and row.claimed_at is None


def test_the_next_due_time_follows_stages_reminders_and_the_reopen_window(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    ReportSettings.objects.create(pk=1, reopen_days=7)
    DueWork.objects.all().delete()
    assert services.next_due() is None
    with django_capture_on_commit_callbacks() as callbacks:
        report = world.file(world.keamanan, now=T0)  # 24 h / 72 h
    assert services.next_due() == T0 + timedelta(hours=24)
    services.run_sla(T0 + timedelta(hours=24))  # reminder sent: the escalation is next
    assert services.next_due() == T0 + timedelta(hours=72)
    with django_capture_on_commit_callbacks() as more:
        services.resolve(report, world.admin, "Beres", now=T0 + timedelta(hours=30))
    assert services.next_due() == T0 + timedelta(hours=30, days=7)  # the reopen window closes
    write_hints([*callbacks, *more])
    row = DueWork.objects.get(tenant=world.tenant, kind=DueWork.Kind.REPORTS_SLA)
    assert row.due_at is not None and row.due_at <= T0 + timedelta(hours=24)  # hints only move earlier


def test_the_migration_copies_the_sent_reminders_and_they_still_count(world: World) -> None:
    """The copy of reports.0012, run against a table shaped like the old one (a temporary table:
    it comes first on the search path): a stage reminded before the deploy is not reminded again."""
    migration = importlib.import_module("apps.reports.migrations.0012_sla_reminders_in_core")
    report = world.file(world.keamanan, now=T0)  # SLA 24 h, escalation 72 h
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE reports_slareminder (id bigint PRIMARY KEY, report_id bigint NOT NULL,"
            " level varchar(16) NOT NULL, stage_started_at timestamptz NOT NULL, sent_at timestamptz NOT NULL,"
            " recipients smallint NOT NULL) ON COMMIT DROP"
        )
        cursor.execute(
            "INSERT INTO reports_slareminder VALUES (990001, %s, 'reminder', %s, %s, 2)",
            [report.pk, report.status_changed_at, T0 + timedelta(hours=24)],
        )
        migration.copy_reminders(cursor)
        moved = SlaReminder.objects.get(pk=990001)
        assert (moved.report_id, moved.level, moved.recipients, moved.sent_at) == (
            report.pk,
            "reminder",
            2,
            T0 + timedelta(hours=24),
        )
        assert services.run_sla(T0 + timedelta(hours=30)) == services.SlaRun(0, 0, 0)
        assert services.run_sla(T0 + timedelta(hours=72)) == services.SlaRun(0, 1, 0)
        transaction.set_rollback(True)
