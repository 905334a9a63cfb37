"""Celery entry points of fulfillment (tenant-aware: each runs in the schema it was queued in)."""

from __future__ import annotations

from celery import shared_task

from apps.tenancy import due_work
from apps.tenancy.fanout import enqueue_where_due

from . import services


@shared_task(name="fulfillment.run_routing_job", ignore_result=False)
def run_routing_job(job_id: int) -> dict[str, object]:
    """Route one batch (idempotent: a finished job is not routed again)."""
    job = services.run_routing_job(job_id)
    from apps.core.db import connection

    return {
        "schema": connection.schema_name,
        "job": job.pk,
        "status": job.status,
        "assigned": job.assigned_count,
        "unassigned": job.unassigned_count,
    }


@shared_task(name="fulfillment.dispatch_due", ignore_result=True)
def dispatch_due() -> list[int]:
    """This tenant's cut-offs that passed: batch pending deliveries and queue their routing jobs;
    then follow the external courier's bookings; then tell the due-work index when the next
    cut-off, stale job or booking check falls due."""
    due_work.begin(due_work.Kind.FULFILLMENT)
    jobs = services.dispatch_due()
    services.sync_external()
    due_work.reschedule(due_work.Kind.FULFILLMENT, services.next_due())
    return jobs


@shared_task(name="fulfillment.dispatch_due_everywhere", ignore_result=True)
def dispatch_due_everywhere() -> int:
    """Beat (every minute, public schema): queue `dispatch_due` in the tenants with a cut-off,
    a stale routing job or an external booking to follow due."""
    return enqueue_where_due(dispatch_due, due_work.Kind.FULFILLMENT)
