"""Celery entry points of fulfillment (tenant-aware: each runs in the schema it was queued in)."""

from __future__ import annotations

from celery import shared_task

from apps.tenancy.fanout import enqueue_in_every_tenant

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
    then follow the external courier's bookings."""
    jobs = services.dispatch_due()
    services.sync_external()
    return jobs


@shared_task(name="fulfillment.dispatch_due_everywhere", ignore_result=True)
def dispatch_due_everywhere() -> int:
    """Beat entry point (public schema): queue `dispatch_due` in every active tenant."""
    return enqueue_in_every_tenant(dispatch_due)
