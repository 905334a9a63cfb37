"""Invoices to an OPD of the kota (the buyer is in the kota's schema, reached through the
invoice's route, apps.invoicing.routes): viewed and paid from the route's link, notified there."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.errors import NotFound
from apps.payments.models import PaymentRequest

from .. import routes, workflow
from ..models import Invoice, InvoiceEvent
from ._common import _event, _locked, _move
from .paying import _bill


@transaction.atomic
def mark_viewed_by_opd(invoice: Invoice) -> Invoice:
    """The OPD opened its link (the route's token): sent → viewed, once."""
    if invoice.status != workflow.SENT or not invoice.buyer_opd:
        return invoice
    locked = _locked(invoice)
    if locked.status != workflow.SENT:
        return locked
    before = _move(locked, workflow.VIEW)
    locked.viewed_at = timezone.now()
    locked.save(update_fields=["status", "viewed_at"])
    routes.sync(locked)
    _event(locked, InvoiceEvent.Action.VIEW, None, before=before, data={"opd": locked.buyer_opd})
    return locked


@transaction.atomic
def request_payment_by_opd(invoice: Invoice, *, amount: Any = None) -> PaymentRequest:
    """The bill (QRIS) an OPD pays from the link of its route: the caller has found `invoice`
    by the route's token (routes.invoice_for_token); the payer has no account here."""
    locked = _locked(invoice)
    if not locked.buyer_opd:
        raise NotFound(_("Faktur tidak ditemukan."))
    return _bill(locked, None, amount)


def notify_opd_buyer(invoice: Invoice, *, event: str, title: str, body: str, key: str) -> bool:
    """Tell the buyer of an invoice to an OPD (the OPD's staff and the kota's finance office)
    what happened to it, e.g. that it was assigned to a lender (apps.factoring). They are in the
    kota's schema, so the notification is queued there after commit by the invoice's route
    (`routes.tell_kota`, which issuing uses too); this is the entry other apps use, since routes
    is invoicing's own module. False when the invoice is not addressed to an OPD."""
    return routes.tell_kota(invoice, event=event, title=title, body=body, key=key)
