"""Handlers of other apps' events (registered in InvoicingConfig.ready()); they only queue work.

- payments: a bill "invoice:<number>" was paid (wallet, QRIS settlement, cash) → `record_payment`.
- procurement: a delivery was accepted → issue its invoice (`issue_from_procurement`); a payment
  by hand is refused while the order is billed by an invoice (`procurement_payment_check`).
- marketplace: an order on invoice terms was delivered → issue its invoice (`issue_from_order`);
  its refund is refused while that invoice stands (`order_refund_check`).
"""

from __future__ import annotations

from apps.payments.events import PaymentSettled
from apps.procurement.events import DeliveryAccepted


def invoice_payment_settled(event: PaymentSettled) -> None:
    from apps.core.tasks import publish

    from .tasks import record_payment

    if event.request_id is None:  # invoices are paid through bills, never by a top-up charge
        return
    publish(record_payment, event.request_id)


def order_delivered_on_terms(order_id: int) -> None:
    from apps.core.tasks import publish

    from .tasks import issue_from_order

    publish(issue_from_order, order_id)


def order_refund_check(order_id: int) -> None:
    from .services import refuse_while_invoiced

    refuse_while_invoiced(f"order:{order_id}")


def procurement_payment_check(order_id: int) -> None:
    from .services import refuse_while_invoiced

    refuse_while_invoiced(f"procurement:{order_id}")


def delivery_accepted(event: DeliveryAccepted) -> None:
    from apps.core.tasks import publish

    from .tasks import issue_from_procurement

    publish(issue_from_procurement, event.order_id)
