"""Product and stock imports as background jobs (`bulk` queue).

Upload: the request checks the file is readable, stores it (private storage) and queues the
preview job; the job parses and checks every row against the shop's data, recording progress
and a heartbeat after each chunk; the page polls the batch (HTMX, every 2 s). Confirm: the
request queues the apply job, which writes every valid row in ONE transaction
(services.apply_import). Both are safe to rerun: the preview writes nothing but the batch
(recomputed from the file), and the apply locks the batch row and refuses to apply twice, so
a second run (a redelivered task, the stale-job sweep) waits for the first and then finds the
batch applied. Without a broker (CELERY_TASK_ALWAYS_EAGER) both run inside the request. The
claim/progress/stale machinery shared with the bansos import is in apps.core.jobs.batch.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.errors import Conflict, DomainError
from apps.core.jobs import batch as job
from apps.core.jobs.runner import one_run_at_a_time
from apps.core.spreadsheets import read_table
from apps.core.tasks import enqueue_on_commit
from apps.tenancy import due_work

from .importing import parse_import
from .models import ImportBatch, JobPhase, JobState, Shop

CHUNK_ROWS = 500


def start_preview(shop: Shop, actor: User, *, file_name: str, content: bytes, kind: str) -> ImportBatch:
    """Store the upload and queue the preview job (run at once without a broker). A file that
    cannot be read at all is refused here (ValidationFailed); row problems come from the job."""
    from .tasks import run_import_preview

    read_table(file_name, content)
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            shop=shop,
            kind=kind,
            file_name=str(file_name)[:200],  # the upload's own name, a label only (read_table checked it whole)
            created_by=actor,
            job_phase=JobPhase.PREVIEW,
            job_state=JobState.QUEUED,
            heartbeat_at=timezone.now(),
        )
        due_work.watch_job("IMPORT")
        job.store_upload(batch, file_name, content, run_preview, run_import_preview)
    return batch


def _claim(batch_id: int, phase: str) -> ImportBatch | None:
    batch = job.claim(ImportBatch, batch_id, phase=phase, open_status=ImportBatch.Status.PREVIEW, related=("shop",))
    if batch is not None:
        due_work.watch_job("IMPORT")
    return batch


@one_run_at_a_time("marketplace-import")
def run_preview(batch_id: int) -> ImportBatch | None:
    """Parse and check every row (no writes but the batch itself); see the module doc."""
    from .services.bulk_import import _resolve_rows

    batch = _claim(batch_id, JobPhase.PREVIEW)
    if batch is None:
        return None
    parsed = job.read_upload(batch, lambda content: parse_import(batch.file_name, content, kind=batch.kind))
    if parsed is None:
        return batch
    valid: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = [e.to_json() for e in parsed.errors]
    total = len(parsed.rows)
    try:
        for first in range(0, total, CHUNK_ROWS):
            chunk = parsed.rows[first : first + CHUNK_ROWS]
            chunk_valid, chunk_errors = _resolve_rows(batch.shop, batch.kind, chunk)
            valid += chunk_valid
            errors += chunk_errors
            job.record_progress(batch, first + len(chunk), total)
    except Exception as exc:
        job.fail_on_crash(batch, exc)
        raise
    errors.sort(key=lambda e: int(e["line"]))
    batch.rows = valid
    batch.errors = errors
    batch.row_count = parsed.row_count
    batch.summary = {
        "create": sum(1 for r in valid if r["action"] == "create"),
        "update": sum(1 for r in valid if r["action"] == "update"),
        "errors": len(errors),
    }
    job.finish_preview(batch, total)
    return batch


def start_apply(batch: ImportBatch, actor: User) -> ImportBatch:
    """Confirm: queue the apply job (run at once without a broker, its errors raised as before)."""
    from .services.access import _require_shop_manager
    from .services.bulk_import import apply_import

    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().select_related("shop").get(pk=batch.pk)
        _require_shop_manager(batch.shop, actor)
        if batch.status != ImportBatch.Status.PREVIEW:
            raise Conflict(
                _("Impor ini sudah %(status)s.") % {"status": batch.get_status_display()}, code="not_preview"
            )
        if batch.job_phase == JobPhase.PREVIEW and batch.job_state != JobState.DONE:
            raise Conflict(_("Pratinjau belum selesai diproses. Tunggu sebentar."), code="import_not_ready")
        if batch.job_phase == JobPhase.APPLY and batch.in_progress:
            return batch  # a double submit: the apply is already queued
        batch.job_phase = JobPhase.APPLY
        batch.job_state = JobState.QUEUED
        batch.heartbeat_at = timezone.now()
        batch.progress_done, batch.progress_total = 0, len(batch.rows)
        batch.save(update_fields=["job_phase", "job_state", "heartbeat_at", "progress_done", "progress_total"])
        due_work.watch_job("IMPORT")
    if job.eager():
        try:
            applied = apply_import(batch, actor)
        except DomainError as exc:
            job.set_state(batch, JobState.FAILED, str(exc.message))
            raise
        job.set_state(applied, JobState.DONE)
        applied.refresh_from_db()
        return applied
    from .tasks import run_import_apply

    enqueue_on_commit(run_import_apply, batch.pk, actor.pk)
    return batch


@one_run_at_a_time("marketplace-import")
def run_apply(batch_id: int, actor_id: int) -> ImportBatch | None:
    """The apply job: one atomic write (services.apply_import), refused if already applied."""
    from .services import apply_import

    batch = _claim(batch_id, JobPhase.APPLY)
    if batch is None:
        # The apply may have committed in a process that died before recording the job done.
        ImportBatch.objects.filter(pk=batch_id, job_phase=JobPhase.APPLY, status=ImportBatch.Status.APPLIED).exclude(
            job_state=JobState.DONE
        ).update(job_state=JobState.DONE, heartbeat_at=timezone.now())
        return None
    actor = User.objects.filter(pk=actor_id).first()
    if actor is None:
        job.set_state(batch, JobState.FAILED, _("Pengguna yang mengonfirmasi tidak ada lagi."))
        return batch
    try:
        applied = apply_import(batch, actor)
    except DomainError as exc:
        if ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.APPLIED).exists():
            job.set_state(batch, JobState.DONE)  # another run applied it while this one waited on the lock
        else:
            job.set_state(batch, JobState.FAILED, str(exc.message))
        return batch
    except Exception as exc:
        job.fail_on_crash(batch, exc)
        raise
    ImportBatch.objects.filter(pk=batch.pk).update(
        job_state=JobState.DONE, progress_done=len(applied.rows), heartbeat_at=timezone.now()
    )
    return applied


def _queue(pk: int, phase: str) -> None:
    from .tasks import run_import_apply, run_import_preview

    if phase == JobPhase.APPLY:
        actor = ImportBatch.objects.filter(pk=pk).values_list("created_by_id", flat=True).get()
        enqueue_on_commit(run_import_apply, pk, actor)
    else:
        enqueue_on_commit(run_import_preview, pk)


def requeue_stale(after: timedelta | None = None) -> list[int]:
    """This tenant's import jobs whose worker died (queued/running, no heartbeat): queued again."""
    return job.requeue_stale(ImportBatch, open_status=ImportBatch.Status.PREVIEW, after=after, queue=_queue)
