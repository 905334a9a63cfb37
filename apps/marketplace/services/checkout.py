"""Placing orders: one placement per checkout, allocations under stock row locks, optionally paid at once."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.db import connection
from apps.core.errors import Conflict, ValidationFailed
from apps.core.money import rupiah
from apps.core.short_text import clean_short_text
from apps.notifications.services import notify
from apps.payments import methods as payment_methods
from apps.payments import services as payments
from apps.tenancy.due_work import Kind, schedule_due

from .. import conf, events
from ..models import (
    Allocation,
    CartItem,
    DeliveryMethod,
    Order,
    OrderEvent,
    OrderLine,
    Placement,
    Reservation,
    Shop,
    Stock,
)
from .cart import (
    _lock_stocks,
    _plan_allocation,
    _reserved_by_others,
    _sellable_variants,
    _variant_id,
    insufficient_stock,
)
from .inputs import _key, clean_point, clean_quantity
from .listing import queue_listing_sync
from .orders import VOUCHER_METHOD, _move, _order_url, pay_order
from .shops import _ensure_payment_account
from .terms import INVOICE_METHOD, require_terms


@dataclass
class PlacementResult:
    placement: Placement
    orders: list[Order] = field(default_factory=list)
    replayed: bool = False


def hub_delivery_opens(now: datetime | None = None) -> datetime | None:
    """When a hub can first take a hub-delivery order placed at `now`: `now` when a hub is
    open, its next opening when all are closed (later today or its next open day), None when
    no active hub opens within a week (then hub delivery is not offered at all)."""
    provider = events.hub_hours()  # provided by apps.fulfillment (which builds on the marketplace)
    return None if provider is None else provider.next_opening(now)


@dataclass(frozen=True)
class DeliveryQuote:
    """One shop order's delivery: its fee and, for hub delivery, which hub and from when."""

    shop: Shop
    method: str
    fee: int
    hub_name: str = ""
    starts_text: str = ""  # "" when delivery can start now, else "besok 07:00", ...


@dataclass(frozen=True)
class CheckoutQuote:
    deliveries: list[DeliveryQuote]
    goods: int
    voucher_left: int = 0  # what is left on the chosen voucher (0: none chosen)

    @property
    def delivery(self) -> int:
        return sum(q.fee for q in self.deliveries)

    @property
    def total(self) -> int:
        return self.goods + self.delivery

    @property
    def voucher(self) -> int:
        """What the voucher covers: it pays the orders one after the other up to what is left on
        it, so in all the smaller of the two (exactly what `place_orders` takes)."""
        return min(self.voucher_left, self.total)

    @property
    def rest(self) -> int:
        return self.total - self.voucher


def clean_delivery_point(lat: Any, lng: Any) -> tuple[Decimal, Decimal] | None:
    """The buyer's delivery map point, None when none was picked (422 when malformed)."""
    if lat in (None, "") and lng in (None, ""):
        return None
    if lat in (None, "") or lng in (None, ""):
        raise ValidationFailed(
            _("Titik antar belum lengkap; pilih lagi di peta."), code="invalid_location", field="location"
        )
    try:
        point = clean_point(lat, lng)
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message, code="invalid_location", field="location") from None
    assert point[0] is not None and point[1] is not None
    return point[0], point[1]


