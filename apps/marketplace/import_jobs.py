"""Product and stock imports as background jobs (`bulk` queue).

Upload: the request checks the file is readable, stores it (private storage) and queues the
preview job; the job parses and checks every row against the shop's data, recording progress
and a heartbeat after each chunk; the page polls the batch (HTMX, every 2 s). Confirm: the
request queues the apply job, which writes every valid row in ONE transaction
(services.apply_import). Both are safe to rerun: the preview writes nothing but the batch
(recomputed from the file), and the apply locks the batch row and refuses to apply twice, so
a second run (a redelivered task, the stale-job sweep) waits for the first and then finds the
batch applied. A run holds the batch's advisory lock (apps.jobs.runner): a message delivered
again while its first run is alive does nothing, and one delivered again because its worker
process died takes over at once. Without a broker (CELERY_TASK_ALWAYS_EAGER) both run inside the request.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.errors import Conflict, DomainError
from apps.core.spreadsheets import read_table
from apps.core.tasks import enqueue_on_commit
from apps.jobs.runner import exclusive_run

from .importing import parse_import
from .models import ImportBatch, JobPhase, JobState, Shop

logger = logging.getLogger(__name__)

CHUNK_ROWS = 500
JOB_KIND = "marketplace-import"


def _eager() -> bool:
    return bool(current_app.conf.task_always_eager)


def start_preview(shop: Shop, actor: User, *, file_name: str, content: bytes, kind: str) -> ImportBatch:
    """Store the upload and queue the preview job (run at once without a broker). A file that
    cannot be read at all is refused here (ValidationFailed); row problems come from the job."""
    read_table(file_name, content)
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            shop=shop,
            kind=kind,
            file_name=str(file_name)[:200],
            created_by=actor,
            job_phase=JobPhase.PREVIEW,
            job_state=JobState.QUEUED,
            heartbeat_at=timezone.now(),
        )
        batch.upload.save(file_name or "impor.csv", ContentFile(content), save=True)
        if _eager():
            run_preview(batch.pk)
            batch.refresh_from_db()
        else:
            from .tasks import run_import_preview

            enqueue_on_commit(run_import_preview, batch.pk)
    return batch


def _claim(batch_id: int, phase: str) -> ImportBatch | None:
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().select_related("shop").filter(pk=batch_id).first()
        if batch is None or batch.job_phase != phase or batch.job_state == JobState.DONE:
            return None
        if batch.status != ImportBatch.Status.PREVIEW:
            if batch.status == ImportBatch.Status.APPLIED and phase == JobPhase.APPLY:
                # The apply committed and its process died before recording the job done.
                batch.job_state = JobState.DONE
                batch.heartbeat_at = timezone.now()
                batch.save(update_fields=["job_state", "heartbeat_at"])
            return None  # discarded (or applied): nothing left to do
        # RUNNING here is a dead run: the caller holds the job's lock (apps.jobs.runner).
        batch.job_state = JobState.RUNNING
        batch.heartbeat_at = timezone.now()
        batch.job_error = ""
        batch.save(update_fields=["job_state", "heartbeat_at", "job_error"])
        return batch


def _finish(batch_id: int, state: str, error: str = "") -> None:
    ImportBatch.objects.filter(pk=batch_id).update(job_state=state, job_error=error[:2000], heartbeat_at=timezone.now())


def run_preview(batch_id: int) -> ImportBatch | None:
    """Parse and check every row (no writes but the batch itself); see the module doc.
    None when there is nothing to do or a live process runs this batch (apps.jobs.runner)."""
    with exclusive_run(JOB_KIND, batch_id) as mine:
        return _run_preview(batch_id) if mine else None


def _run_preview(batch_id: int) -> ImportBatch | None:
    from .services import _resolve_rows

    batch = _claim(batch_id, JobPhase.PREVIEW)
    if batch is None:
        return None
    try:
        with batch.upload.open("rb") as handle:
            content = handle.read()
        parsed = parse_import(batch.file_name, content, kind=batch.kind)
    except DomainError as exc:
        _finish(batch.pk, JobState.FAILED, str(exc.message))
        return batch
    except OSError:
        logger.exception("product import %s: upload unreadable", batch.pk)
        _finish(batch.pk, JobState.FAILED, _("Berkas unggahan tidak dapat dibaca. Unggah ulang berkasnya."))
        return batch
    valid: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = [e.to_json() for e in parsed.errors]
    total = len(parsed.rows)
    try:
        for first in range(0, total, CHUNK_ROWS):
            chunk_valid, chunk_errors = _resolve_rows(batch.shop, batch.kind, parsed.rows[first : first + CHUNK_ROWS])
            valid += chunk_valid
            errors += chunk_errors
            ImportBatch.objects.filter(pk=batch.pk).update(
                progress_done=first + CHUNK_ROWS if first + CHUNK_ROWS < total else total,
                progress_total=total,
                heartbeat_at=timezone.now(),
            )
    except Exception as exc:
        _finish(batch.pk, JobState.FAILED, f"{exc.__class__.__name__}: {exc}")
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
    batch.progress_done = batch.progress_total = total
    batch.job_state = JobState.DONE
    batch.heartbeat_at = timezone.now()
    name = batch.upload.name
    batch.upload.name = ""
    batch.save()
    if name:
        storage = batch.upload.storage
        transaction.on_commit(lambda: storage.delete(name))
    return batch


def start_apply(batch: ImportBatch, actor: User) -> ImportBatch:
    """Confirm: queue the apply job (run at once without a broker, its errors raised as before)."""
    from .services import _require_shop_manager, apply_import

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
    if _eager():
        try:
            applied = apply_import(batch, actor)
        except DomainError as exc:
            _finish(batch.pk, JobState.FAILED, str(exc.message))
            raise
        _finish(applied.pk, JobState.DONE)
        applied.refresh_from_db()
        return applied
    from .tasks import run_import_apply

    enqueue_on_commit(run_import_apply, batch.pk, actor.pk)
    return batch


def run_apply(batch_id: int, actor_id: int) -> ImportBatch | None:
    """The apply job: one atomic write (services.apply_import), refused if already applied.
    None when there is nothing to do or a live process runs this batch (apps.jobs.runner)."""
    with exclusive_run(JOB_KIND, batch_id) as mine:
        return _run_apply(batch_id, actor_id) if mine else None


def _run_apply(batch_id: int, actor_id: int) -> ImportBatch | None:
    from .services import apply_import

    batch = _claim(batch_id, JobPhase.APPLY)
    if batch is None:
        return None
    actor = User.objects.filter(pk=actor_id).first()
    if actor is None:
        _finish(batch.pk, JobState.FAILED, _("Pengguna yang mengonfirmasi tidak ada lagi."))
        return batch
    try:
        applied = apply_import(batch, actor)
    except DomainError as exc:
        if ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.APPLIED).exists():
            _finish(batch.pk, JobState.DONE)  # another run applied it while this one waited on the lock
        else:
            _finish(batch.pk, JobState.FAILED, str(exc.message))
        return batch
    except Exception as exc:
        _finish(batch.pk, JobState.FAILED, f"{exc.__class__.__name__}: {exc}")
        raise
    ImportBatch.objects.filter(pk=batch.pk).update(
        job_state=JobState.DONE, progress_done=len(applied.rows), heartbeat_at=timezone.now()
    )
    return applied


def _stale_after() -> timedelta:
    return timedelta(seconds=int(getattr(settings, "JOBS_IMPORT_STALE_SECONDS", 300)))


def requeue_stale(after: timedelta | None = None) -> list[int]:
    """This tenant's import jobs whose worker died (queued/running, no heartbeat): queued again."""
    from .tasks import run_import_apply, run_import_preview

    cutoff = timezone.now() - (after or _stale_after())
    stale = list(
        ImportBatch.objects.filter(
            status=ImportBatch.Status.PREVIEW,
            job_state__in=[JobState.QUEUED, JobState.RUNNING],
            heartbeat_at__lt=cutoff,
        ).values_list("pk", "job_phase", "created_by_id")[:50]
    )
    ImportBatch.objects.filter(pk__in=[pk for pk, _phase, _by in stale]).update(
        job_state=JobState.QUEUED, heartbeat_at=timezone.now()
    )
    for pk, phase, by in stale:
        logger.warning("product import %s (%s): no heartbeat, queued again", pk, phase)
        if phase == JobPhase.APPLY:
            enqueue_on_commit(run_import_apply, pk, by)
        else:
            enqueue_on_commit(run_import_preview, pk)
    return [pk for pk, _phase, _by in stale]
