"""Beneficiary imports as background jobs (`bulk` queue), both steps: the dry run after the
upload and the write after the operator's confirm. The page polls the batch (HTMX, every 2 s)
for the progress bar until the job is done; without a broker (CELERY_TASK_ALWAYS_EAGER: `make
run`, tests) both run inside the request. The shared claim/progress/stale machinery is in
apps.core.jobs.batch.

Preview (phase `preview`): the job reads the stored file and checks every row against the
database, a chunk at a time, by the rules of `services.enrol` (apps.aid.import_writer); it
writes nothing but the batch, so a rerun recomputes it from the file and cannot duplicate
anything.

Confirm (phase `apply`): all rows or none, as the operator was promised. The job first checks
every row again against the database as it is now (read only, chunk by chunk); if any row
fails, nothing is written and the batch goes back to a preview showing the new row errors.
Then it writes the rows a chunk at a time (apps.aid.import_writer), each chunk in its own
transaction together with the batch's resume point `rows_written`: a killed or redelivered run
continues after the last committed chunk and never writes a row twice, and two runs at once
are serialised on the batch row. A row that became invalid in the seconds between the check
and its chunk (another operator enrolled the person elsewhere) is skipped and reported.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.errors import Conflict, ValidationFailed
from apps.core.jobs import batch as job
from apps.core.jobs.runner import one_run_at_a_time
from apps.core.tasks import enqueue_on_commit
from apps.tenancy import due_work

from .identity import Person
from .import_writer import ChunkWriter
from .importing import ParsedRow, RowError, check_file, parse_file
from .models import ImportBatch, JobPhase, JobState, Program

logger = logging.getLogger(__name__)

CHUNK_ROWS = 250  # one commit of progress (and, on confirm, of rows) per chunk: a heartbeat every few seconds
WRITE_ATTEMPTS = 3  # a chunk retried when someone created one of its people at the same moment
IMPORT_PREVIEW_TTL = timedelta(hours=24)


# --- Preview --------------------------------------------------------------------------------


def start_import(program: Program, *, file_name: str, content: bytes, by: User | None) -> ImportBatch:
    """Store the upload and queue its dry run. Whole-file problems (unreadable, columns missing,
    too many rows) are refused here, at once; row problems are found by the job."""
    from .tasks import run_import_preview

    check_file(file_name, content, family_target=program.is_family_target)
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            program=program,
            file_name=file_name[:255],  # the upload's own name, a label only (read_table checked it whole)
            file_sha256=hashlib.sha256(content).hexdigest(),
            created_by=by,
            job_phase=JobPhase.PREVIEW,
            job_state=JobState.QUEUED,
            heartbeat_at=timezone.now(),  # "queued since": the stale sweep requeues a lost message
        )
        due_work.watch_job("IMPORT")
        job.store_upload(batch, file_name, content, run_preview, run_import_preview)
    return batch


def _claim(batch_id: int, phase: str) -> ImportBatch | None:
    batch = job.claim(ImportBatch, batch_id, phase=phase, open_status=ImportBatch.Status.PREVIEW, related=("program",))
    if batch is not None:
        due_work.watch_job("IMPORT")
    return batch


@one_run_at_a_time("aid-import")
def run_preview(batch_id: int) -> ImportBatch | None:
    """The dry run of one batch (the job body). Idempotent and resumable, see the module doc."""
    batch = _claim(batch_id, JobPhase.PREVIEW)
    if batch is None:
        return None
    program = batch.program
    parsed = job.read_upload(
        batch, lambda content: parse_file(batch.file_name, content, family_target=program.is_family_target)
    )
    if parsed is None:
        return batch
    try:
        writer = ChunkWriter(program, by=batch.created_by, batch=batch)
        errors = _check_rows(batch, writer, parsed.rows, progress_total=len(parsed.rows))
    except Exception as exc:  # a SoftTimeLimitExceeded or a bug: record it; a rerun starts over
        job.fail_on_crash(batch, exc)
        raise
    batch.errors = [error.to_json() for error in sorted([*parsed.errors, *errors], key=lambda error: error.line)]
    batch.rows = [{"line": row.line, "person": row.person.to_json()} for row in parsed.rows]
    batch.row_count = parsed.row_count
    job.finish_preview(batch, len(parsed.rows))
    return batch


def _check_rows(
    batch: ImportBatch, writer: ChunkWriter, rows: list[ParsedRow], *, progress_total: int
) -> list[RowError]:
    """Every row checked against the database as it is now, a chunk at a time, nothing written
    (the dry run, and the confirm's first pass). Rows of one file never clash with each other
    (duplicates are parse errors) except on the program's quota, counted across chunks."""
    errors: list[RowError] = []
    taken = 0
    for first in range(0, len(rows), CHUNK_ROWS):
        result = writer.run(rows[first : first + CHUNK_ROWS], write=False, taken=taken)
        taken += result.accepted
        errors += result.errors
        job.record_progress(batch, min(first + CHUNK_ROWS, len(rows)), progress_total)
    return errors


# --- Confirm --------------------------------------------------------------------------------


def start_confirm(batch: ImportBatch, *, by: User | None) -> ImportBatch:
    """The operator's confirm: checked at once (409/422 as before), then the write is queued as
    a job (run at once without a broker). A second click while it is queued or running, or
    after it is done, queues nothing more; a click after a failed run resumes it."""
    from .tasks import run_import_confirm

    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update(of=("self",)).select_related("program").get(pk=batch.pk)
        if batch.status == ImportBatch.Status.CONFIRMED:
            return batch  # a double submit: already done, nothing more to write
        if batch.status == ImportBatch.Status.DISCARDED:
            raise Conflict(_("Impor ini sudah dibatalkan. Unggah ulang berkasnya."), code="import_discarded")
        if batch.job_phase == JobPhase.APPLY and batch.in_progress:
            return batch  # a double submit: the confirm job is already queued or running
        if batch.job_phase == JobPhase.PREVIEW and batch.job_state != JobState.DONE:
            raise Conflict(_("Pratinjau belum selesai diproses. Tunggu sebentar."), code="import_not_ready")
        if batch.errors and batch.rows_written == 0:
            raise ValidationFailed(
                _("Masih ada %(count)d baris bermasalah. Perbaiki berkas lalu unggah ulang.")
                % {"count": len(batch.errors)},
                code="import_has_errors",
                rows=batch.errors,
            )
        if batch.rows_written == 0 and timezone.now() - batch.created_at > IMPORT_PREVIEW_TTL:
            raise ValidationFailed(_("Pratinjau sudah kedaluwarsa. Unggah ulang berkasnya."), code="import_expired")
        batch.job_phase = JobPhase.APPLY
        batch.job_state = JobState.QUEUED
        batch.job_error = ""
        batch.heartbeat_at = timezone.now()
        batch.progress_done, batch.progress_total = 0, 2 * len(batch.rows)  # checked, then written
        batch.confirmed_by = by
        batch.save(
            update_fields=[
                "job_phase",
                "job_state",
                "job_error",
                "heartbeat_at",
                "progress_done",
                "progress_total",
                "confirmed_by",
            ]
        )
        due_work.watch_job("IMPORT")
        if not job.eager():
            enqueue_on_commit(run_import_confirm, batch.pk)
            return batch
    run_confirm(batch.pk)
    batch.refresh_from_db()
    if batch.job_phase == JobPhase.PREVIEW and batch.errors:  # the check found rows that now fail
        raise changed_since_preview(batch)
    return batch


def changed_since_preview(batch: ImportBatch) -> ValidationFailed:
    return ValidationFailed(
        _("Data berubah sejak pratinjau: %(count)d baris kini bermasalah. Tidak ada yang disimpan.")
        % {"count": len(batch.errors)},
        code="import_has_errors",
        rows=batch.errors,
    )


def _staged_rows(batch: ImportBatch) -> list[ParsedRow]:
    return [ParsedRow(item["line"], Person.from_json(item["person"])) for item in batch.rows]


@one_run_at_a_time("aid-import")
def run_confirm(batch_id: int) -> ImportBatch | None:
    """The confirm job: check every row, then write them chunk by chunk (see the module doc)."""
    batch = _claim(batch_id, JobPhase.APPLY)
    if batch is None:
        return None
    rows = _staged_rows(batch)
    writer = ChunkWriter(batch.program, by=batch.confirmed_by, batch=batch)
    try:
        if batch.rows_written == 0 and not _check_all(batch, writer, rows):
            return batch
        for first in range(batch.rows_written, len(rows), CHUNK_ROWS):
            if not _write_chunk(batch, writer, rows, first):
                return None  # another run got ahead of this one: it finishes the job
        _finish_confirm(batch)
    except Exception as exc:  # a SoftTimeLimitExceeded or a bug: a rerun resumes after the last chunk
        job.fail_on_crash(batch, exc)
        raise
    return batch


def _finish_confirm(batch: ImportBatch) -> None:
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status != ImportBatch.Status.PREVIEW:
            return  # finished by another run
        locked.status = ImportBatch.Status.CONFIRMED
        locked.confirmed_at = timezone.now()
        locked.rows = []  # personal data is now in its proper tables; do not keep a copy
        locked.job_state = JobState.DONE
        locked.heartbeat_at = timezone.now()
        locked.save(update_fields=["status", "confirmed_at", "rows", "job_state", "heartbeat_at"])


def _check_all(batch: ImportBatch, writer: ChunkWriter, rows: list[ParsedRow]) -> bool:
    """The confirm's first pass. False (and the batch back to a preview with the row errors,
    nothing written) when any row now fails."""
    errors = _check_rows(batch, writer, rows, progress_total=2 * len(rows))
    if not errors:
        return True
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.rows_written or locked.status != ImportBatch.Status.PREVIEW:
            return False  # another run is writing (what this one found may be its rows): leave it to it
        locked.errors = [error.to_json() for error in errors]
        locked.job_phase = JobPhase.PREVIEW
        locked.job_state = JobState.DONE
        locked.heartbeat_at = timezone.now()
        locked.save(update_fields=["errors", "job_phase", "job_state", "heartbeat_at"])
    return False


def _write_chunk(batch: ImportBatch, writer: ChunkWriter, rows: list[ParsedRow], first: int) -> bool:
    """Write rows[first:first + CHUNK_ROWS] and move the resume point past them, in one
    transaction. False when the batch is no longer at `first` (another run wrote this chunk)."""
    chunk = rows[first : first + CHUNK_ROWS]
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            with transaction.atomic():
                locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
                if locked.rows_written != first or locked.status != ImportBatch.Status.PREVIEW:
                    return False
                result = writer.run(chunk, write=True)
                locked.rows_written = first + len(chunk)
                locked.errors = [*locked.errors, *(error.to_json() for error in result.errors)]
                locked.progress_done = len(rows) + locked.rows_written
                locked.heartbeat_at = timezone.now()
                locked.save(update_fields=["rows_written", "errors", "progress_done", "heartbeat_at"])
                batch.rows_written = locked.rows_written
                return True
        except IntegrityError:
            if attempt == WRITE_ATTEMPTS:
                raise
            logger.info("aid import %s: a person of rows %d+ was created meanwhile, chunk retried", batch.pk, first)
    return False


# --- Stale jobs -----------------------------------------------------------------------------


def _queue(pk: int, phase: str) -> None:
    from .tasks import run_import_confirm, run_import_preview

    enqueue_on_commit(run_import_confirm if phase == JobPhase.APPLY else run_import_preview, pk)


def requeue_stale(after: timedelta | None = None) -> list[int]:
    """Queue again the import jobs of this tenant whose worker died (queued or running with no
    heartbeat for JOBS_IMPORT_STALE_SECONDS). Called by the stale sweep; a rerun resumes."""
    return job.requeue_stale(ImportBatch, open_status=ImportBatch.Status.PREVIEW, after=after, queue=_queue)
