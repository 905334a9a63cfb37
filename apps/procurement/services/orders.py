"""Order, delivery, acceptance and payment of an awarded purchase."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from apps.core.errors import Forbidden, ValidationFailed
from apps.core.money import rupiah, rupiah_or_dash
from apps.core.sequences import next_number
from apps.notifications.services import notify

from .. import events, policy, rules, workflow
from ..models import (
    AcceptanceLine,
    Award,
    PurchaseOrder,
    PurchaseRequest,
)
from ..workflow import Actor
from ._common import (
    Action,
    _authorize_staff,
    _ids,
    _locked,
    _move,
    _record,
    _require_status,
    _role_of,
    _staff_to_tell,
    _tenant_region_code,
    _text,
    clean_date,
    clean_quantity,
    local_date,
    request_url,
)

ORDER_COUNTER = "purchase_order"  # apps.core.sequences kind of purchase order numbers


def format_number(sequence: int, region_code: str, year: int) -> str:
    return rules.format_order_number(sequence, region_code, year)


def _next_sequence(year: int) -> int:
    return next_number(ORDER_COUNTER, year)


@transaction.atomic
def issue_order(purchase: PurchaseRequest | int, actor: Any, *, now: datetime | None = None) -> PurchaseOrder:
    """Issue the Surat Pesanan to the winner, numbered per tenant and year (see README.md)."""
    now = now or timezone.now()
    locked = _locked(purchase)
    role = _authorize_staff(actor, locked, impartial=True)
    _require_status(locked, workflow.ORDER)
    won = Award.objects.select_related("quote__supplier").get(request=locked)
    year = local_date(now).year
    sequence = _next_sequence(year)
    order = PurchaseOrder.objects.create(
        request=locked,
        award=won,
        number=format_number(sequence, _tenant_region_code(), year),
        year=year,
        sequence=sequence,
        amount=won.amount,
        issued_by=actor,
        issued_at=now,
    )
    before = _move(locked, workflow.ORDER, now)
    _record(locked, Action.ORDER, actor, role, from_status=before, now=now, data={"number": order.number})
    notify(
        [won.quote.supplier],
        event="procurement.ordered",
        title=_("Surat pesanan %(number)s terbit") % {"number": order.number},
        body=_("%(title)s: kirim ke %(address)s pada %(date)s. Nilai %(amount)s.")
        % {
            "title": locked.title,
            "address": locked.delivery_address,
            "date": date_format(locked.delivery_date, "DATE_FORMAT"),
            "amount": rupiah(order.amount),
        },
        url=request_url(locked),
        key=f"procurement-{locked.pk}-ordered",
    )
    return order


@transaction.atomic
def mark_delivered(
    purchase: PurchaseRequest | int,
    actor: Any,
    *,
    delivered_on: Any = None,
    note: Any = "",
    now: datetime | None = None,
) -> PurchaseOrder:
    """The winning UMKM (or staff for them) reports the goods delivered."""
    now = now or timezone.now()
    locked = _locked(purchase)
    winner = Award.objects.filter(request=locked).values_list("quote__supplier_id", flat=True).first()
    if policy.is_signed_in(actor) and winner is not None and actor.pk == winner:
        role = _role_of(actor, policy.AS_SUPPLIER)
    elif policy.is_staff(actor):
        role = _role_of(actor, policy.AS_STAFF)
    else:
        raise Forbidden(policy.refusal(Actor.WINNER_OR_STAFF), code="not_your_step")
    _require_status(locked, workflow.DELIVER)
    order = PurchaseOrder.objects.select_for_update().get(request=locked)
    day = clean_date(delivered_on, "delivered_on", label=_("Tanggal dikirim")) if delivered_on else local_date(now)
    if day > local_date(now) or day < local_date(order.issued_at):
        raise ValidationFailed(
            _("Tanggal dikirim harus antara tanggal surat pesanan dan hari ini."),
            code="invalid_date",
            field="delivered_on",
        )
    text = _text(note, "note", max_length=1000)
    order.delivered_on = day
    order.delivery_note = text
    order.delivered_by = actor
    order.save()
    before = _move(locked, workflow.DELIVER, now)
    _record(
        locked, Action.DELIVER, actor, role, from_status=before, now=now, reason=text, data={"delivered_on": str(day)}
    )
    notify(
        [u for u in _staff_to_tell(locked) if u.pk != actor.pk],
        event="procurement.delivered",
        title=_("Barang dikirim: %(title)s") % {"title": locked.title},
        body=_("Periksa barang dan catat penerimaannya (surat pesanan %(number)s).") % {"number": order.number},
        url=request_url(locked),
        key=f"procurement-{locked.pk}-delivered",
    )
    return order


@transaction.atomic
def accept_delivery(
    purchase: PurchaseRequest | int,
    actor: Any,
    *,
    accepted: Mapping[Any, Any] | None = None,
    reason: Any = "",
    now: datetime | None = None,
) -> PurchaseOrder:
    """Record what was accepted. `accepted` maps item ids to accepted quantities (items left out
    are accepted in full); accepting less than ordered needs a reason."""
    now = now or timezone.now()
    locked = _locked(purchase)
    role = _authorize_staff(actor, locked, impartial=True)
    _require_status(locked, workflow.ACCEPT)
    order = PurchaseOrder.objects.select_for_update().select_related("award__quote").get(request=locked)
    items = {item.pk: item for item in locked.items.order_by("position")}
    prices = {line.item_id: line.unit_price for line in order.award.quote.lines.all()}
    if accepted is not None and not isinstance(accepted, Mapping):
        raise ValidationFailed(_("Jumlah diterima tidak valid."), code="invalid_quantity", field="accepted")
    given = _ids(accepted or {}, "accepted", "unknown_item", _("Ada barang yang tidak termasuk permintaan ini."))
    if set(given) - set(items):
        raise ValidationFailed(
            _("Ada barang yang tidak termasuk permintaan ini."), code="unknown_item", field="accepted"
        )
    rows = []
    for pk, item in items.items():
        quantity = (
            clean_quantity(given[pk], f"accepted.{pk}", allow_zero=True, maximum=item.quantity)
            if pk in given
            else item.quantity
        )
        rows.append((item, quantity, rules.line_total(quantity, prices[pk])))
    amount = sum(value for _item, _q, value in rows)
    partial = any(quantity < item.quantity for item, quantity, _value in rows)
    why = _text(reason, "reason", max_length=2000)
    if amount <= 0:
        raise ValidationFailed(
            _("Tidak ada barang yang diterima; catat jumlah yang benar-benar diterima."),
            code="nothing_accepted",
            field="accepted",
        )
    if partial and not why:
        raise ValidationFailed(
            _("Barang diterima sebagian: alasan wajib diisi."), code="reason_required", field="reason"
        )
    AcceptanceLine.objects.bulk_create(
        [
            AcceptanceLine(order=order, item=item, ordered_quantity=item.quantity, accepted_quantity=q, amount=value)
            for item, q, value in rows
        ]
    )
    order.accepted_at = now
    order.accepted_by = actor
    order.accepted_amount = amount
    order.partially_accepted = partial
    order.acceptance_reason = why
    order.save()
    before = _move(locked, workflow.ACCEPT, now)
    _record(
        locked,
        Action.ACCEPT,
        actor,
        role,
        from_status=before,
        now=now,
        reason=why,
        data={
            "accepted_amount": amount,
            "partial": partial,
            "lines": {str(item.pk): str(q) for item, q, _value in rows},
        },
    )
    body = (
        _("Barang diterima sebagian senilai %(amount)s. Alasan: %(reason)s")
        if partial
        else _("Barang diterima lengkap senilai %(amount)s.")
    ) % {"amount": rupiah(amount), "reason": why}
    notify(
        [order.award.quote.supplier],
        event="procurement.accepted",
        title=_("Penerimaan barang: %(title)s") % {"title": locked.title},
        body=body,
        url=request_url(locked),
        key=f"procurement-{locked.pk}-accepted",
    )
    events.dispatch_accepted(
        events.DeliveryAccepted(
            request_id=locked.pk,
            order_id=order.pk,
            order_number=order.number,
            supplier_id=order.award.quote.supplier_id,
            accepted_by_id=actor.pk,
            unit_name=locked.unit_name,
            accepted_amount=amount,
            accepted_at=now,
        )
    )
    return order


@transaction.atomic
def record_payment(
    purchase: PurchaseRequest | int,
    actor: Any,
    *,
    reference: Any,
    paid_on: Any = None,
    now: datetime | None = None,
) -> PurchaseOrder:
    """Mark the accepted order paid (the accepted amount), with the transfer reference and date.
    Refused (409) while the order is billed by an invoice (events.on_payment_check, apps.invoicing):
    that invoice's payment is recorded here by itself (`record_invoice_payment`), never twice."""
    now = now or timezone.now()
    locked = _locked(purchase)
    role = _authorize_staff(actor, locked, impartial=True)
    _require_status(locked, workflow.PAY)
    order = PurchaseOrder.objects.select_for_update().select_related("award__quote__supplier").get(request=locked)
    # Under the order's lock: an invoice issued meanwhile (it locks this row too) is seen here.
    events.check_payment(order.pk)
    ref = _text(reference, "reference", max_length=100, required=_("Referensi pembayaran wajib diisi."))
    day = clean_date(paid_on, "paid_on", label=_("Tanggal bayar")) if paid_on else local_date(now)
    accepted_day = local_date(order.accepted_at) if order.accepted_at else local_date(now)
    if day > local_date(now) or day < accepted_day:
        raise ValidationFailed(
            _("Tanggal bayar harus antara tanggal penerimaan barang dan hari ini."),
            code="invalid_date",
            field="paid_on",
        )
    _mark_paid(locked, order, actor, role, reference=ref, day=day, amount=order.accepted_amount, now=now)
    return order


