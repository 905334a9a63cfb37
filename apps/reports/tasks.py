from celery import shared_task

from apps.tenancy.fanout import enqueue_in_every_tenant

from . import services


@shared_task(name="reports.check_sla", ignore_result=True)
def check_sla() -> dict[str, int]:
    """In this tenant: remind units of stalled reports, escalate to the lurah, close old fixes."""
    run = services.run_sla()
    return {"reminders": run.reminders, "escalations": run.escalations, "closed": run.closed}


@shared_task(name="reports.check_sla_everywhere", ignore_result=True)
def check_sla_everywhere() -> int:
    """Beat entry point: queue check_sla in every active tenant."""
    return enqueue_in_every_tenant(check_sla)
