"""Hand-over orders: goods a group purchase already bought (apps.sembako) going from a hub to one
household. The order carries no bill and allocates no stock (both happened in the group
purchase); it exists so apps.fulfillment can batch, route and prove its hub delivery like any
other order. It starts accepted, with payment method "grup" (paid through the group's own bill)."""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.errors import Conflict, ValidationFailed
from apps.core.short_text import clean_short_text

from ..lifecycle import Status
from ..models import DeliveryMethod, Order, OrderEvent, Placement, Shop
from .inputs import _key

HANDOVER_PAYMENT = "grup"


@transaction.atomic
def place_handover_order(
    buyer: User,
    shop: Shop,
    *,
    key: str,
    value: int,
    address: str,
    lat: Decimal,
    lng: Decimal,
    note: str = "",
    actor: User,
) -> Order:
    """One accepted hub-delivery order of goods already paid elsewhere (`value`, whole rupiah,
    what the household paid). Idempotent by `key`: the same key returns the same order."""
    key = _key(key)
    if int(value) <= 0:
        raise ValidationFailed(_("Nilai barang harus lebih dari nol."), code="invalid_value")
    address = clean_short_text(address, field="address", max_length=255)
    note = clean_short_text(note, field="note", max_length=255)
    existing = Placement.objects.filter(key=key).first()
    if existing is not None:
        order = existing.orders.first()
        if existing.buyer_id != buyer.pk or order is None:
            raise Conflict(_("Kunci idempotensi ini sudah dipakai untuk pesanan lain."), code="idempotency_conflict")
        return order
    try:
        with transaction.atomic():
            placement = Placement.objects.create(key=key, request_hash="handover", buyer=buyer)
    except IntegrityError:
        return Placement.objects.get(key=key).orders.get()
    now = timezone.now()
    order = Order.objects.create(
        placement=placement,
        buyer=buyer,
        shop=shop,
        status=Status.ACCEPTED,
        delivery_method=DeliveryMethod.HUB,
        delivery_address=address,
        delivery_lat=lat,
        delivery_lng=lng,
        note=note,
        payment_method=HANDOVER_PAYMENT,
        subtotal=int(value),
        delivery_fee=0,
        total=int(value),
        plan="",
        platform_fee_bps=0,
        platform_fee=0,
        paid_at=now,
    )
    OrderEvent.record(order=order, action="place", to_status=order.status, actor=actor, note=order.note)
    return order
