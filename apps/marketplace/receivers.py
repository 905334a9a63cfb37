"""Handlers of other apps' events: they only queue work; the work itself is in services.

Registered in MarketplaceConfig.ready(): a payment request opened for an order carries the
reference "order:<order uuid>" (`services`), so apps.payments calls `order_payment_settled`
after the transaction that marked the bill paid commits (wallet, QRIS settlement or cash),
and `services.sync_payment` moves the order to paid (via a task).
"""

from __future__ import annotations

from apps.payments.events import PaymentSettled

ORDER_REFERENCE_KIND = "order"


def order_payment_settled(event: PaymentSettled) -> None:
    from apps.core.tasks import publish

    from .models import Order
    from .tasks import sync_order_payment

    if event.request_id is None:  # orders are paid through bills, never by a top-up charge
        return
    order_id = Order.objects.filter(payment_request_id=event.request_id).values_list("pk", flat=True).first()
    if order_id is not None:
        publish(sync_order_payment, order_id)