def quote_delivery(
    shop: Shop, method: str, point: tuple[Decimal, Decimal] | None, *, now: datetime | None = None
) -> DeliveryQuote:
    """The delivery fee of one shop's order: what checkout shows and exactly what
    `place_orders` charges (both call this). Hub delivery is priced by the hub that serves
    the point (apps.fulfillment via events.hub_quoter), from its next opening when closed now."""
    if method == DeliveryMethod.OWN:
        return DeliveryQuote(shop=shop, method=method, fee=shop.own_delivery_fee)
    if method != DeliveryMethod.HUB:
        return DeliveryQuote(shop=shop, method=method, fee=0)
    now = now or timezone.now()
    quoter = events.hub_quoter()
    if quoter is None or hub_delivery_opens(now) is None:
        # No hub opens within a week: never take (or charge) an order it cannot deliver.
        raise ValidationFailed(
            _("Saat ini tidak ada hub yang bisa mengantar; pilih cara kirim lain."),
            code="hub_unavailable",
            field="delivery",
        )
    if point is None:
        raise ValidationFailed(
            _("Pilih titik antar di peta (ketuk peta atau tekan “Gunakan lokasi saya”)."),
            code="location_required",
            field="location",
        )
    found = quoter(point[0], point[1], now)
    return DeliveryQuote(
        shop=shop, method=method, fee=found.fee, hub_name=found.hub_name, starts_text=found.starts_text
    )


def quote_checkout(
    shops: Iterable[tuple[Shop, int]],
    methods: Mapping[int, str],
    lat: Any,
    lng: Any,
    *,
    now: datetime | None = None,
    voucher_left: int = 0,
) -> CheckoutQuote:
    """Checkout's price before ordering: each shop's (shop, goods subtotal) with the chosen
    delivery method and the buyer's map point; the same fees `place_orders` will charge."""
    point = clean_delivery_point(lat, lng)
    now = now or timezone.now()
    quotes: list[DeliveryQuote] = []
    goods = 0
    for shop, subtotal in shops:
        method = _offered_method(shop, methods.get(shop.pk, ""))
        quotes.append(quote_delivery(shop, method, point, now=now))
        goods += subtotal
    return CheckoutQuote(deliveries=quotes, goods=goods, voucher_left=max(0, int(voucher_left)))


def _offered_method(shop: Shop, method: str) -> str:
    if method not in shop.delivery_methods():
        raise ValidationFailed(
            _("%(shop)s tidak melayani pengiriman “%(method)s”.") % {"shop": shop.name, "method": method},
            code="delivery_not_offered",
            shop=shop.pk,
            choices=shop.delivery_methods(),
            field="delivery",
        )
    return method


def _clean_items(items: Iterable[Any]) -> dict[int, int]:
    merged: dict[int, int] = {}
    for item in items:
        if isinstance(item, Mapping):
            raw_variant, raw_quantity = item.get("variant"), item.get("quantity")
        else:
            raw_variant, raw_quantity = item
        variant_id = _variant_id(raw_variant)
        merged[variant_id] = merged.get(variant_id, 0) + clean_quantity(raw_quantity)
    if not merged:
        raise ValidationFailed(_("Pesanan tidak berisi barang."), code="empty_order")
    if len(merged) > conf.get("MAX_LINES_PER_CHECKOUT"):
        raise ValidationFailed(_("Terlalu banyak jenis barang dalam satu pesanan."), code="too_many_lines")
    too_many = [pk for pk, n in merged.items() if n > conf.get("MAX_LINE_QUANTITY")]
    if too_many:
        raise ValidationFailed(
            _("Paling banyak %(max)d per barang.") % {"max": conf.get("MAX_LINE_QUANTITY")},
            code="invalid_quantity",
            variants=too_many,
        )
    return dict(sorted(merged.items()))


def _fingerprint(**params: Any) -> str:
    return hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()


def _replay(placement: Placement, buyer: User, fingerprint: str) -> PlacementResult:
    if placement.buyer_id != buyer.pk or placement.request_hash != fingerprint:
        raise Conflict(_("Kunci idempotensi ini sudah dipakai untuk pesanan lain."), code="idempotency_conflict")
    orders = list(placement.orders.select_related("shop", "payment_request").order_by("pk"))
    return PlacementResult(placement=placement, orders=orders, replayed=True)


