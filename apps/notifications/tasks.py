from celery import shared_task

from apps.tenancy.fanout import enqueue_in_every_tenant

from . import services


@shared_task(name="notifications.deliver_message", ignore_result=True)
def deliver_message(message_id: int) -> None:
    message = services.deliver(message_id)
    if message is not None and message.status == message.Status.PENDING and message.next_attempt_at:
        deliver_message.apply_async((message_id,), eta=message.next_attempt_at)


@shared_task(name="notifications.deliver_due", ignore_result=True)
def deliver_due() -> int:
    """Sweep this tenant's outbox: anything pending and due (a lost task, a retry) goes out."""
    ids = services.due_message_ids()
    for message_id in ids:
        services.deliver(message_id)
    return len(ids)


@shared_task(name="notifications.deliver_due_everywhere", ignore_result=True)
def deliver_due_everywhere() -> int:
    return enqueue_in_every_tenant(deliver_due)