@transaction.atomic
def record_invoice_payment(order_id: int, *, reference: str, paid_at: datetime, amount: int, actor: Any = None) -> bool:
    """The order's invoice (apps.invoicing) was paid in full through KotaKitaPay: record that as
    the order's payment, once (False when a payment is already recorded or the order is not
    waiting for one). Runs inside invoicing's recording transaction: both happen or neither."""
    purchase_id = PurchaseOrder.objects.filter(pk=order_id).values_list("request_id", flat=True).first()
    if purchase_id is None:
        return False
    locked = _locked(purchase_id)
    order = PurchaseOrder.objects.select_for_update().select_related("award__quote__supplier").get(request=locked)
    if order.payment_status == PurchaseOrder.Payment.PAID or locked.status != workflow.ACCEPTED:
        return False
    now = timezone.now()
    _mark_paid(
        locked,
        order,
        actor,
        "system",
        reference=str(reference)[:100],  # built by invoicing (invoice and bill numbers), never typed
        day=max(local_date(paid_at), local_date(order.accepted_at) if order.accepted_at else local_date(paid_at)),
        amount=int(amount),
        now=now,
    )
    return True


def _mark_paid(
    locked: PurchaseRequest,
    order: PurchaseOrder,
    actor: Any,
    role: str,
    *,
    reference: str,
    day: Any,
    amount: int | None,
    now: datetime,
) -> None:
    order.payment_status = PurchaseOrder.Payment.PAID
    order.paid_on = day
    order.payment_reference = reference
    order.paid_amount = amount
    order.paid_by = actor
    order.save()
    before = _move(locked, workflow.PAY, now)
    _record(
        locked,
        Action.PAY,
        actor,
        role,
        from_status=before,
        now=now,
        data={"reference": reference, "paid_on": str(day), "amount": order.paid_amount},
    )
    notify(
        [order.award.quote.supplier],
        event="procurement.paid",
        title=_("Pembayaran tercatat: %(title)s") % {"title": locked.title},
        body=_("%(amount)s dibayar pada %(date)s, referensi %(reference)s.")
        % {
            "amount": rupiah_or_dash(order.paid_amount),
            "date": date_format(day, "DATE_FORMAT"),
            "reference": reference,
        },
        url=request_url(locked),
        key=f"procurement-{locked.pk}-paid",
    )
