"""The SLA beat job on the real clock (no `now` passed anywhere, as Celery beat runs it): a report
filed at 08:00 WIB gets its reminder exactly when its SLA runs out and not a second earlier,
and a resolved report closes itself when its reopen window has passed."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from time_machine import TimeMachineFixture

from apps.reports import selectors, services, tasks
from apps.reports.models import Report, SlaReminder
from tests.clock import JAKARTA, freeze
from tests.reports.conftest import World

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=JAKARTA)  # a Monday, 08:00 WIB


def test_the_beat_job_reminds_exactly_at_the_sla(world: World, time_machine: TimeMachineFixture) -> None:
    freeze(time_machine, T0)
    report = world.file(world.keamanan)  # SLA 24 h to the RT head, escalation 72 h
    assert report.created_at == T0
    freeze(time_machine, T0 + timedelta(hours=24) - timedelta(seconds=1))
    assert tasks.check_sla() == {"reminders": 0, "escalations": 0, "closed": 0}
    freeze(time_machine, T0 + timedelta(hours=24))
    assert tasks.check_sla() == {"reminders": 1, "escalations": 0, "closed": 0}
    assert tasks.check_sla()["reminders"] == 0  # once per stage
    freeze(time_machine, T0 + timedelta(hours=72))
    assert tasks.check_sla() == {"reminders": 0, "escalations": 1, "closed": 0}
    assert SlaReminder.objects.filter(report=report).count() == 2


def test_a_resolved_report_closes_when_its_reopen_window_ends(world: World, time_machine: TimeMachineFixture) -> None:
    freeze(time_machine, T0)
    report = world.file(world.sampah)
    services.verify(report, world.admin)
    services.resolve(report, world.admin, "Sudah diangkut")
    report.refresh_from_db()
    assert report.status == Report.Status.RESOLVED and report.resolved_at == T0
    window = timedelta(days=selectors.report_settings().reopen_days)
    freeze(time_machine, T0 + window - timedelta(seconds=1))
    assert services.run_sla().closed == 0
    freeze(time_machine, T0 + window + timedelta(seconds=1))
    assert services.run_sla().closed == 1
    report.refresh_from_db()
    assert report.status == Report.Status.CLOSED
