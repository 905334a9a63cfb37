"""Celery entry points of apps.factoring (tenant-aware; each runs in the schema it was queued in).

Beat: `factoring.check_defaults_everywhere` every few minutes, only in tenants whose due-work row
"factoring" says a financing passed its due date + grace (apps.tenancy.due_work).
"""

from __future__ import annotations

from celery import shared_task

from apps.tenancy import due_work
from apps.tenancy.fanout import enqueue_where_due

from . import services


@shared_task(name="factoring.check_defaults", ignore_result=True)
def check_defaults() -> int:
    due_work.begin(due_work.Kind.FACTORING)
    found = services.check_defaults()
    due_work.reschedule(due_work.Kind.FACTORING, services.next_due())
    return found


@shared_task(name="factoring.check_defaults_everywhere", ignore_result=True)
def check_defaults_everywhere() -> int:
    return enqueue_where_due(check_defaults, due_work.Kind.FACTORING)
