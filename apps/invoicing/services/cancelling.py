"""The seller cancels an invoice; buyer or seller open or close a dispute."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from apps.core.errors import Conflict, NotFound
from apps.notifications.services import notify
from apps.payments import services as payments
from apps.payments.models import PaymentRequest

from .. import events, routes, workflow
from ..models import Invoice, InvoiceEvent
from ._common import _event, _locked, _move, _refuse, _require_seller, _text, buyer_recipients, invoice_url, may_see


@transaction.atomic
def cancel(invoice: Invoice | int, actor: Any, *, reason: Any) -> Invoice:
    locked = _locked(invoice)
    _require_seller(actor, locked)
    why = _text(reason, "reason", max_length=2000, required=_("Alasan pembatalan wajib diisi."))
    events.check_cancel(locked.pk)  # a financed invoice is not cancelled (apps.factoring)
    if locked.amount_paid > 0:
        raise Conflict(
            _("Faktur yang sudah dibayar sebagian tidak bisa dibatalkan; kembalikan dananya dulu."),
            code="has_payments",
        )
    before = _move(locked, workflow.CANCEL)
    locked.status_reason = why
    locked.next_reminder_on = None
    request = locked.open_request
    locked.save(update_fields=["status", "status_reason", "next_reminder_on"])
    routes.sync(locked)
    if request is not None and request.status == PaymentRequest.Status.OPEN:
        payments.cancel_payment_request(request, actor=locked.shop.owner)
    _event(locked, InvoiceEvent.Action.CANCEL, actor, before=before, reason=why)
    notify(
        buyer_recipients(locked),
        event="invoicing.cancelled",
        title=_("Faktur %(number)s dibatalkan") % {"number": locked.number},
        body=_("Alasan: %(reason)s") % {"reason": why},
        url=invoice_url(locked),
        key=f"invoice-{locked.pk}-cancelled",
    )
    return locked


@transaction.atomic
def set_dispute(invoice: Invoice | int, actor: Any, *, disputed: bool, reason: Any = "") -> Invoice:
    """Open or close a dispute (buyer or seller), under the invoice's row lock: financing takes
    the same lock, so an invoice is never financed while disputed."""
    locked = _locked(invoice)
    if not may_see(actor, locked):
        raise NotFound(_("Faktur tidak ditemukan."))
    why = _text(reason, "reason", max_length=2000, required=_("Alasan wajib diisi.") if disputed else "")
    if locked.disputed == disputed:
        return locked
    if locked.status not in workflow.OPEN:
        raise _refuse(locked.status, workflow.CANCEL)
    locked.disputed = disputed
    locked.save(update_fields=["disputed"])
    routes.sync(locked)
    _event(locked, InvoiceEvent.Action.DISPUTE, actor, before=locked.status, reason=why, data={"disputed": disputed})
    return locked
