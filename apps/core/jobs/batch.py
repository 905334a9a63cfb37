"""What every import batch that runs as a background job shares (bansos in apps.aid.jobs,
products in apps.marketplace.import_jobs): the job fields (an abstract model), claiming a
batch for a run, recording progress, failing, finishing, storing the upload and queueing the
first run, and queueing again the runs whose worker died.

A batch's job goes through phases (`preview`, then on the operator's confirm `apply`); in
each phase it is queued → running → done | failed. A run holds the job's advisory lock
(apps.core.jobs.runner.one_run_at_a_time) and claims the batch under a row lock: a duplicate message
while a live process runs the job is a no-op, a message delivered again because its process
died takes over at once, and a run whose message was lost is queued again by the stale sweep
(apps.jobs.stale) and resumes. These helpers take the concrete model or batch as argument:
they never know which app's batch it is.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from celery import current_app
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.core.errors import DomainError
from apps.core.tasks import enqueue_on_commit

logger = logging.getLogger(__name__)


class JobState(models.TextChoices):
    QUEUED = "queued", _("Menunggu")
    RUNNING = "running", _("Berjalan")
    DONE = "done", _("Selesai")
    FAILED = "failed", _("Gagal")


class JobPhase(models.TextChoices):
    PREVIEW = "preview", _("Pratinjau")
    APPLY = "apply", _("Penerapan")


class BackgroundJob(models.Model):
    """The job fields of an import batch. The concrete model keeps its own `upload` field (its
    folder differs) and its `status` (the batch's business state)."""

    job_phase = models.CharField(max_length=8, choices=JobPhase.choices, default=JobPhase.PREVIEW)
    job_state = models.CharField(_("status proses"), max_length=8, choices=JobState.choices, default=JobState.DONE)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    job_error = models.TextField(blank=True)

    class Meta:
        abstract = True

    @property
    def in_progress(self) -> bool:
        return self.job_state in (JobState.QUEUED, JobState.RUNNING)

    @property
    def progress_percent(self) -> int:
        return 100 * self.progress_done // self.progress_total if self.progress_total else 0


Batch = TypeVar("Batch", bound=BackgroundJob)
Parsed = TypeVar("Parsed")


def eager() -> bool:
    """No broker (CELERY_TASK_ALWAYS_EAGER: `make run`, tests): jobs run inside the request."""
    return bool(current_app.conf.task_always_eager)


def stale_after() -> timedelta:
    return timedelta(seconds=int(getattr(settings, "JOBS_IMPORT_STALE_SECONDS", 300)))


def store_upload(batch: BackgroundJob, file_name: str, content: bytes, run: Callable[[int], object], task: Any) -> None:
    """Keep the upload (private storage) until the preview is computed, so that a rerun after a
    worker died can start again from the file; then run the preview (eager) or queue `task`.
    Call inside the transaction that created the batch."""
    batch.upload.save(file_name or "impor.csv", ContentFile(content), save=True)  # type: ignore[attr-defined]
    if eager():
        run(batch.pk)
        batch.refresh_from_db()
    else:
        enqueue_on_commit(task, batch.pk)


def claim(
    model: type[Batch], batch_id: int, *, phase: str, open_status: str, related: tuple[str, ...] = ()
) -> Batch | None:
    """Lock the batch and mark it running for this run, or None: gone, in another phase, already
    done, or no longer open (discarded, applied). Call holding the job's run lock
    (apps.core.jobs.runner): a batch still `running` is then a dead run, and this one takes over."""
    with transaction.atomic():
        batch = (
            model._default_manager.select_for_update(of=("self",))
            .select_related(*related)
            .filter(pk=batch_id, status=open_status)
            .first()
        )
        if batch is None or batch.job_phase != phase or batch.job_state == JobState.DONE:
            return None
        batch.job_state = JobState.RUNNING
        batch.heartbeat_at = timezone.now()
        batch.job_error = ""
        batch.save(update_fields=["job_state", "heartbeat_at", "job_error"])
        return batch


def read_upload(batch: BackgroundJob, parse: Callable[[bytes], Parsed]) -> Parsed | None:
    """The stored upload, parsed; or None, the batch failed with the reason the page shows (the
    file's own problem, or a file the storage cannot give back)."""
    try:
        with batch.upload.open("rb") as handle:  # type: ignore[attr-defined]
            content = handle.read()
        return parse(content)
    except DomainError as exc:
        set_state(batch, JobState.FAILED, str(exc.message))
    except OSError:
        logger.exception("%s %s: upload unreadable", type(batch).__name__, batch.pk)
        set_state(batch, JobState.FAILED, gettext("Berkas unggahan tidak dapat dibaca. Unggah ulang berkasnya."))
    return None


def set_state(batch: BackgroundJob, state: str, error: str = "") -> None:
    """Record the run's end (done, or failed with a message the page shows)."""
    type(batch)._default_manager.filter(pk=batch.pk).update(
        job_state=state, job_error=error[:2000], heartbeat_at=timezone.now()
    )


def fail_on_crash(batch: BackgroundJob, exc: BaseException) -> None:
    """A SoftTimeLimitExceeded or a bug: recorded on the batch (the caller re-raises)."""
    logger.warning("%s %s: job failed: %s", type(batch).__name__, batch.pk, exc.__class__.__name__)
    set_state(batch, JobState.FAILED, f"{exc.__class__.__name__}: {exc}")


def record_progress(batch: BackgroundJob, done: int, total: int) -> None:
    """Progress and heartbeat, committed at once (the run is outside any transaction here)."""
    type(batch)._default_manager.filter(pk=batch.pk).update(
        progress_done=done, progress_total=total, heartbeat_at=timezone.now()
    )


def finish_preview(batch: BackgroundJob, total: int) -> None:
    """The preview is staged on the batch: mark it done and drop the upload once committed (the
    rows are staged; the file is not kept)."""
    batch.progress_done = batch.progress_total = total
    batch.job_state = JobState.DONE
    batch.heartbeat_at = timezone.now()
    upload = batch.upload  # type: ignore[attr-defined]
    name, storage = upload.name, upload.storage
    upload.name = ""
    batch.save()
    if name:
        transaction.on_commit(lambda: storage.delete(name))


def requeue_stale(
    model: type[BackgroundJob], *, open_status: str, after: timedelta | None, queue: Callable[[int, str], None]
) -> list[int]:
    """Queue again this tenant's batches whose worker died (queued or running with no heartbeat
    for `after`). `queue(pk, phase)` sends the run of that phase; a rerun resumes."""
    cutoff = timezone.now() - (after or stale_after())
    stale = list(
        model._default_manager.filter(
            Q(status=open_status), job_state__in=[JobState.QUEUED, JobState.RUNNING], heartbeat_at__lt=cutoff
        )
        .order_by("pk")
        .values_list("pk", "job_phase")[:50]
    )
    # "Queued again at": a job still waiting in a long queue is not queued twice per sweep.
    model._default_manager.filter(pk__in=[pk for pk, _phase in stale]).update(
        job_state=JobState.QUEUED, heartbeat_at=timezone.now()
    )
    for pk, phase in stale:
        logger.warning("%s %s (%s): no heartbeat, queued again", model.__name__, pk, phase)
        queue(pk, phase)
    return [pk for pk, _phase in stale]
