from celery import shared_task

from apps.tenancy import due_work
from apps.tenancy.fanout import enqueue_where_due

from . import services


@shared_task(name="reports.check_sla", ignore_result=True)
def check_sla() -> dict[str, int]:
    """In this tenant: remind units of stalled reports, escalate to the lurah, close old fixes;
    then tell the due-work index when the next report falls due."""
    due_work.begin(due_work.Kind.REPORTS_SLA)
    run = services.run_sla()
    due_work.reschedule(due_work.Kind.REPORTS_SLA, services.next_due())
    return {"reminders": run.reminders, "escalations": run.escalations, "closed": run.closed}


@shared_task(name="reports.check_sla_everywhere", ignore_result=True)
def check_sla_everywhere() -> int:
    """Beat (every minute): queue check_sla in the tenants with a report due."""
    return enqueue_where_due(check_sla, due_work.Kind.REPORTS_SLA)
