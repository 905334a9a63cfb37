"""Handlers of other apps' events (registered in InvoicingConfig.ready()); they only queue work.

- payments: a bill "invoice:<number>" was paid (wallet, QRIS settlement, cash) → `record_payment`.
- procurement: a delivery was accepted → issue its invoice (`issue_from_procurement`).
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


def delivery_accepted(event: DeliveryAccepted) -> None:
    from apps.core.tasks import publish

    from .tasks import issue_from_procurement

    publish(issue_from_procurement, event.order_id)
