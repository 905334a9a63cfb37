"""What other apps may react to in B2G procurement (handlers registered in their AppConfig.ready()).

An accepted delivery is what a supplier can invoice (apps.invoicing), but invoicing builds on
procurement, not the reverse: so procurement announces the acceptance here and whoever listens
registers `on_accepted(handler)`. The handler runs after the accepting transaction commits (it
never sees an acceptance that is rolled back) and gets plain values, so it needs no procurement
model to decide; it may read `PurchaseOrder` (a public model) for the details.

`on_payment_check(label, check)`: asked (with the purchase order id, under its row lock) before
staff record a payment by hand; a check raises a DomainError to refuse. Invoicing refuses while
the order is billed by an invoice: that invoice's payment is recorded by itself
(`services.record_invoice_payment`), so an order is never paid twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeliveryAccepted:
    request_id: int
    order_id: int
    order_number: str
    supplier_id: int  # the awarded UMKM (accounts.User)
    accepted_by_id: int
    unit_name: str  # who bought: the kelurahan office or OPD unit
    accepted_amount: int
    accepted_at: datetime


AcceptedHandler = Callable[[DeliveryAccepted], None]
PaymentCheck = Callable[[int], None]
_accepted: dict[str, AcceptedHandler] = {}
_payment_check: dict[str, PaymentCheck] = {}


def on_accepted(label: str, handler: AcceptedHandler) -> None:
    """Register `handler` under `label` (an app label: one handler per app, re-registering is a no-op)."""
    _accepted[label] = handler


def on_payment_check(label: str, check: PaymentCheck) -> None:
    _payment_check[label] = check


def unregister(label: str) -> None:
    """Tests only."""
    _accepted.pop(label, None)
    _payment_check.pop(label, None)


def check_payment(order_id: int) -> None:
    """Called by `services.record_payment` under the purchase order's lock; a check raises to refuse."""
    for check in list(_payment_check.values()):
        check(order_id)


def dispatch_accepted(event: DeliveryAccepted) -> None:
    """Called by `services.accept_delivery` inside its transaction: handlers run on commit, each
    on its own, so one listener's failure neither undoes the acceptance nor stops the others."""
    for label, handler in list(_accepted.items()):

        def run(handler: AcceptedHandler = handler, label: str = label) -> None:
            try:
                handler(event)
            except Exception:  # the acceptance stands; the listener has its own repair path
                logger.exception("procurement acceptance %s: listener %s failed", event.order_number, label)

        transaction.on_commit(run)
