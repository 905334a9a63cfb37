"""Invoices of source documents: an accepted procurement delivery, a delivered marketplace order
on invoice terms. Paid in full, an invoice settles its source (`_settle_source`); while one
stands, the source refuses a refund or a payment by hand beside it (`refuse_while_invoiced`)."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.errors import Conflict
from apps.marketplace import services as marketplace
from apps.marketplace.models import Order, OrderLine, Shop
from apps.payments.models import PaymentRequest
from apps.procurement import services as procurement
from apps.procurement.models import AcceptanceLine, PurchaseOrder

from .. import rules, workflow
from ..models import Invoice
from ._common import JAKARTA, today
from .issuing import issue_invoice

logger = logging.getLogger(__name__)


@transaction.atomic
def issue_from_procurement(order_id: int) -> Invoice | None:
    """The invoice of an accepted procurement delivery: the accepted lines at the awarded prices,
    to the buying office, net 30. Idempotent (one invoice per purchase order). None when the
    supplier has no shop to be paid into (told to open one)."""
    order = (
        PurchaseOrder.objects.select_related("request", "award__quote__supplier")
        .filter(pk=order_id, accepted_at__isnull=False)
        .first()
    )
    if order is None:
        return None
    key = f"procurement:{order.pk}"
    existing = Invoice.objects.filter(source_key=key).first()
    if existing is not None:
        return existing
    # Under the purchase order's lock: staff recording a payment by hand take it too, so either
    # that payment is seen here (no invoice) or this invoice is seen there (refused, 409).
    PurchaseOrder.objects.select_for_update().filter(pk=order.pk).first()
    order.refresh_from_db(fields=["payment_status"])
    if order.payment_status == PurchaseOrder.Payment.PAID:
        return None
    supplier = order.award.quote.supplier
    shop = Shop.objects.filter(owner=supplier, is_active=True, payment_account__isnull=False).order_by("pk").first()
    if shop is None:
        logger.info("procurement order %s accepted: supplier %s has no shop to invoice from", order.number, supplier.pk)
        return None
    prices = {line.item_id: line.unit_price for line in order.award.quote.lines.all()}
    lines = [
        {
            "description": line.item.description,
            "quantity": line.accepted_quantity,
            "unit": line.item.unit,
            "unit_price": prices[line.item_id],
        }
        for line in AcceptanceLine.objects.filter(order=order, accepted_quantity__gt=0)
        .select_related("item")
        .order_by("item__position")
    ]
    purchase = order.request
    accepted_on = timezone.localtime(order.accepted_at, JAKARTA).date() if order.accepted_at else today()
    return issue_invoice(
        shop,
        supplier,
        buyer_name=purchase.unit_name,
        buyer_address=purchase.delivery_address,
        buyer_is_office=True,
        lines=lines,
        terms_days=rules.DEFAULT_TERMS_DAYS,
        notes=_("Surat pesanan %(number)s: %(title)s") % {"number": order.number, "title": purchase.title},
        issue_date=accepted_on,
        source=Invoice.Source.PROCUREMENT,
        source_key=key,
    )


@transaction.atomic
def issue_from_order(order_id: int) -> Invoice | None:
    """The invoice of a delivered marketplace order on invoice terms (`marketplace.services.terms`):
    the order's lines and delivery fee at the prices charged, to the buyer's shop or the kelurahan
    office, due after the terms agreed at checkout. Idempotent (one invoice per order). None
    when the order is not (or no longer) a delivered on-terms order: refunded meanwhile."""
    key = f"order:{order_id}"
    existing = Invoice.objects.filter(source_key=key).first()
    if existing is not None:
        return existing
    # Under the order's lock: a refund takes it too and asks `refuse_while_invoiced`, so either
    # the refund is seen here (no invoice) or this invoice is seen there (refused).
    order = (
        Order.objects.select_for_update(of=("self",))
        .select_related("shop", "buyer")
        .filter(pk=order_id, payment_method=marketplace.INVOICE_METHOD)
        .first()
    )
    if order is None or order.status not in (Order.Status.DELIVERED, Order.Status.COMPLETED):
        return None
    lines: list[dict[str, Any]] = [
        {
            "description": f"{line.product_name} — {line.variant_name}" if line.variant_name else line.product_name,
            "quantity": line.quantity,
            "unit": "unit",
            "unit_price": line.unit_price,
        }
        for line in OrderLine.objects.filter(order=order).order_by("pk")
    ]
    if order.delivery_fee > 0:
        lines.append(
            {"description": _("Ongkos kirim"), "quantity": 1, "unit": "kali", "unit_price": order.delivery_fee}
        )
    buyer = marketplace.terms_buyer(order)
    return issue_invoice(
        order.shop,
        order.shop.owner,
        buyer_name=buyer.name,
        buyer_address=order.delivery_address,
        buyer_user=order.buyer,
        buyer_is_office=buyer.is_office,
        lines=lines,
        terms_days=order.terms_days or order.shop.invoice_terms_days,
        notes=_("Pesanan pasar %(number)s") % {"number": order.number},
        source=Invoice.Source.ORDER,
        source_key=key,
        add_tax=False,
    )


def refuse_while_invoiced(source_key: str) -> None:
    """The source document (an order, a purchase order) is billed by an invoice that stands
    (open or paid): refuse a refund or a payment by hand beside it (409)."""
    invoice = Invoice.objects.filter(source_key=source_key).exclude(status=workflow.CANCELLED).first()
    if invoice is None:
        return
    raise Conflict(
        _("Sudah ditagih dengan faktur %(number)s (%(status)s); selesaikan lewat faktur itu atau batalkan dulu.")
        % {"number": invoice.number, "status": invoice.get_status_display()},
        code="invoiced",
        invoice=invoice.number,
    )


def _settle_source(locked: Invoice, request: PaymentRequest) -> None:
    """The invoice is now paid in full: its source document is paid too (each service is
    idempotent; this runs in the recording transaction, under the invoice lock)."""
    kind, _sep, raw = locked.source_key.partition(":")
    if not raw.isdigit():
        return
    reference = f"{locked.number} / {request.bill_number}"
    paid_at = locked.paid_at or timezone.now()
    if locked.source == Invoice.Source.ORDER and kind == "order":
        marketplace.mark_paid_by_invoice(
            int(raw), paid_at=paid_at, note=_("Faktur %(number)s lunas.") % {"number": locked.number}
        )
    elif locked.source == Invoice.Source.PROCUREMENT and kind == "procurement":
        procurement.record_invoice_payment(
            int(raw), reference=reference, paid_at=paid_at, amount=locked.amount_paid, actor=request.paid_by
        )
