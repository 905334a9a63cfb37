from celery import shared_task

from apps.tenancy.fanout import enqueue_in_every_tenant

from . import services


@shared_task(name="permits.remind_overdue", ignore_result=True)
def remind_overdue() -> int:
    """This tenant: remind whoever must act on overdue permits (once per permit, step and day)."""
    return services.remind_overdue()


@shared_task(name="permits.remind_overdue_everywhere", ignore_result=True)
def remind_overdue_everywhere() -> int:
    return enqueue_in_every_tenant(remind_overdue)
