"""The buyer's side: view, bill (one open bill at a time), record a paid bill."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.errors import Conflict, NotFound, ValidationFailed
from apps.core.money import rupiah
from apps.notifications.services import notify
from apps.payments import services as payments
from apps.payments.models import PaymentRequest

from .. import events, routes, workflow
from ..models import Invoice, InvoiceEvent
from ._common import (
    REFERENCE_KIND,
    _event,
    _locked,
    _move,
    _refuse,
    _signed_in,
    _whole,
    buyer_recipients,
    invoice_url,
    is_buyer,
    is_seller,
    may_see,
    reference_of,
)
from .sources import _settle_source

logger = logging.getLogger(__name__)


@transaction.atomic
def mark_viewed(invoice: Invoice | int, actor: Any) -> Invoice:
    """The buyer opened the invoice: sent → viewed (once; the seller opening it changes nothing)."""
    current = invoice if isinstance(invoice, Invoice) else Invoice.objects.select_related("shop").get(pk=invoice)
    if current.status != workflow.SENT or not is_buyer(actor, current) or is_seller(actor, current):
        return current
    locked = _locked(current)
    if locked.status != workflow.SENT:
        return locked
    before = _move(locked, workflow.VIEW)
    locked.viewed_at = timezone.now()
    locked.save(update_fields=["status", "viewed_at"])
    routes.sync(locked)
    _event(locked, InvoiceEvent.Action.VIEW, actor, before=before)
    return locked


@transaction.atomic
def request_payment(invoice: Invoice | int, actor: Any, *, amount: Any = None) -> PaymentRequest:
    """The bill (QRIS, wallet) for `amount` of what is still open (default: all of it).

    One bill is open at a time: asking again for the same amount returns it, another amount
    cancels it and opens a new one, so two payers can never both pay the last remainder."""
    locked = _locked(invoice)
    if not may_see(actor, locked):
        raise NotFound(_("Faktur tidak ditemukan."))
    return _bill(locked, actor, amount)


def _bill(locked: Invoice, actor: Any, amount: Any) -> PaymentRequest:
    if locked.status not in workflow.OPEN:
        raise _refuse(locked.status, workflow.PAY_FULL)
    if locked.disputed:
        raise Conflict(_("Faktur sedang disengketakan; selesaikan dulu sebelum membayar."), code="disputed")
    wanted = locked.remaining if amount in (None, "") else _whole(amount, "amount", minimum=1)
    if wanted > locked.remaining:
        raise ValidationFailed(
            _("Paling banyak %(remaining)s (sisa tagihan).") % {"remaining": rupiah(locked.remaining)},
            code="over_remaining",
            field="amount",
        )
    current = locked.open_request
    if current is not None and current.status == PaymentRequest.Status.OPEN:
        if current.amount == wanted:
            return current
        payments.cancel_payment_request(current, actor=locked.shop.owner)
    elif current is not None and current.status == PaymentRequest.Status.PAID:
        # Paid but its event not yet recorded: record it first, then bill the new remainder.
        _apply_payment(locked, current)
        if locked.remaining == 0:
            raise Conflict(_("Faktur ini sudah lunas."), code="already_paid")
        wanted = min(wanted, locked.remaining)
    account = locked.shop.payment_account
    if account is None:
        raise Conflict(_("Toko belum punya rekening KotaKitaPay."), code="no_account")
    request = payments.create_payment_request(
        account,
        wanted,
        description=str(_("Faktur %(number)s") % {"number": locked.number}),
        reference=reference_of(locked),
        actor=actor if _signed_in(actor) else None,
    )
    locked.open_request = request
    locked.save(update_fields=["open_request"])
    _event(locked, InvoiceEvent.Action.REQUEST, actor, before=locked.status, amount=wanted, request=request)
    return request


def _apply_payment(locked: Invoice, request: PaymentRequest) -> bool:
    """Record the paid bill `request` on the locked invoice; False if it was recorded before."""
    if InvoiceEvent.objects.filter(payment_request=request, action__in=["payment", "late_payment"]).exists():
        return False
    if locked.open_request_id == request.pk:
        locked.open_request = None
    paid_at = request.paid_at or timezone.now()
    if locked.status == workflow.CANCELLED or locked.status == workflow.PAID:
        # A code paid after its invoice was cancelled or settled (a lost race with the gateway):
        # the money is in the shop's account; the seller refunds it from the bill.
        locked.save(update_fields=["open_request"])
        _event(
            locked, InvoiceEvent.Action.LATE_PAYMENT, None, before=locked.status, amount=request.amount, request=request
        )
        notify(
            [locked.shop.owner],
            event="invoicing.late_payment",
            title=_("Pembayaran masuk untuk faktur %(number)s") % {"number": locked.number},
            body=_("%(amount)s masuk setelah faktur %(status)s. Kembalikan dananya dari tagihan %(bill)s.")
            % {"amount": rupiah(request.amount), "status": locked.get_status_display(), "bill": request.bill_number},
            url=invoice_url(locked),
            key=f"invoice-{locked.pk}-late-{request.pk}",
        )
        return True
    locked.amount_paid += request.amount
    if locked.amount_paid >= locked.total:
        step = workflow.PAY_FULL
    elif locked.status == workflow.OVERDUE:
        step = workflow.PAY_PART_LATE
    else:
        step = workflow.PAY_PART
    before = _move(locked, step)
    if step is workflow.PAY_FULL:
        locked.paid_at = paid_at
        locked.next_reminder_on = None
    locked.save(update_fields=["amount_paid", "status", "paid_at", "next_reminder_on", "open_request"])
    routes.sync(locked)
    if step is workflow.PAY_FULL:
        _settle_source(locked, request)
    _event(
        locked,
        InvoiceEvent.Action.PAYMENT,
        request.paid_by,
        before=before,
        amount=request.amount,
        request=request,
        data={
            "method": request.paid_method,
            "bill": request.bill_number,
            "overpaid": max(locked.amount_paid - locked.total, 0),
        },
    )
    words = {"amount": rupiah(request.amount), "number": locked.number, "remaining": rupiah(locked.remaining)}
    notify(
        [locked.shop.owner, *buyer_recipients(locked)],
        event="invoicing.paid" if step is workflow.PAY_FULL else "invoicing.partly_paid",
        title=(_("Faktur %(number)s lunas") if step is workflow.PAY_FULL else _("Faktur %(number)s dibayar sebagian"))
        % words,
        body=(
            _("%(amount)s diterima. Faktur %(number)s lunas.")
            if step is workflow.PAY_FULL
            else _("%(amount)s diterima. Sisa tagihan %(remaining)s.")
        )
        % words,
        url=invoice_url(locked),
        key=f"invoice-{locked.pk}-paid-{request.pk}",
    )
    # Listeners (factoring: the lender is repaid first) act in this transaction, under this lock.
    events.dispatch_payment_recorded(
        events.PaymentRecorded(invoice_id=locked.pk, request_id=request.pk, amount=request.amount, paid_at=paid_at)
    )
    return True


@transaction.atomic
def record_payment(request_id: int) -> Invoice | None:
    """A bill "invoice:<number>" was paid (payments event, via a task): add it to the invoice.
    Idempotent per bill; the invoice row lock orders it against every other write."""
    request = PaymentRequest.objects.filter(pk=request_id).first()
    if request is None or request.status != PaymentRequest.Status.PAID:
        return None
    kind, _sep, number = request.reference.partition(":")
    if kind != REFERENCE_KIND:
        return None
    pk = Invoice.objects.filter(number=number).values_list("pk", flat=True).first()
    if pk is None:
        logger.error("paid bill %s names invoice %s, which does not exist here", request.bill_number, number)
        return None
    locked = _locked(pk)
    _apply_payment(locked, request)
    return locked
