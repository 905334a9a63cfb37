"""Orders paid by invoice (B2B "tempo" / faktur).

A business buyer (the signed-in owner of an active shop in this kelurahan) or the kelurahan
office's staff buying for the office may order on a shop's invoice terms when the shop accepts
them (`Shop.accepts_invoice`, `Shop.invoice_terms_days`). Residents cannot. Such an order carries
no bill: it goes ahead at once (status `on_terms`) and holds its stock like any order. When it
is delivered, apps.invoicing issues its invoice (events.on_terms_delivered, after commit); when
that invoice is paid in full, invoicing calls `mark_paid_by_invoice`, which stamps the order paid
(once) and from that day it counts as sold (facts). Cancelling before delivery needs no invoice;
a delivered on-terms order is refunded (goods back to stock) only after its invoice is cancelled
(events.on_terms_refund), and cancelling the invoice alone never touches the order or its stock.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from apps.accounts.roles import STAFF_ROLES
from apps.core.db import connection
from apps.core.errors import Forbidden, NotFound, ValidationFailed

from ..models import Order, OrderEvent, Shop

logger = logging.getLogger(__name__)
# Order.payment_method of an order paid by invoice (not a payments method: the invoice bills it).
INVOICE_METHOD = "faktur"


@dataclass(frozen=True)
class TermsBuyer:
    name: str  # what the invoice is addressed to: the buyer's shop, or the kelurahan office
    is_office: bool


def _signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and getattr(user, "pk", None) is not None


def buyer_shop(user: Any) -> Shop | None:
    """The business a buyer orders for: their first active shop in this kelurahan."""
    if not _signed_in(user):
        return None
    return Shop.objects.filter(owner=user, is_active=True).order_by("pk").first()


def is_office_buyer(user: Any) -> bool:
    return _signed_in(user) and bool(user.has_any_role(*STAFF_ROLES))


def may_buy_on_terms(user: Any) -> bool:
    """Business buyers and office staff may; residents may not."""
    return buyer_shop(user) is not None or is_office_buyer(user)


def terms_buyer(order: Order) -> TermsBuyer:
    """Who an on-terms order is invoiced to. A buyer with a shop buys for that shop (even if also
    office staff: a private purchase must never be billed to public money)."""
    shop = buyer_shop(order.buyer)
    if shop is not None:
        return TermsBuyer(name=shop.name, is_office=False)
    if not is_office_buyer(order.buyer):  # closed their shop since ordering: invoiced to them by name
        return TermsBuyer(name=str(order.buyer)[:150], is_office=False)
    tenant_name = str(getattr(getattr(connection, "tenant", None), "name", "") or "")
    name = _("Kantor Kelurahan %(name)s") % {"name": tenant_name} if tenant_name else _("Kantor Kelurahan")
    return TermsBuyer(name=name[:150], is_office=True)


def require_terms(buyer: Any, shops: Iterable[Shop], *, voucher: str = "") -> None:
    """Refuse an invoice-terms checkout that is not allowed (nothing has been written yet)."""
    if not may_buy_on_terms(buyer):
        raise Forbidden(
            _("Bayar dengan faktur (tempo) hanya untuk pembeli usaha (pemilik toko) atau kantor kelurahan."),
            code="terms_not_allowed",
            field="payment_method",
        )
    if voucher:
        raise ValidationFailed(
            _("Pesanan dengan faktur tidak bisa dibayar dengan voucher."), code="terms_with_voucher", field="voucher"
        )
    for shop in shops:
        if not shop.accepts_invoice:
            raise ValidationFailed(
                _("%(shop)s tidak menerima pembayaran dengan faktur.") % {"shop": shop.name},
                code="terms_not_offered",
                field="payment_method",
                shop=shop.pk,
            )


@transaction.atomic
def mark_paid_by_invoice(order_id: int, *, paid_at: datetime, note: str = "") -> bool:
    """The order's invoice was paid in full (apps.invoicing, inside its recording transaction):
    stamp the order paid, once. False when it was already stamped (or is not an on-terms order)."""
    order = Order.objects.select_for_update(of=("self",)).filter(pk=order_id).first()
    if order is None:
        raise NotFound(_("Pesanan tidak ditemukan."), code="unknown_order")
    if order.payment_method != INVOICE_METHOD:
        logger.error("order %s: an invoice payment for an order not on invoice terms", order_id)
        return False
    if order.paid_at is not None:
        return False
    order.paid_at = paid_at
    order.save(update_fields=["paid_at", "updated_at"])
    OrderEvent.record(
        order=order,
        action="invoice_paid",
        from_status=order.status,
        to_status=order.status,
        note=str(note)[:255],  # built by invoicing ("Faktur ... lunas."), never typed
    )
    return True
