"""Stale-job detection by heartbeat.

A job that runs writes `heartbeat_at` while it works (ActivationJob after every region,
RoutingJob at each step, the bansos ImportBatch after every chunk, TenantOperationJob from a
thread every 10 s). A worker killed with SIGKILL, OOM or a lost host cannot mark its job failed,
so the job would stay `running` for ever. This sweep (beat, `sweeps` queue) finds running jobs
whose heartbeat is older than a threshold longer than the task's hard time limit, marks them
failed-retryable and queues them again. Reruns are safe: an activation job skips regions
already activated (`--resume JOB`), a routing job that already succeeded is a no-op and an
unfinished one left nothing behind, an import preview is computed again from the stored file,
a bansos import confirm continues after its last committed chunk (apps.core.jobs.batch,
apps.aid.jobs), and a tenant archive or restore resumes without dumping, dropping or
restoring twice.

The per-tenant part runs only where a job may have gone stale: a routing or import job that is
queued or starts running hints the public due-work index (`DueWork.Kind.STALE_JOBS`, at its
start + threshold), and each sweep writes the next look from the oldest heartbeat still open
(`next_check_at`). A heartbeat writes no hint, so a long job costs one sweep per threshold.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Min, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.core.jobs.heartbeat import STALE_DEFAULTS as STALE_DEFAULTS
from apps.core.jobs.heartbeat import threshold
from apps.core.tasks import enqueue_on_commit

logger = logging.getLogger(__name__)


def _running_without_heartbeat(model: Any, kind: str, statuses: tuple[str, ...] = ()) -> list[Any]:
    """Running jobs of `model` (a `status`, `heartbeat_at`, `started_at` row) whose heartbeat is
    older than the kind's threshold, locked (skipping rows another sweep holds). `statuses`
    widens "running" (e.g. to queued jobs whose heartbeat is their "queued since")."""
    cutoff = timezone.now() - threshold(kind)
    return list(
        model.objects.select_for_update(skip_locked=True)
        .filter(status__in=statuses or (model.Status.RUNNING,))
        .filter(Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff))
        .order_by("pk")
    )


@transaction.atomic
def requeue_stale_activation_jobs() -> list[int]:
    """Public schema: running activation jobs whose worker is gone → interrupted, queued again."""
    from apps.tenancy.models import ActivationJob
    from apps.tenancy.tasks import run_activation_job

    stale = _running_without_heartbeat(ActivationJob, "ACTIVATION")
    for job in stale:
        logger.warning("activation job %s: no heartbeat since %s, queued again", job.pk, job.heartbeat_at)
        job.status = ActivationJob.Status.INTERRUPTED
        job.save(update_fields=["status"])
        enqueue_on_commit(run_activation_job, job.pk)
    return [job.pk for job in stale]


@transaction.atomic
def requeue_stale_tenant_operations() -> list[int]:
    """Public schema: tenant archive/restore jobs whose worker is gone (running, no heartbeat), or
    whose message was lost (queued, never claimed) → queued again. A rerun resumes (apps.tenancy.
    operations): it never dumps or drops a tenant twice, nor leaves a half-restored one."""
    from apps.tenancy.models import TenantOperationJob
    from apps.tenancy.tasks import run_tenant_operation

    Status = TenantOperationJob.Status
    stale = _running_without_heartbeat(TenantOperationJob, "TENANT_OPERATION", (Status.PENDING, Status.RUNNING))
    for job in stale:
        logger.warning("tenant job %s (%s): no heartbeat since %s, queued again", job.pk, job.status, job.heartbeat_at)
        job.status = Status.PENDING
        job.heartbeat_at = timezone.now()  # queued since: not queued again by the next sweep
        job.save(update_fields=["status", "heartbeat_at"])
        enqueue_on_commit(run_tenant_operation, job.pk)
    return [job.pk for job in stale]


@transaction.atomic
def requeue_stale_routing_jobs() -> list[int]:
    """Current tenant: running routing jobs whose worker is gone → failed (retryable), queued again."""
    from apps.fulfillment.models import RoutingJob
    from apps.fulfillment.tasks import run_routing_job

    stale = _running_without_heartbeat(RoutingJob, "ROUTING")
    for job in stale:
        logger.warning("routing job %s: no heartbeat since %s, queued again", job.pk, job.heartbeat_at)
        job.status = RoutingJob.Status.FAILED
        job.error = f"stale: no heartbeat since {job.heartbeat_at or job.started_at:%Y-%m-%d %H:%M:%S%z}"
        job.save(update_fields=["status", "error"])
        enqueue_on_commit(run_routing_job, job.pk)
    return [job.pk for job in stale]


def requeue_stale_imports() -> list[int]:
    """Current tenant: bansos and product import jobs whose worker is gone (see apps.aid.jobs,
    apps.marketplace.import_jobs); returns the batch ids, bansos first."""
    from apps.aid.jobs import requeue_stale as requeue_aid
    from apps.marketplace.import_jobs import requeue_stale as requeue_products

    after = threshold("IMPORT")
    return [*requeue_aid(after), *requeue_products(after)]


# The sweep's cutoff is strict (`heartbeat < now - threshold`): look just after it passes.
_MARGIN = timedelta(seconds=1)


def next_check_at() -> datetime | None:
    """Current tenant: when a routing or import job still open could first count as stale (its
    oldest heartbeat + the threshold), or None when no such job is queued or running."""
    from apps.aid.models import ImportBatch as AidImport
    from apps.core.jobs.batch import JobState
    from apps.fulfillment.models import RoutingJob
    from apps.marketplace.models import ImportBatch as ProductImport

    moments: list[datetime] = []
    routing = RoutingJob.objects.filter(status=RoutingJob.Status.RUNNING).aggregate(
        oldest=Min(Coalesce("heartbeat_at", "started_at"))
    )["oldest"]
    if routing is not None:
        moments.append(routing + threshold("ROUTING") + _MARGIN)
    for model in (AidImport, ProductImport):
        oldest = model.objects.filter(
            status=model.Status.PREVIEW, job_state__in=[JobState.QUEUED, JobState.RUNNING]
        ).aggregate(oldest=Min("heartbeat_at"))["oldest"]
        if oldest is not None:
            moments.append(oldest + threshold("IMPORT") + _MARGIN)
    return min(moments) if moments else None
