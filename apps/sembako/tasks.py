"""Celery entry points of apps.sembako (tenant-aware; each runs in the schema it was queued in).

Beat: `sembako.close_due_everywhere` every minute, only in tenants whose due-work row "sembako"
says a round's closing time came (apps.tenancy.due_work), never a fan-out to every tenant.
"""

from __future__ import annotations

from celery import shared_task

from apps.tenancy import due_work
from apps.tenancy.fanout import enqueue_where_due

from . import services


@shared_task(name="sembako.close_due", ignore_result=True)
def close_due() -> list[int]:
    due_work.begin(due_work.Kind.SEMBAKO)
    closed = services.close_due()
    due_work.reschedule(due_work.Kind.SEMBAKO, services.next_due())
    return closed


@shared_task(name="sembako.close_due_everywhere", ignore_result=True)
def close_due_everywhere() -> int:
    return enqueue_where_due(close_due, due_work.Kind.SEMBAKO)
