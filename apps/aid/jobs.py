"""Beneficiary imports as background jobs: the upload request stores the file and queues the
dry run on the `bulk` queue; the job reads the file, rehearses every row against the database
in chunks and records progress, a heartbeat and the row errors on the ImportBatch. The page
polls the batch (HTMX, every 2 s) until the preview is ready.

Resumable: the dry run writes nothing but the batch (each chunk's rehearsal is rolled back),
so a rerun (a redelivered task, the stale-job sweep) recomputes it from the stored file and
cannot duplicate anything; the batch's rows and errors are replaced in one save at the end. A
run holds the batch's advisory lock (apps.jobs.runner): a duplicate message while it is alive
does nothing, a message delivered again after its worker process died takes over at once. The
confirm stays one atomic, idempotent write (services.confirm_import).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.db import connection
from apps.core.errors import DomainError
from apps.core.tasks import enqueue_on_commit
from apps.jobs.runner import exclusive_run

from .importing import RowError, check_file, parse_file
from .models import ImportBatch, JobState, Program

logger = logging.getLogger(__name__)

JOB_KIND = "aid-import"
CHUNK_ROWS = 250  # one commit of progress and errors per chunk: a heartbeat every few seconds


def start_import(program: Program, *, file_name: str, content: bytes, by: User | None) -> ImportBatch:
    """Store the upload and queue its dry run. Whole-file problems (unreadable, columns missing,
    too many rows) are refused here, at once; row problems are found by the job.

    Without a broker (CELERY_TASK_ALWAYS_EAGER: `make run`, tests) the dry run runs right here,
    in the request, as it did before it became a job."""
    check_file(file_name, content, family_target=program.is_family_target)
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            program=program,
            file_name=file_name[:255],
            file_sha256=hashlib.sha256(content).hexdigest(),
            created_by=by,
            job_state=JobState.QUEUED,
            heartbeat_at=timezone.now(),  # "queued since": the stale sweep requeues a lost message
        )
        batch.upload.save(file_name or "impor.csv", ContentFile(content), save=True)
        if current_app.conf.task_always_eager:
            run_preview(batch.pk)
            batch.refresh_from_db()
        else:
            from .tasks import run_import_preview

            enqueue_on_commit(run_import_preview, batch.pk)
    return batch


def _claim(batch_id: int) -> ImportBatch | None:
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().select_related("program").filter(pk=batch_id).first()
        if batch is None or batch.job_state == JobState.DONE or batch.status != ImportBatch.Status.PREVIEW:
            return None  # gone, finished by an earlier run, or discarded: nothing to do
        # RUNNING here is a dead run: the caller holds the job's lock (apps.jobs.runner).
        batch.job_state = JobState.RUNNING
        batch.heartbeat_at = timezone.now()
        batch.job_error = ""
        batch.save(update_fields=["job_state", "heartbeat_at", "job_error"])
        return batch


def _fail(batch: ImportBatch, message: str) -> None:
    ImportBatch.objects.filter(pk=batch.pk).update(
        job_state=JobState.FAILED, job_error=message[:2000], heartbeat_at=timezone.now()
    )


@contextmanager
def _side_connection() -> Iterator[BaseDatabaseWrapper]:
    """A second connection to the same database, in autocommit: what it writes is visible at
    once to the page polling the batch, while the rehearsal's transaction is still open."""
    side = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        yield side
    finally:
        side.close()


def _progress(side: BaseDatabaseWrapper, batch: ImportBatch, done: int, total: int) -> None:
    table = f"{side.ops.quote_name(connection.schema_name)}.{side.ops.quote_name(ImportBatch._meta.db_table)}"
    with side.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET progress_done = %s, progress_total = %s, heartbeat_at = %s WHERE id = %s",
            [done, total, timezone.now(), batch.pk],
        )


def _quota_room(program: Program) -> int | None:
    """How many more people the program takes now (None: no quota)."""
    from .models import Enrolment

    if not program.quota:
        return None
    active = Enrolment.objects.filter(program=program, status=Enrolment.Status.ACTIVE).count()
    return max(program.quota - active, 0)


def _over_quota(program: Program, line: int, who: str) -> dict[str, object]:
    # The same message services.enrol gives when the quota is full.
    message = _("Kuota %(program)s sudah penuh (%(quota)d penerima).") % {
        "program": program.name,
        "quota": program.quota,
    }
    return RowError(line, "over_quota", message, who).to_json()


