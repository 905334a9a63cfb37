"""Beat entry points of job housekeeping (`sweeps` queue). The *_everywhere tasks run in the
public schema and fan out one per-tenant task into every active tenant."""

from __future__ import annotations

from datetime import datetime, timedelta

from celery import shared_task
from django.utils import timezone

from apps.core import idempotency
from apps.tenancy import due_work as due_index
from apps.tenancy.fanout import enqueue_in_every_tenant, enqueue_where_due
from apps.tukang import whatsapp
from apps.websessions import services as websessions

from . import due_work, repair, stale


@shared_task(name="jobs.requeue_stale_tenant", ignore_result=True)
def requeue_stale_tenant() -> dict[str, list[int]]:
    """This tenant's routing jobs and import jobs whose worker died: queued again; then the
    next look is written to the due-work index from the jobs still open."""
    due_index.begin(due_index.Kind.STALE_JOBS)
    found = {"routing": stale.requeue_stale_routing_jobs(), "imports": stale.requeue_stale_imports()}
    due_index.reschedule(due_index.Kind.STALE_JOBS, stale.next_check_at())
    return found


@shared_task(name="jobs.requeue_stale", ignore_result=True)
def requeue_stale() -> int:
    """Beat (every 2 minutes): activation and tenant archive/restore jobs here, then the
    per-tenant sweep only in tenants where a job may have gone stale (due-work index)."""
    stale.requeue_stale_activation_jobs()
    stale.requeue_stale_tenant_operations()
    return enqueue_where_due(requeue_stale_tenant, due_index.Kind.STALE_JOBS)


@shared_task(name="jobs.repair_tenant", ignore_result=True)
def repair_tenant() -> dict[str, object]:
    """This tenant's lost after-commit work (listings in a bounded batch, daily facts, due-work
    hints, WhatsApp messages whose turn never ran, invoices of delivered orders and accepted
    procurement deliveries). Idempotency keys past their retention are forgotten for every
    tenant at once by `repair_everywhere` (one public table, apps.idempotency)."""
    listings = repair.repair_listings()
    invoices = repair.repair_missing_invoices()
    days = repair.repair_facts()
    due = due_work.repair_due_work()
    whatsapp_requeued = whatsapp.repair_lost_messages()
    return {
        "whatsapp_requeued": whatsapp_requeued,
        "listings": listings.todo,
        "invoices": invoices,
        "fact_days": [day.isoformat() for day in days],
        "due_work": due,
    }


# `repair_everywhere` runs every REPAIR_TICK; each tick takes the next of REPAIR_PARTS slices of
# the tenants, so each tenant is repaired once per REPAIR_PERIOD (an hour) and a tick costs
# tenants / 12 tasks instead of all of them at once. See docs/operations.md, "Periodic work".
REPAIR_PERIOD = timedelta(hours=1)
REPAIR_TICK = timedelta(minutes=5)
REPAIR_PARTS = REPAIR_PERIOD // REPAIR_TICK


def repair_slice(now: datetime) -> int:
    """The slice of tenants a tick at `now` repairs: the tick's index within the period. Rounded
    to the nearest tick, so a beat a few seconds early or late still takes its own slice."""
    tick = round(now.timestamp() / REPAIR_TICK.total_seconds())
    return tick % REPAIR_PARTS


@shared_task(name="jobs.repair_everywhere", ignore_result=True)
def repair_everywhere(now: datetime | None = None) -> int:
    """Beat (every 5 minutes): queue `repair_tenant` in this tick's slice of the active tenants
    (each one once an hour), after forgetting the idempotency keys past their retention and the
    expired sessions of every tenant and the platform (one public table each, apps.idempotency
    and apps.websessions: one indexed DELETE each here, never per tenant)."""
    idempotency.prune_records()
    websessions.clear_expired()
    part = repair_slice(now or timezone.now())
    return enqueue_in_every_tenant(repair_tenant, part=(part, REPAIR_PARTS))
