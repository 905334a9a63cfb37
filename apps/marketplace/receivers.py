"""Signal receivers: only queue work after commit; the work itself is in services.

apps.payments offers no "request paid" hook, so the marketplace listens to its
PaymentRequest saves: when a bill that belongs to an order (reference "order:<uuid>") turns
paid, `services.sync_payment` runs after commit (via a task) and moves the order to paid.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from apps.payments.models import PaymentRequest


def payment_request_saved(sender: Any, instance: PaymentRequest, created: bool, **kwargs: Any) -> None:
    if created or instance.status != PaymentRequest.Status.PAID or not instance.reference.startswith("order:"):
        return
    from apps.core.tasks import publish

    from .models import Order
    from .tasks import sync_order_payment

    request_id = instance.pk

    def queue() -> None:
        order_id = Order.objects.filter(payment_request_id=request_id).values_list("pk", flat=True).first()
        if order_id is not None:
            publish(sync_order_payment, order_id)

    transaction.on_commit(queue)