def run_preview(batch_id: int) -> ImportBatch | None:
    """The dry run of one batch (the job body). Idempotent and resumable, see the module doc.
    None when there is nothing to do or a live process runs this batch (apps.jobs.runner)."""
    with exclusive_run(JOB_KIND, batch_id) as mine:
        return _run_preview(batch_id) if mine else None


def _run_preview(batch_id: int) -> ImportBatch | None:
    from .services import _apply_rows

    batch = _claim(batch_id)
    if batch is None:
        return None
    program = batch.program
    try:
        with batch.upload.open("rb") as handle:
            content = handle.read()
        parsed = parse_file(batch.file_name, content, family_target=program.is_family_target)
    except DomainError as exc:
        _fail(batch, str(exc.message))
        return batch
    except OSError:
        logger.exception("aid import %s: upload unreadable", batch.pk)
        _fail(batch, _("Berkas unggahan tidak dapat dibaca. Unggah ulang berkasnya."))
        return batch
    total = len(parsed.rows)
    errors: list[dict[str, object]] = []
    room = _quota_room(program)
    accepted = 0
    try:
        with _side_connection() as side:
            for first in range(0, total, CHUNK_ROWS):
                chunk = parsed.rows[first : first + CHUNK_ROWS]
                # Each chunk rehearsed in its own rolled-back transaction: PostgreSQL keeps the
                # locks of every row's savepoint until the transaction ends, and 10,000 rows in
                # one transaction exhaust its lock table. Rows of one file never clash with each
                # other (duplicates are parse errors) except on the program's quota, which is
                # counted across chunks below.
                with transaction.atomic():
                    rehearsal = _apply_rows(program, chunk, by=batch.created_by, batch=None)
                    transaction.set_rollback(True)
                failed = {error.line for error in rehearsal}
                for row in chunk:
                    if row.line in failed:
                        continue
                    accepted += 1
                    if room is not None and accepted > room:
                        errors.append(_over_quota(program, row.line, row.person.nik_masked))
                errors.extend(error.to_json() for error in rehearsal)
                _progress(side, batch, first + len(chunk), total)
    except Exception as exc:  # a SoftTimeLimitExceeded or a bug: record it; a rerun starts over
        _fail(batch, f"{exc.__class__.__name__}: {exc}")
        raise
    every_error: list[RowError | dict[str, object]] = [*parsed.errors, *errors]
    batch.errors = sorted(
        (e.to_json() if isinstance(e, RowError) else e for e in every_error), key=lambda e: int(str(e["line"]))
    )
    batch.rows = [{"line": row.line, "person": row.person.to_json()} for row in parsed.rows]
    batch.row_count = parsed.row_count
    batch.progress_done = batch.progress_total = total
    batch.job_state = JobState.DONE
    batch.heartbeat_at = timezone.now()
    name = batch.upload.name
    batch.upload.name = ""
    batch.save()
    if name:
        # The rows are staged (hashed and masked); the file with full NIKs is not kept.
        transaction.on_commit(lambda: batch.upload.storage.delete(name))
    return batch


def _stale_after() -> timedelta:
    return timedelta(seconds=int(getattr(settings, "JOBS_IMPORT_STALE_SECONDS", 300)))


def requeue_stale(after: timedelta | None = None) -> list[int]:
    """Queue again the import jobs of this tenant whose worker died (queued or running with no
    heartbeat for JOBS_IMPORT_STALE_SECONDS). Called by the stale sweep; a rerun resumes."""
    from .tasks import run_import_preview

    cutoff = timezone.now() - (after or _stale_after())
    stale = list(
        ImportBatch.objects.filter(
            status=ImportBatch.Status.PREVIEW,
            job_state__in=[JobState.QUEUED, JobState.RUNNING],
            heartbeat_at__lt=cutoff,
        ).values_list("pk", flat=True)[:50]
    )
    # "Queued again at": a job still waiting in a long queue is not queued twice per sweep.
    ImportBatch.objects.filter(pk__in=stale).update(job_state=JobState.QUEUED, heartbeat_at=timezone.now())
    for pk in stale:
        logger.warning("aid import %s: no heartbeat, queued again", pk)
        enqueue_on_commit(run_import_preview, pk)
    return stale
