"""Celery entry points of apps.invoicing (tenant-aware; each runs in the schema it was queued in).

Beat: `invoicing.remind_everywhere` every minute, only in tenants whose due-work row
"invoices" says a reminder is due (apps.tenancy.due_work).
"""

from __future__ import annotations

from celery import shared_task

from apps.tenancy import due_work
from apps.tenancy.fanout import enqueue_where_due

from . import inbox, services


@shared_task(name="invoicing.record_payment", ignore_result=True)
def record_payment(request_id: int) -> None:
    services.record_payment(request_id)


@shared_task(name="invoicing.issue_from_procurement", ignore_result=True)
def issue_from_procurement(order_id: int) -> None:
    services.issue_from_procurement(order_id)


@shared_task(name="invoicing.issue_from_order", ignore_result=True)
def issue_from_order(order_id: int) -> None:
    services.issue_from_order(order_id)


@shared_task(name="invoicing.notify_opd", ignore_result=True)
def notify_opd(route_id: int, event: str, title: str, body: str, key: str) -> int:
    """In the kota's schema: the OPD and finance office hear of an invoice (apps.invoicing.routes)."""
    return inbox.notify_opd(route_id, event=event, title=title, body=body, key=key)


@shared_task(name="invoicing.remind", ignore_result=True)
def remind() -> int:
    due_work.begin(due_work.Kind.INVOICES)
    sent = services.remind_due()
    due_work.reschedule(due_work.Kind.INVOICES, services.next_due())
    return sent


@shared_task(name="invoicing.remind_everywhere", ignore_result=True)
def remind_everywhere() -> int:
    return enqueue_where_due(remind, due_work.Kind.INVOICES)
