"""The bansos import's confirm runs as a job: rows checked again, then written a chunk at a
time without a savepoint per row, resumable after a killed worker, exactly once under a
redelivered message or a double click, and polled by the staff page and the admin page."""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

import pytest
from celery import current_app
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.models import User
from apps.aid import jobs as aid_jobs
from apps.aid import services as aid_services
from apps.aid.identity import build_person
from apps.aid.import_writer import ChunkWriter
from apps.aid.models import Beneficiary, Enrolment, ImportBatch, JobPhase, JobState, Program
from apps.aid.tasks import run_import_confirm
from apps.core.db import connection
from apps.core.errors import Conflict, ValidationFailed
from apps.core.jobs import batch as job_batch
from apps.rtrw.models import RukunTetangga, RukunWarga
from apps.tenancy.models import Tenant
from tests.aid.conftest import ProgramFactory, csv_file
from tests.concurrency import race

from .test_import_jobs import bansos_rows

Capture = Callable[..., AbstractContextManager[Any]]
CLEAN = 10**9  # bansos_rows(..., bad_every=CLEAN): no broken row


def _person(row: list[Any]) -> Any:
    return build_person(nik=row[0], kk=row[1], name=row[2], address=row[3], rt=row[4], rw=row[5])


def _one_enrolment_each(program: Program) -> bool:
    per_person = Enrolment.objects.filter(program=program).values("beneficiary").annotate(n=Count("id"))
    return all(item["n"] == 1 for item in per_person)


