"""Beat entry points of job housekeeping (`sweeps` queue). The *_everywhere tasks run in the
public schema and fan out one per-tenant task into every active tenant."""

from __future__ import annotations

from celery import shared_task

from apps.core import idempotency
from apps.tenancy.fanout import enqueue_in_every_tenant

from . import due_work, repair, stale


@shared_task(name="jobs.requeue_stale_tenant", ignore_result=True)
def requeue_stale_tenant() -> dict[str, list[int]]:
    """This tenant's routing jobs and import jobs whose worker died: queued again."""
    return {"routing": stale.requeue_stale_routing_jobs(), "imports": stale.requeue_stale_imports()}


@shared_task(name="jobs.requeue_stale", ignore_result=True)
def requeue_stale() -> int:
    """Beat (every 2 minutes): activation and tenant archive/restore jobs here, then the
    per-tenant jobs everywhere."""
    stale.requeue_stale_activation_jobs()
    stale.requeue_stale_tenant_operations()
    return enqueue_in_every_tenant(requeue_stale_tenant)


@shared_task(name="jobs.repair_tenant", ignore_result=True)
def repair_tenant() -> dict[str, object]:
    """This tenant's lost after-commit work (listings in a bounded batch, daily facts, due-work
    hints), and idempotency keys past their retention."""
    listings = repair.repair_listings()
    days = repair.repair_facts()
    due = due_work.repair_due_work()
    pruned = idempotency.prune_records()
    return {
        "listings": listings.todo,
        "fact_days": [day.isoformat() for day in days],
        "due_work": due,
        "idempotency_pruned": pruned,
    }


@shared_task(name="jobs.repair_everywhere", ignore_result=True)
def repair_everywhere() -> int:
    """Beat (every 15 minutes): queue `repair_tenant` in every active tenant, after forgetting
    the platform's own idempotency keys (operator API, public schema) past their retention."""
    idempotency.prune_records()
    return enqueue_in_every_tenant(repair_tenant)