@transaction.atomic
def place_orders(
    buyer: User,
    items: Iterable[Any],
    *,
    idempotency_key: str,
    delivery: str | Mapping[int, str] = DeliveryMethod.PICKUP,
    address: str = "",
    lat: Any = None,
    lng: Any = None,
    expected_delivery_fee: int | None = None,
    note: str = "",
    payment_method: str = "",
    from_cart: bool = False,
    voucher: str = "",
    expected_voucher_amount: int | None = None,
) -> PlacementResult:
    """Turn a cart (items across shops) into one order per shop, allocating stock.

    `items`: (variant id, quantity) pairs or {"variant", "quantity"} dicts. `delivery`: one
    method for every shop, or {shop id: method}. The same `idempotency_key` with the same
    request returns the orders made the first time (`replayed`); with another request, 409.
    Short stock: `insufficient_stock` (409) and nothing is written. (lat, lng): the buyer's
    delivery map point, required for hub delivery, which it prices (`quote_delivery`);
    `expected_delivery_fee`: the total fee checkout showed, 409 if it no longer holds.
    `voucher`: the code of one of the buyer's vouchers (events.vouchers, apps.bazar); it pays the
    orders in shop order up to what is left on it, each order's payment request bills the rest,
    and an order it covers in full is paid at once. `expected_voucher_amount`: what checkout
    showed the voucher covering, 409 if it no longer holds (another checkout used it meanwhile).
    `payment_method` "faktur": pay by invoice after delivery (services.terms; business buyers
    only, at shops that accept it): no bill, the orders go ahead at once.
    """
    key = _key(idempotency_key)
    wanted = _clean_items(items)
    # Refused before anything is written (the placement, orders, stock): a cut address sends the
    # courier to the wrong place, a cut note loses what the buyer asked for.
    address = clean_short_text(address, field="address", max_length=255)
    note = clean_short_text(note, field="note", max_length=255)
    on_terms = payment_method == INVOICE_METHOD
    if payment_method and not on_terms and payment_method not in payment_methods.METHODS:
        payment_methods.get(payment_method)  # raises the payments app's 422
    delivery_param: Any = delivery if isinstance(delivery, str) else {str(k): v for k, v in delivery.items()}
    point = clean_delivery_point(lat, lng)
    voucher = clean_short_text(voucher, field="voucher", max_length=32).upper()
    provider = events.vouchers() if voucher else None
    if voucher and provider is None:
        raise ValidationFailed(
            _("Pembayaran dengan voucher tidak tersedia."), code="voucher_unavailable", field="voucher"
        )
    fingerprint = _fingerprint(
        voucher=voucher,
        items=sorted(wanted.items()),
        delivery=delivery_param,
        address=address,
        point=[str(p) for p in point] if point else None,
        note=note,
        payment=payment_method,
    )

    existing = Placement.objects.filter(key=key).first()
    if existing is not None:
        return _replay(existing, buyer, fingerprint)
    try:
        with transaction.atomic():
            placement = Placement.objects.create(key=key, request_hash=fingerprint, buyer=buyer)
    except IntegrityError:  # the same key raced us and committed first
        return _replay(Placement.objects.get(key=key), buyer, fingerprint)

    variants = _sellable_variants(wanted, buyer)
    shops: dict[int, Shop] = {}
    for variant in variants.values():
        shops[variant.shop_id] = variant.shop
    if on_terms:
        require_terms(buyer, shops.values(), voucher=voucher)
    now = timezone.now()
    methods_by_shop: dict[int, str] = {}
    fees: dict[int, DeliveryQuote] = {}
    for shop_id, shop in shops.items():
        method = _offered_method(shop, delivery if isinstance(delivery, str) else delivery.get(shop_id, ""))
        if method != DeliveryMethod.PICKUP and not address:
            raise ValidationFailed(_("Alamat kirim wajib diisi."), code="address_required", field="address")
        methods_by_shop[shop_id] = method
        fees[shop_id] = quote_delivery(shop, method, point, now=now)
    charged = sum(q.fee for q in fees.values())
    if expected_delivery_fee is not None and int(expected_delivery_fee) != charged:
        # The buyer agreed to the quoted fee; a changed price is shown again, never charged silently.
        raise Conflict(
            _("Ongkos kirim berubah menjadi %(fee)s; periksa lalu pesan lagi.") % {"fee": rupiah(charged)},
            code="delivery_fee_changed",
            field="delivery",
            delivery_fee=charged,
        )

    # Write the orders first, then take the stock locks: the rows stay locked until commit,
    # so only the allocation itself runs while other buyers of the same stock wait.
    tenant = getattr(connection, "tenant", None)
    plan_name = str(getattr(tenant, "plan", "") or "")
    bps = conf.fee_bps(plan_name)
    expires_at = now + timedelta(minutes=conf.get("PAYMENT_MINUTES"))
    schedule_due(Kind.MARKETPLACE, expires_at)  # the sweep expires what stays unpaid
    result = PlacementResult(placement=placement)
    line_of: dict[int, OrderLine] = {}
    voucher_paid = 0
    voucher_spent = False  # used up: later shops' orders are paid the usual way
    for shop_id in sorted(shops):
        shop = shops[shop_id]
        _ensure_payment_account(shop)
        shop_variants = sorted((v for v in variants.values() if v.shop_id == shop_id), key=lambda v: v.pk)
        price = events.unit_prices(shop_variants, now)  # list prices, or an event's promotion
        subtotal = sum(price[v.pk] * wanted[v.pk] for v in shop_variants)
        fee = fees[shop_id].fee
        has_point = point is not None and methods_by_shop[shop_id] != DeliveryMethod.PICKUP
        order = Order(
            placement=placement,
            buyer=buyer,
            shop=shop,
            delivery_method=methods_by_shop[shop_id],
            delivery_address=address,
            delivery_lat=point[0] if has_point and point else None,
            delivery_lng=point[1] if has_point and point else None,
            note=note,
            payment_method=payment_method,
            subtotal=subtotal,
            delivery_fee=fee,
            total=subtotal + fee,
            plan=plan_name,
            platform_fee_bps=bps,
            platform_fee=subtotal * bps // 10_000,
            expires_at=expires_at,
        )
        assert shop.payment_account is not None
        if provider is not None and not voucher_spent:
            taken = provider.redeem(voucher, shop, order.total, buyer, f"order:{order.public_id}")
            order.voucher_code, order.voucher_amount = voucher, taken
            voucher_paid += taken
            voucher_spent = taken < order.total
        if on_terms:  # billed by the invoice issued on delivery (apps.invoicing), not here
            order.terms_days = shop.invoice_terms_days
        elif order.rest_to_pay > 0:
            order.payment_request = payments.create_payment_request(
                shop.payment_account,
                order.rest_to_pay,
                description=_("Pasar: pesanan dari %(buyer)s") % {"buyer": buyer},
                reference=f"order:{order.public_id}",
                actor=buyer,
                open_qris_charge=False,
            )
        else:  # the voucher pays it all: no bill, paid now
            order.payment_method = VOUCHER_METHOD
        order.save(force_insert=True)
        lines = OrderLine.objects.bulk_create(
            OrderLine(
                order=order,
                product=v.product,
                variant=v,
                product_name=v.product.name,
                variant_name=v.name,
                sku=v.sku,
                unit_price=price[v.pk],
                quantity=wanted[v.pk],
                line_total=price[v.pk] * wanted[v.pk],
            )
            for v in shop_variants
        )
        line_of.update((line.variant_id, line) for line in lines)
        OrderEvent.record(order=order, action="place", to_status=order.status, actor=buyer)
        if on_terms:
            order.expires_at = None  # nothing to pay before delivery: it never expires
            _move(
                order,
                "choose_terms",
                actor=buyer,
                note=str(_("Dibayar dengan faktur, tempo %(days)s hari") % {"days": order.terms_days}),
            )
        elif order.payment_request is None:
            _move(order, "pay", actor=buyer, note=str(_("Dibayar dengan voucher %(code)s") % {"code": voucher}))
        notify(
            [shop.owner],
            event="marketplace.order_new",
            title=_("Pesanan baru %(number)s") % {"number": order.number},
            body=_("%(buyer)s memesan %(items)s senilai %(total)s.")
            % {
                "buyer": buyer,
                "items": ", ".join(f"{line.quantity} × {line.product_name}" for line in lines),
                "total": rupiah(order.total),
            },
            url=_order_url(order),
            key=f"marketplace-order-{order.pk}-new",
        )
        result.orders.append(order)

    if provider is not None:
        if voucher_paid == 0:
            raise Conflict(_("Voucher ini sudah habis dipakai."), code="voucher_used_up", field="voucher")
        if expected_voucher_amount is not None and int(expected_voucher_amount) != voucher_paid:
            raise Conflict(
                _("Voucher kini hanya menanggung %(amount)s; periksa lalu pesan lagi.")
                % {"amount": rupiah(voucher_paid)},
                code="voucher_amount_changed",
                field="voucher",
                voucher_amount=voucher_paid,
            )

    # Saleor: lock the stock rows in primary-key order, then decide; short → all rolls back.
    stocks = _lock_stocks(wanted)
    reserved = _reserved_by_others((s.pk for s in stocks), buyer, now)
    plan, short = _plan_allocation(wanted, variants, stocks, reserved)
    if short:
        raise insufficient_stock(short)
    touched: dict[int, Stock] = {}
    for takes in plan.values():
        for stock, take in takes:
            stock.quantity_allocated += take
            touched[stock.pk] = stock
    Stock.objects.bulk_update(list(touched.values()), ["quantity_allocated"])
    Allocation.objects.bulk_create(
        Allocation(line=line_of[variant_id], stock=stock, quantity=take)
        for variant_id, takes in plan.items()
        for stock, take in takes
    )
    Reservation.objects.filter(buyer=buyer, stock_id__in=[s.pk for s in stocks]).delete()
    if from_cart:
        CartItem.objects.filter(buyer=buyer, variant_id__in=list(wanted)).delete()
    sold_out = {variants[s.variant_id].product_id for s in touched.values() if s.quantity - s.quantity_allocated <= 0}
    if sold_out:
        queue_listing_sync(sold_out)
    return result


