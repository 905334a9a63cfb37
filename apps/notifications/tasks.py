from celery import shared_task

from apps.tenancy import due_work
from apps.tenancy.fanout import enqueue_where_due

from . import services


@shared_task(name="notifications.deliver_message", ignore_result=True)
def deliver_message(message_id: int) -> None:
    message = services.deliver(message_id)
    if message is not None and message.status == message.Status.PENDING and message.next_attempt_at:
        deliver_message.apply_async((message_id,), eta=message.next_attempt_at)


@shared_task(name="notifications.deliver_due", ignore_result=True)
def deliver_due() -> int:
    """Sweep this tenant's outbox: anything pending and due (a lost task, a retry) goes out;
    then the due-work index learns when the next pending message needs a look."""
    due_work.begin(due_work.Kind.NOTIFICATIONS)
    ids = services.due_message_ids()
    for message_id in ids:
        services.deliver(message_id)
    due_work.reschedule(due_work.Kind.NOTIFICATIONS, services.next_sweep_at())
    return len(ids)


@shared_task(name="notifications.deliver_due_everywhere", ignore_result=True)
def deliver_due_everywhere() -> int:
    """Beat (every minute): sweep the outboxes of the tenants that have a message due."""
    return enqueue_where_due(deliver_due, due_work.Kind.NOTIFICATIONS)
