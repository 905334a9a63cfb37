"""Orders after placement: paying, payment sync, and the lifecycle (every change is one `transition`,
written as an OrderEvent with actor and time and announced in the same transaction)."""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from apps.core.money import rupiah
from apps.core.short_text import clean_short_text
from apps.core.workflow import Step
from apps.feedback import services as feedback
from apps.notifications.services import notify
from apps.payments import methods as payment_methods
from apps.payments import services as payments
from apps.payments.models import PaymentRequest
from apps.tenancy import due_work

from .. import conf, events, lifecycle
from ..models import (
    Allocation,
    Order,
    OrderEvent,
    OrderLine,
    Reservation,
    Stock,
)
from .access import order_roles
from .copurchase import record_status_change
from .handover import HANDOVER_PAYMENT
from .inputs import _key
from .listing import queue_listing_sync
from .terms import INVOICE_METHOD

logger = logging.getLogger(__name__)
Status = lifecycle.Status
# Order.payment_method of an order a voucher paid in full (not a payments method: no bill).
VOUCHER_METHOD = "voucher"


def _lock_order(order: Order | int) -> Order:
    pk = order if isinstance(order, int) else order.pk
    found = (
        Order.objects.select_for_update(of=("self",))
        .select_related("shop", "shop__owner", "buyer", "payment_request")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFound(_("Pesanan tidak ditemukan."), code="unknown_order")
    return found


def _not_awaiting_payment(status: str, step: Step[frozenset[str]]) -> Conflict:
    return Conflict(
        _("Pesanan ini sudah berstatus “%(status)s”.") % {"status": Status(status).label}, code="not_awaiting_payment"
    )


def _invalid_transition(status: str, step: Step[frozenset[str]]) -> Conflict:
    return Conflict(
        _("Pesanan berstatus “%(status)s” tidak bisa: %(action)s.")
        % {"status": Status(status).label, "action": lifecycle.ACTION_LABELS.get(step.action, step.action)},
        code="invalid_transition",
        status=status,
    )


@transaction.atomic
def pay_order(order: Order, method_code: str, *, payer: User, idempotency_key: str) -> payment_methods.PaymentOutcome:
    """Pay an order through the payments app's interface (wallet, QRIS or cash on delivery).

    Wallet: paid at once. QRIS: returns the dynamic QRIS; the order turns paid when the
    gateway's settlement arrives (see `sync_payment`). COD: the order goes ahead, the shop
    confirms the cash at delivery. The same key repeats nothing.
    """
    method = payment_methods.get(method_code)
    key = _key(idempotency_key)
    order = _lock_order(order)
    if payer.pk != order.buyer_id:
        raise NotFound(_("Pesanan tidak ditemukan."), code="unknown_order")
    request = order.payment_request
    if request is None:  # pragma: no cover - every placed order has one
        raise Conflict(_("Pesanan ini tidak punya tagihan."), code="no_payment_request")
    if order.status == Status.COD and method.code == "cod":
        return payment_methods.PaymentOutcome(status="awaiting_cash", request=request)
    if order.status == Status.PAID and order.payment_method == method.code:
        return payment_methods.PaymentOutcome(status="paid", request=request, entry=request.paid_entry)
    lifecycle.ORDER.require(order.status, "pay", _not_awaiting_payment)
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    outcome = method.start(request, payer=payer, idempotency_key=f"pasar:{order.public_id}:{digest}")
    order.payment_method = method.code
    if outcome.status == "paid":
        _move(order, "pay", actor=payer, note=str(method.label))
    elif outcome.status == "awaiting_cash":
        order.expires_at = None
        _move(order, "choose_cod", actor=payer, note=str(method.label))
    else:
        order.save(update_fields=["payment_method", "updated_at"])
        OrderEvent.record(order=order, action="payment_started", actor=payer, note=str(method.label))
    return outcome


@transaction.atomic
def sync_payment(order_id: int) -> Order | None:
    """Take over the payment request's state (called after a gateway settlement, and by the
    sweep): a settled request makes an unpaid order paid; money that arrives for an order
    already cancelled or expired goes back to the payer."""
    order = (
        Order.objects.select_for_update(of=("self",))
        .select_related("shop", "shop__owner", "buyer")
        .filter(pk=order_id)
        .first()
    )
    if order is None or order.payment_request_id is None:
        return order
    request = PaymentRequest.objects.select_related("paid_by").get(pk=order.payment_request_id)
    if request.status != PaymentRequest.Status.PAID:
        return order
    if order.status == Status.AWAITING_PAYMENT:
        order.payment_method = request.paid_method or order.payment_method
        _move(
            order,
            "pay",
            actor=request.paid_by,
            note=_("Pembayaran %(method)s diterima.") % {"method": request.paid_method},
        )
    elif order.status in (Status.CANCELLED, Status.EXPIRED) and request.paid_entry_id is not None:
        left = request.amount - request.refunded_amount
        if left > 0:
            payments.refund_payment_request(
                request,
                left,
                idempotency_key=f"pasar:{order.public_id}:late-refund",
                reason=_("Pesanan %(number)s sudah dibatalkan") % {"number": order.number},
                actor=order.shop.owner,
            )
            order.refunded_amount = min(order.total, order.refunded_amount + left)
            order.save(update_fields=["refunded_amount", "updated_at"])
            OrderEvent.record(
                order=order,
                action="late_payment_refunded",
                note=_("Dana %(amount)s dikembalikan.") % {"amount": rupiah(left)},
            )
    return order


def _order_url(order: Order) -> str:
    return f"/pasar/pesanan/{order.public_id}/"


# --- the lifecycle ------------------------------------------------------------------------


def _move(order: Order, action: str, *, actor: User | None, note: str = "") -> None:
    """Write the status change, its event, and the buyer's notification (the caller holds the lock)."""
    target = lifecycle.ORDER.step(action).target
    previous = order.status
    now = timezone.now()
    order.status = target
    if target == Status.PAID:
        order.paid_at = now
        order.expires_at = None
    elif target == Status.COMPLETED:
        order.completed_at = now
    elif target == Status.DELIVERED:
        # Completes by itself unless the buyer confirms first (complete_delivered).
        due_work.schedule_due(due_work.Kind.MARKETPLACE, now + timedelta(days=conf.get("AUTO_COMPLETE_DAYS")))
        feedback.ask_csat(order.buyer, "order", order.pk, _order_url(order))  # asked after commit
        if order.payment_method == INVOICE_METHOD:
            events.dispatch_terms_delivered(order.pk)  # apps.invoicing issues its invoice, after commit
    elif target in (Status.CANCELLED, Status.EXPIRED):
        order.cancelled_at = now
        order.expires_at = None
    order.save(
        update_fields=[
            "status",
            "payment_method",
            "paid_at",
            "completed_at",
            "cancelled_at",
            "expires_at",
            "refunded_amount",
            "updated_at",
        ]
    )
    record_status_change(order, previous, target)
    OrderEvent.record(
        order=order,
        action=action,
        from_status=previous,
        to_status=target,
        actor=actor,
        note=str(note),  # a TextField: the person's part is bounded by `transition`, the rest is ours
    )
    status_label = order.get_status_display()
    notify(
        [order.buyer],
        event=f"marketplace.order_{target}",
        title=_("Pesanan %(number)s: %(status)s") % {"number": order.number, "status": status_label},
        body=_("Pesanan Anda di %(shop)s sekarang berstatus “%(status)s”.")
        % {"shop": order.shop.name, "status": status_label}
        + (f"\n{note}" if note else ""),
        url=_order_url(order),
        key=f"marketplace-order-{order.pk}-{target}",
    )
    if target == Status.PAID or (target == Status.CANCELLED and actor is not None and actor.pk == order.buyer_id):
        notify(
            [order.shop.owner],
            event=f"marketplace.order_{target}",
            title=_("Pesanan %(number)s: %(status)s") % {"number": order.number, "status": status_label},
            body=_("Pesanan dari %(buyer)s senilai %(total)s sekarang berstatus “%(status)s”.")
            % {"buyer": order.buyer, "total": rupiah(order.total), "status": status_label},
            url=_order_url(order),
            key=f"marketplace-order-{order.pk}-{target}-shop",
        )


def _open_allocations(order: Order) -> list[Allocation]:
    return list(
        Allocation.objects.filter(line__order=order, released_at__isnull=True, shipped_at__isnull=True).order_by(
            "stock_id", "line_id"
        )
    )


def _release_stock(order: Order) -> set[int]:
    """Give an unshipped order's allocated units back (stock rows locked in id order)."""
    allocations = _open_allocations(order)
    if not allocations:
        return set()
    stocks = {
        s.pk: s
        for s in Stock.objects.select_for_update().filter(pk__in={a.stock_id for a in allocations}).order_by("pk")
    }
    now = timezone.now()
    for allocation in allocations:
        stock = stocks[allocation.stock_id]
        stock.quantity_allocated -= allocation.quantity
        allocation.released_at = now
    Stock.objects.bulk_update(list(stocks.values()), ["quantity_allocated"])
    Allocation.objects.bulk_update(allocations, ["released_at"])
    return set(OrderLine.objects.filter(order=order).values_list("product_id", flat=True))


def _ship_stock(order: Order) -> None:
    """The goods leave: the allocated units leave the locations' physical count too."""
    allocations = _open_allocations(order)
    stocks = {
        s.pk: s
        for s in Stock.objects.select_for_update().filter(pk__in={a.stock_id for a in allocations}).order_by("pk")
    }
    now = timezone.now()
    for allocation in allocations:
        stock = stocks[allocation.stock_id]
        stock.quantity -= allocation.quantity
        stock.quantity_allocated -= allocation.quantity
        allocation.shipped_at = now
    Stock.objects.bulk_update(list(stocks.values()), ["quantity", "quantity_allocated"])
    Allocation.objects.bulk_update(allocations, ["shipped_at"])


def _restock(order: Order) -> set[int]:
    """Returned goods go back where they came from."""
    allocations = list(
        Allocation.objects.filter(line__order=order, shipped_at__isnull=False, restocked_at__isnull=True).order_by(
            "stock_id", "line_id"
        )
    )
    stocks = {
        s.pk: s
        for s in Stock.objects.select_for_update().filter(pk__in={a.stock_id for a in allocations}).order_by("pk")
    }
    now = timezone.now()
    for allocation in allocations:
        stocks[allocation.stock_id].quantity += allocation.quantity
        allocation.restocked_at = now
    Stock.objects.bulk_update(list(stocks.values()), ["quantity"])
    Allocation.objects.bulk_update(allocations, ["restocked_at"])
    return set(OrderLine.objects.filter(order=order).values_list("product_id", flat=True))


def _return_money(order: Order, reason: str) -> str:
    """Undo the order's payment: the voucher part back (events.vouchers' refund rule), refund
    what KotaKitaPay took, close an unpaid bill.

    The payments app lets only the merchant (or staff) refund or cancel a bill; the buyer's
    cancellation and the system's expiry act through the shop owner (see the report)."""
    said = [_give_back_voucher(order)]
    request = order.payment_request
    if request is not None:
        said.append(_return_bill(order, PaymentRequest.objects.get(pk=request.pk), reason))
    return " ".join(part for part in said if part)


def _give_back_voucher(order: Order) -> str:
    if order.voucher_amount <= 0:
        return ""
    provider = events.vouchers()
    if provider is None:  # pragma: no cover - an order paid by voucher means apps.bazar is installed
        raise Conflict(_("Voucher tidak bisa dikembalikan saat ini."), code="voucher_unavailable")
    said = provider.give_back(order.voucher_code, order.shop, order.voucher_amount, f"order:{order.public_id}")
    order.refunded_amount = min(order.total, order.refunded_amount + order.voucher_amount)
    return said


def _return_bill(order: Order, request: PaymentRequest, reason: str) -> str:
    if request.status == PaymentRequest.Status.PAID and request.paid_entry_id is not None:
        left = request.amount - request.refunded_amount
        if left > 0:
            payments.refund_payment_request(
                request,
                left,
                idempotency_key=f"pasar:{order.public_id}:refund",
                reason=reason,
                actor=order.shop.owner,
            )
        order.refunded_amount = order.total
        return _("Dana %(amount)s dikembalikan ke dompet pembeli.") % {"amount": rupiah(left)}
    if request.status == PaymentRequest.Status.PAID:  # cash on delivery already handed over
        order.refunded_amount = order.total
        return _("Uang tunai dikembalikan langsung oleh toko.")
    if request.status in (PaymentRequest.Status.OPEN, PaymentRequest.Status.AWAITING_CASH):
        payments.cancel_payment_request(request, actor=order.shop.owner)
    return ""


@transaction.atomic
def transition(order: Order, action: str, *, actor: User | None, note: str = "") -> Order:
    """Move an order one step (accept, pack, ship, deliver, complete, cancel, refund, expire).

    Unknown action → 422; someone unrelated → 404; not theirs to take → 403; not from this
    status → 409. Nothing changes on any error."""
    if action not in lifecycle.MANUAL_ACTIONS and not (action == "expire" and actor is None):
        raise ValidationFailed(
            _("Tindakan “%(action)s” tidak dikenal.") % {"action": str(action)[:24]}, code="unknown_action"
        )
    # Bounded like the order's own note. The API documents a stricter 200 (MarketActionInput);
    # the seller's reject note (our prefix and her 150 characters) fits here in every language.
    note = clean_short_text(note, field="note", max_length=255)
    order = _lock_order(order)
    roles = order_roles(order, actor)
    if not roles:
        raise NotFound(_("Pesanan tidak ditemukan."), code="unknown_order")
    if not roles & (lifecycle.ORDER.step(action).actor or frozenset()):
        raise Forbidden(_("Anda tidak berhak melakukan ini pada pesanan ini."), code="not_allowed")
    lifecycle.ORDER.require(order.status, action, _invalid_transition)
    if action in ("cancel", "refund") and order.payment_method == HANDOVER_PAYMENT:
        # The household paid the group purchase (apps.sembako), not this order: there is no bill
        # or stock here to give back, so undoing it is the round organiser's work.
        raise Conflict(
            _("Pesanan serah-terima Sembako Pintar tidak bisa dibatalkan di sini; hubungi penyelenggara putaran."),
            code="handover_order",
        )
    if not lifecycle.allowed(action, order.status, roles):  # what is left: a buyer cancelling too late
        raise Conflict(
            _("Toko sudah menerima pesanan ini; minta toko untuk membatalkannya."), code="invalid_transition"
        )
    changed_products: set[int] = set()
    if action == "ship":
        _ship_stock(order)
    elif action == "deliver":
        request = order.payment_request
        if order.payment_method == "cod" and request is not None and request.status != PaymentRequest.Status.PAID:
            payments.confirm_cash_received(request, actor=order.shop.owner)
            note = note or _("Uang tunai diterima saat barang sampai.")
    elif action in ("cancel", "expire"):
        changed_products = _release_stock(order)
        money = _return_money(order, note or str(lifecycle.ACTION_LABELS[action]))
        note = " ".join(part for part in (note, money) if part)
    elif action == "refund":
        if order.payment_method == INVOICE_METHOD:
            events.check_terms_refund(order.pk)  # apps.invoicing: its invoice must be cancelled first
        changed_products = _restock(order)
        money = _return_money(order, note or str(lifecycle.ACTION_LABELS[action]))
        note = " ".join(part for part in (note, money) if part)
    _move(order, action, actor=actor, note=note)
    if changed_products:
        queue_listing_sync(changed_products)
    return order


def expire_due_orders(now: datetime | None = None, *, limit: int = 500) -> int:
    """Unpaid orders past their deadline expire and release their stock (each on its own).

    A request that was paid meanwhile (a settlement notification whose task got lost) makes
    the order paid instead."""
    now = now or timezone.now()
    due = list(
        Order.objects.filter(status=Status.AWAITING_PAYMENT, expires_at__lte=now)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    expired = 0
    for order_id in due:
        try:
            with transaction.atomic():
                order = sync_payment(order_id)
                if order is not None and order.status == Status.AWAITING_PAYMENT:
                    transition(order, "expire", actor=None)
                    expired += 1
        except DomainError as exc:
            logger.warning("order %s: expiry failed: %s", order_id, exc.message)
    return expired


def complete_delivered(now: datetime | None = None, *, limit: int = 500) -> int:
    """Delivered orders the buyer did not confirm complete after AUTO_COMPLETE_DAYS."""
    cutoff = (now or timezone.now()) - timedelta(days=conf.get("AUTO_COMPLETE_DAYS"))
    due = list(
        Order.objects.filter(status=Status.DELIVERED, updated_at__lte=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    done = 0
    for order_id in due:
        try:
            with transaction.atomic():
                order = _lock_order(order_id)
                if order.status == Status.DELIVERED:
                    _move(order, "complete", actor=None, note=_("Selesai otomatis."))
                    done += 1
        except DomainError as exc:
            logger.warning("order %s: auto-complete failed: %s", order_id, exc.message)
    return done


def next_sweep_at() -> datetime | None:
    """When this tenant's marketplace sweep next has work: the earliest payment deadline of an
    unpaid order, reservation end, or auto-completion of a delivered order (from the tables,
    so the due-work index heals itself after every sweep)."""
    deadline = (
        Order.objects.filter(status=Status.AWAITING_PAYMENT, expires_at__isnull=False)
        .aggregate(first=Min("expires_at"))
        .get("first")
    )
    reservation = Reservation.objects.aggregate(first=Min("reserved_until")).get("first")
    delivered = Order.objects.filter(status=Status.DELIVERED).aggregate(first=Min("updated_at")).get("first")
    completes = delivered + timedelta(days=conf.get("AUTO_COMPLETE_DAYS")) if delivered is not None else None
    return due_work.earliest(deadline, reservation, completes)