@transaction.atomic
def place_and_pay(
    buyer: User,
    items: Iterable[Any],
    *,
    idempotency_key: str,
    payment_method: str,
    delivery: str | Mapping[int, str] = DeliveryMethod.PICKUP,
    voucher: str = "",
    expected_voucher_amount: int | None = None,
    address: str = "",
    lat: Any = None,
    lng: Any = None,
    expected_delivery_fee: int | None = None,
    note: str = "",
    from_cart: bool = False,
) -> PlacementResult:
    """Checkout in one transaction: place the orders and start paying each with
    `payment_method` (if any; the rest beyond a voucher). A refused payment (e.g. not enough wallet balance, 409) undoes
    the whole checkout, so the buyer can pick another way with the same cart and key."""
    result = place_orders(
        buyer,
        items,
        idempotency_key=idempotency_key,
        delivery=delivery,
        address=address,
        lat=lat,
        lng=lng,
        expected_delivery_fee=expected_delivery_fee,
        note=note,
        payment_method=payment_method,
        from_cart=from_cart,
        voucher=voucher,
        expected_voucher_amount=expected_voucher_amount,
    )
    if payment_method and payment_method != INVOICE_METHOD and not result.replayed:
        for order in result.orders:
            if order.payment_request_id is None:  # paid in full by the voucher
                continue
            pay_order(order, payment_method, payer=buyer, idempotency_key=result.placement.key)
        result.orders = list(Order.objects.filter(placement=result.placement).select_related("shop").order_by("pk"))
    return result