@pytest.mark.django_db
def test_ten_thousand_row_bansos_import_confirms_as_a_job_with_row_errors(
    tenant_a: Tenant,
    units_a: dict[tuple[int, int], RukunTetangga],
    make_program: ProgramFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with tenant_a:
        other = make_program(name="PKH Uji", quota=10)
        program = make_program(quota=20_000, exclude_program_ids=[other.pk])
        operator = User.objects.get(username="admin")
        started = time.perf_counter()
        rows, bad = bansos_rows(10_000, bad_every=500)
        broken = aid_services.preview_import(program, file_name="besar.csv", content=csv_file(rows), by=operator)
        assert {error["line"] for error in broken.errors} == bad and len(bad) == 20
        with pytest.raises(ValidationFailed) as refused:  # all rows or none: fix the file first
            aid_services.confirm_import(broken, by=operator)
        assert refused.value.code == "import_has_errors" and not Enrolment.objects.exists()

        fixed, _none = bansos_rows(10_000, bad_every=CLEAN)
        batch = aid_services.preview_import(program, file_name="besar-2.csv", content=csv_file(fixed), by=operator)
        assert batch.errors == [] and len(batch.rows) == 10_000
        # Between the confirm's check of every row and the write of its chunk, another operator
        # enrols the person of line 5000 in a program this one excludes.
        late = fixed[4998]
        check_all = aid_jobs._check_all

        def check_then_someone_else_enrols(*args: Any, **kwargs: Any) -> bool:
            passed = check_all(*args, **kwargs)
            aid_services.enrol_person(other, _person(late), by=None)
            return passed

        monkeypatch.setattr(aid_jobs, "_check_all", check_then_someone_else_enrols)
        with CaptureQueriesContext(connection) as queries:
            confirmed = aid_services.confirm_import(batch, by=operator)
        seconds = time.perf_counter() - started
        sys.stderr.write(f"\n10,000-row bansos import, 2 previews + confirm (eager): {seconds:.1f} s\n")

        assert confirmed.status == ImportBatch.Status.CONFIRMED and confirmed.job_state == JobState.DONE
        assert confirmed.rows == [] and confirmed.rows_written == 10_000 and confirmed.confirmed_by == operator
        assert (confirmed.progress_done, confirmed.progress_total) == (20_000, 20_000)
        assert [(e["line"], e["code"]) for e in confirmed.errors] == [(5000, "excluded")]
        assert "PKH Uji" in confirmed.errors[0]["message"] and confirmed.saved_count == 9_999
        imported = Enrolment.objects.filter(program=program)
        assert imported.count() == 9_999 and _one_enrolment_each(program)
        assert (
            imported.filter(import_batch=batch, source=Enrolment.Source.IMPORT, enrolled_by=operator).count() == 9_999
        )
        assert Beneficiary.objects.count() == 10_000  # the late person came through the other program
        # A chunk is one transaction with a few bulk statements, not a savepoint per row.
        savepoints = sum(1 for query in queries.captured_queries if query["sql"].startswith("SAVEPOINT"))
        assert savepoints <= 3 * (10_000 // aid_jobs.CHUNK_ROWS) + 10, savepoints
        assert len(queries.captured_queries) < 40 * (10_000 // aid_jobs.CHUNK_ROWS)


@pytest.mark.django_db
def test_a_killed_confirm_job_resumes_and_a_redelivered_one_writes_nothing_twice(
    tenant_a: Tenant,
    units_a: dict[tuple[int, int], RukunTetangga],
    make_program: ProgramFactory,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    rows, _none = bansos_rows(600, bad_every=CLEAN)
    with tenant_a:
        program = make_program(quota=1_000)
        batch = aid_services.preview_import(program, file_name="a.csv", content=csv_file(rows), by=None)
        queued: list[tuple[Any, ...]] = []
        monkeypatch.setitem(current_app.conf, "task_always_eager", False)
        monkeypatch.setattr(run_import_confirm, "delay", lambda *args: queued.append(args))
        with django_capture_on_commit_callbacks(execute=True):
            started = aid_services.confirm_import(batch, by=None)
        assert queued == [(batch.pk,)] and started.job_phase == JobPhase.APPLY and started.job_state == JobState.QUEUED
        assert aid_services.confirm_import(batch, by=None).job_state == JobState.QUEUED  # a double click
        assert queued == [(batch.pk,)] and not Enrolment.objects.exists()

        writes: list[int] = []
        kill = {"at": 2}  # the worker dies in its second chunk's write
        run = ChunkWriter.run

        def killed_in_the_second_chunk(self: ChunkWriter, rows: Any, *, write: bool, taken: int = 0) -> Any:
            if write:
                writes.append(len(rows))
                if len(writes) == kill["at"]:
                    raise SystemExit("worker killed")
            return run(self, rows, write=write, taken=taken)

        monkeypatch.setattr(ChunkWriter, "run", killed_in_the_second_chunk)
        with pytest.raises(SystemExit):
            aid_jobs.run_confirm(batch.pk)
        batch.refresh_from_db()
        assert batch.job_state == JobState.RUNNING and batch.rows_written == 250
        assert Enrolment.objects.filter(program=program).count() == 250  # the first chunk, committed
        with pytest.raises(Conflict) as refused:
            aid_services.discard_import(batch, by=None)  # half written: only finishing leaves it whole
        assert refused.value.code == "import_confirming"
        # The dead run released its lock (apps.core.jobs.runner): a redelivered message would take over
        # at once (tests/jobs/test_runner.py, the pool-child kill). Here the message is lost, and the
        # stale sweep queues the job again.

        assert batch.heartbeat_at is not None
        ImportBatch.objects.filter(pk=batch.pk).update(heartbeat_at=batch.heartbeat_at - timedelta(hours=1))
        with django_capture_on_commit_callbacks(execute=True):
            assert aid_jobs.requeue_stale() == [batch.pk]
        assert queued[-1] == (batch.pk,)
        writes.clear()
        kill["at"] = 0  # the next worker lives
        aid_jobs.run_confirm(batch.pk)
        assert writes == [250, 100]  # resumed after the committed chunk, not redone
        batch.refresh_from_db()
        assert batch.status == ImportBatch.Status.CONFIRMED and batch.job_state == JobState.DONE
        assert Enrolment.objects.filter(program=program).count() == 600 and _one_enrolment_each(program)
        assert Beneficiary.objects.count() == 600 and batch.errors == [] and batch.saved_count == 600
        assert aid_jobs.run_confirm(batch.pk) is None  # a late duplicate message
        assert aid_services.confirm_import(batch, by=None).status == ImportBatch.Status.CONFIRMED
        assert Enrolment.objects.count() == 600


@pytest.mark.django_db
def test_staff_page_and_admin_page_poll_the_confirm_job(
    tenant_a: Tenant,
    units_a: dict[tuple[int, int], RukunTetangga],
    make_program: ProgramFactory,
    staff_a: Client,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rows, _none = bansos_rows(30, bad_every=CLEAN)
    with tenant_a:
        program = make_program(quota=100)
        public = aid_services.preview_import(program, file_name="a.csv", content=csv_file(rows[:10]), by=None)
        admin = aid_services.preview_import(program, file_name="b.csv", content=csv_file(rows[10:]), by=None)
    monkeypatch.setitem(current_app.conf, "task_always_eager", False)
    monkeypatch.setattr(run_import_confirm, "delay", lambda *args: None)

    queued = staff_a.post(f"/bansos/impor/{public.uuid}/konfirmasi/", HTTP_HX_REQUEST="true")
    assert queued.status_code == 202
    page = queued.content.decode()
    assert 'hx-trigger="every 2s"' in page and 'data-testid="import-progress"' in page and 'max="20"' in page
    with tenant_a:
        aid_jobs.run_confirm(public.pk)
    done = staff_a.get(f"/bansos/impor/{public.uuid}/", HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in done and 'data-testid="import-saved"' in done and "10 penerima" in done

    url = f"/admin/aid/program/impor/{admin.uuid}/"
    assert staff_a.post(url, {"confirm": "1"})["Location"] == url
    page = staff_a.get(url).content.decode()
    assert 'hx-trigger="every 2s"' in page and 'data-testid="import-progress"' in page and "htmx.min.js" in page
    assert 'name="confirm"' not in page and 'name="discard"' not in page
    poll = staff_a.get(url, HTTP_HX_REQUEST="true")
    assert poll.status_code == 200 and 'max="40"' in poll.content.decode()
    with tenant_a:
        aid_jobs.run_confirm(admin.pk)
    finished = staff_a.get(url, HTTP_HX_REQUEST="true")
    assert finished.status_code == 204 and finished["HX-Refresh"] == "true"
    page = staff_a.get(url).content.decode()
    assert "hx-trigger" not in page and 'data-testid="import-saved"' in page and "20 penerima" in page
    with tenant_a:
        assert Enrolment.objects.filter(program=program).count() == 30


# --- Real concurrent connections on committed data ------------------------------------------

RW_NUMBER = 89  # a unit no other test uses


@pytest.fixture
def staged(tenant_a: Tenant, committed: None) -> Iterator[tuple[Program, ImportBatch]]:
    with tenant_a:
        rw = RukunWarga.objects.create(number=RW_NUMBER)
        RukunTetangga.objects.create(rw=rw, number=1)
        program = aid_services.create_program(
            aid_services.ProgramInput(
                name="Serentak impor",
                target_type="individu",
                funding_source="apbd",
                start_date=timezone.localdate().replace(month=1, day=1),
                end_date=timezone.localdate().replace(month=12, day=31),
                quota=1_000,
            )
        )
        rows, _none = bansos_rows(120, bad_every=CLEAN)
        for row in rows:
            row[4], row[5] = 1, RW_NUMBER
        batch = aid_services.preview_import(program, file_name="serentak.csv", content=csv_file(rows), by=None)
        assert batch.errors == [] and len(batch.rows) == 120
    yield program, batch
    with tenant_a:
        Enrolment.objects.filter(program=program).delete()
        ImportBatch.objects.filter(program=program).delete()
        Program.objects.filter(pk=program.pk).delete()
        Beneficiary.objects.filter(rt__rw__number=RW_NUMBER).delete()
        RukunTetangga.objects.filter(rw__number=RW_NUMBER).delete()
        RukunWarga.objects.filter(number=RW_NUMBER).delete()
    connection.set_schema_to_public()


def _written_once(tenant: Tenant, program: Program, batch: ImportBatch) -> None:
    with tenant:
        batch.refresh_from_db()
        assert batch.status == ImportBatch.Status.CONFIRMED and batch.rows_written == 120 and batch.errors == []
        assert Enrolment.objects.filter(program=program).count() == 120 and _one_enrolment_each(program)
        assert Beneficiary.objects.filter(rt__rw__number=RW_NUMBER).count() == 120


def _ok(call: Callable[[], object]) -> Callable[[], str]:
    def run() -> str:
        call()
        return "ok"

    return run


def test_a_double_confirm_click_writes_the_rows_once(
    tenant_a: Tenant, staged: tuple[Program, ImportBatch], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two clicks at the same moment (eager: each request would run the job itself)."""
    program, batch = staged
    monkeypatch.setattr(aid_jobs, "CHUNK_ROWS", 25)
    outcomes, errors = race(tenant_a, [_ok(lambda: aid_services.confirm_import(batch, by=None))] * 2)
    assert errors == [] and outcomes == Counter(ok=2)
    _written_once(tenant_a, program, batch)


def test_two_workers_on_one_confirm_write_every_chunk_once(
    tenant_a: Tenant, staged: tuple[Program, ImportBatch], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A message redelivered while the first worker still runs (no heartbeat grace at all): the
    run lock lets one of them write; each chunk is written once."""
    program, batch = staged
    monkeypatch.setattr(aid_jobs, "CHUNK_ROWS", 10)
    monkeypatch.setattr(job_batch, "stale_after", lambda: timedelta(0))
    monkeypatch.setitem(current_app.conf, "task_always_eager", False)
    monkeypatch.setattr(run_import_confirm, "delay", lambda *args: None)
    with tenant_a:
        aid_services.confirm_import(batch, by=None)
    outcomes, errors = race(tenant_a, [_ok(lambda: aid_jobs.run_confirm(batch.pk))] * 2)
    assert errors == [] and outcomes == Counter(ok=2)
    _written_once(tenant_a, program, batch)
