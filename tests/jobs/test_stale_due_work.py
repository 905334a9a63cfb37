"""The stale-job sweep runs only in tenants where a routing or import job is open: starting a
job hints the public due-work index, and each sweep writes the next look from the oldest
heartbeat still open (apps.jobs.stale.next_check_at)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

import pytest
from celery import current_app
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from apps.aid import jobs as aid_jobs
from apps.aid.models import ImportBatch, JobState
from apps.aid.tasks import run_import_preview
from apps.core.jobs.heartbeat import threshold
from apps.fulfillment.models import RoutingJob
from apps.fulfillment.services import dispatch
from apps.fulfillment.tasks import run_routing_job
from apps.jobs import due_work as repair_index
from apps.jobs.tasks import requeue_stale, requeue_stale_tenant
from apps.rtrw.models import RukunTetangga
from apps.tenancy.models import DueWork, Tenant
from tests.aid.conftest import ProgramFactory, csv_file
from tests.due_hints import write_hints
from tests.jobs.test_import_jobs import bansos_rows
from tests.jobs.test_stale_and_repair import _routing_job

pytestmark = pytest.mark.django_db
Capture = Callable[..., AbstractContextManager[Any]]
STALE = DueWork.Kind.STALE_JOBS
MARGIN = timedelta(seconds=1)


def _due_at(tenant: Tenant) -> Any:
    row = DueWork.objects.filter(tenant=tenant, kind=STALE).first()
    assert row is not None
    return row.due_at


@pytest.fixture
def clean_index(tenants: Any) -> None:
    DueWork.objects.all().delete()


def test_a_routing_job_that_starts_schedules_the_sweep_which_follows_the_jobs_still_running(
    tenant_a: Tenant,
    tenant_b: Tenant,
    clean_index: None,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    queued: list[int] = []
    monkeypatch.setattr(run_routing_job, "delay", lambda job_id: queued.append(job_id))
    with tenant_a:
        first = _routing_job("H-ONE")
        second = _routing_job("H-TWO")
        with django_capture_on_commit_callbacks() as callbacks:
            started = dispatch._start_job(first.pk)
        assert started is not None and started.started_at is not None
        assert not DueWork.objects.filter(kind=STALE).exists()  # the hint waits for the commit
        assert write_hints(callbacks) == 1
        assert _due_at(tenant_a) == started.started_at + threshold("ROUTING")
        with django_capture_on_commit_callbacks() as callbacks:
            dispatch._start_job(second.pk)
        write_hints(callbacks)
        assert _due_at(tenant_a) == started.started_at + threshold("ROUTING")  # the earlier time is kept

    # Beat claims only this tenant (tenant_b has nothing open) once the time has come.
    assert requeue_stale.run() == 0  # not due yet
    DueWork.objects.filter(kind=STALE).update(due_at=timezone.now() - timedelta(seconds=1))
    swept: list[str] = []
    monkeypatch.setattr(requeue_stale_tenant, "delay", lambda: swept.append(tenant_a.schema_name))
    assert requeue_stale.run() == 1 and swept == [tenant_a.schema_name]

    with tenant_a:
        # The first job's worker died; the second is alive. The sweep requeues the first and
        # writes the next look from the second's heartbeat.
        now = timezone.now()
        RoutingJob.objects.filter(pk=first.pk).update(heartbeat_at=now - timedelta(minutes=10))
        alive_beat = now - timedelta(seconds=30)
        RoutingJob.objects.filter(pk=second.pk).update(heartbeat_at=alive_beat)
        with django_capture_on_commit_callbacks(execute=True):
            result = requeue_stale_tenant.run()
        assert result["routing"] == [first.pk] and queued == [first.pk]
        row = DueWork.objects.get(tenant=tenant_a, kind=STALE)
        assert row.due_at == alive_beat + threshold("ROUTING") + MARGIN and row.claimed_at is None
        # The repair asks the same function and finds the same time.
        assert repair_index.repair_due_work()[str(STALE)] == row.due_at.isoformat()

        # Nothing running any more: the next sweep leaves no time, so beat never wakes the tenant.
        RoutingJob.objects.update(status=RoutingJob.Status.SUCCEEDED)
        requeue_stale_tenant.run()
        assert _due_at(tenant_a) is None
        assert str(STALE) not in repair_index.repair_due_work()
    assert not DueWork.objects.filter(tenant=tenant_b, kind=STALE).exists()


def test_an_import_job_queued_and_claimed_schedules_the_sweep_from_its_heartbeat(
    tenant_a: Tenant,
    units_a: dict[tuple[int, int], RukunTetangga],
    make_program: ProgramFactory,
    staff_a: Client,
    clean_index: None,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    monkeypatch.setitem(current_app.conf, "task_always_eager", False)
    monkeypatch.setattr(run_import_preview, "delay", lambda *args: None)
    with tenant_a:
        program = make_program(quota=1_000)
    rows, _bad = bansos_rows(10, bad_every=1000)
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_a.post(
            "/bansos/impor/", {"program": program.pk, "file": SimpleUploadedFile("d.csv", csv_file(rows))}
        )
    assert response.status_code == 302
    with tenant_a:
        batch = ImportBatch.objects.get()
        assert batch.job_state == JobState.QUEUED
        queued_due = _due_at(tenant_a)
        assert before + threshold("IMPORT") <= queued_due <= timezone.now() + threshold("IMPORT")

        # The message was lost: the sweep finds the job queued since too long and queues it again,
        # then looks again one threshold after that.
        ImportBatch.objects.filter(pk=batch.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
        with django_capture_on_commit_callbacks(execute=True):
            result = requeue_stale_tenant.run()
        assert result["imports"] == [batch.pk]
        batch.refresh_from_db()
        assert _due_at(tenant_a) == batch.heartbeat_at + threshold("IMPORT") + MARGIN

        # Finished: nothing open, no time.
        aid_jobs.run_preview(batch.pk)
        batch.refresh_from_db()
        assert batch.job_state == JobState.DONE
        requeue_stale_tenant.run()
        assert _due_at(tenant_a) is None
