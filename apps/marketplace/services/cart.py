"""Availability, the cart and time-boxed reservations (the Saleor pattern: stock rows locked in id order)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.errors import Conflict, NotFound, ValidationFailed
from apps.core.money import parse_count
from apps.tenancy.due_work import Kind, schedule_due

from .. import conf
from ..models import (
    CartItem,
    Reservation,
    Stock,
    Variant,
)
from .inputs import clean_quantity


def _reserved_by_others(stock_ids: Iterable[int], buyer: User | None, now: datetime) -> dict[int, int]:
    qs = Reservation.objects.filter(stock_id__in=list(stock_ids), reserved_until__gt=now)
    if buyer is not None:
        qs = qs.exclude(buyer=buyer)
    return {row["stock_id"]: int(row["n"]) for row in qs.values("stock_id").annotate(n=Sum("quantity"))}


def _lock_stocks(variant_ids: Iterable[int]) -> list[Stock]:
    """The variants' stock rows at active locations, locked in primary-key order."""
    return list(
        Stock.objects.select_for_update(of=("self",))
        .select_related("location")
        .filter(variant_id__in=sorted(set(variant_ids)), location__is_active=True)
        .order_by("pk")
    )


def _plan_allocation(
    wanted: Mapping[int, int], variants: Mapping[int, Variant], stocks: list[Stock], reserved: Mapping[int, int]
) -> tuple[dict[int, list[tuple[Stock, int]]], list[dict[str, Any]]]:
    """Which stock rows each variant's quantity comes from (the shop's own location first),
    and what is short."""
    by_variant: dict[int, list[Stock]] = defaultdict(list)
    for stock in stocks:
        by_variant[stock.variant_id].append(stock)
    plan: dict[int, list[tuple[Stock, int]]] = {}
    short: list[dict[str, Any]] = []
    for variant_id, need in wanted.items():
        variant = variants[variant_id]
        rows = sorted(by_variant.get(variant_id, []), key=lambda s: (s.location.shop_id != variant.shop_id, s.pk))
        takes: list[tuple[Stock, int]] = []
        left = need
        available_total = 0
        for stock in rows:
            available = max(stock.quantity - stock.quantity_allocated - reserved.get(stock.pk, 0), 0)
            available_total += available
            take = min(available, left)
            if take:
                takes.append((stock, take))
                left -= take
        if left > 0:
            short.append({"variant": variant_id, "name": str(variant), "requested": need, "available": available_total})
        plan[variant_id] = takes
    return plan, short


def insufficient_stock(short: list[dict[str, Any]]) -> Conflict:
    parts = [
        _("%(name)s (diminta %(requested)d, tersedia %(available)d)")
        % {"name": item["name"], "requested": item["requested"], "available": item["available"]}
        for item in short
    ]
    return Conflict(
        _("Stok tidak cukup: %(items)s.") % {"items": "; ".join(parts)}, code="insufficient_stock", items=short
    )


def _sellable_variants(ids: Iterable[int], buyer: User | None) -> dict[int, Variant]:
    wanted = sorted(set(ids))
    variants = {v.pk: v for v in Variant.objects.select_related("product", "shop", "shop__owner").filter(pk__in=wanted)}
    unknown = [pk for pk in wanted if pk not in variants]
    if unknown:
        raise ValidationFailed(
            _("Produk tidak dikenal: %(ids)s.") % {"ids": ", ".join(map(str, unknown))},
            code="unknown_variant",
            variants=unknown,
        )
    off = [v for v in variants.values() if not (v.is_active and v.product.is_active and v.shop.is_active)]
    if off:
        raise ValidationFailed(
            _("Tidak dijual lagi: %(names)s.") % {"names": ", ".join(str(v) for v in off)},
            code="not_for_sale",
            variants=[v.pk for v in off],
        )
    if buyer is not None and any(v.shop.owner_id == buyer.pk for v in variants.values()):
        raise ValidationFailed(_("Tidak bisa membeli dari toko sendiri."), code="own_shop")
    return variants


def _variant_id(value: Any) -> int:
    number = parse_count(value)
    if number is None or number <= 0:
        raise ValidationFailed(_("Produk tidak dikenal."), code="unknown_variant", variants=[str(value)[:32]])
    return number


@transaction.atomic
def add_to_cart(buyer: User, variant_id: Any, quantity: Any) -> CartItem:
    quantity = clean_quantity(quantity)
    variant = _sellable_variants([_variant_id(variant_id)], buyer)[_variant_id(variant_id)]
    item = CartItem.objects.select_for_update().filter(buyer=buyer, variant=variant).first()
    total = quantity + (item.quantity if item else 0)
    if total > conf.get("MAX_LINE_QUANTITY"):
        raise ValidationFailed(
            _("Paling banyak %(max)d per barang.") % {"max": conf.get("MAX_LINE_QUANTITY")}, code="invalid_quantity"
        )
    if item is None:
        return CartItem.objects.create(buyer=buyer, variant=variant, quantity=total)
    item.quantity = total
    item.save(update_fields=["quantity"])
    return item


@transaction.atomic
def set_cart_quantity(buyer: User, variant_id: Any, quantity: Any) -> CartItem | None:
    """Change a cart line (0 removes it)."""
    quantity = clean_quantity(quantity, allow_zero=True)
    item = CartItem.objects.select_for_update().filter(buyer=buyer, variant_id=_variant_id(variant_id)).first()
    if item is None:
        raise NotFound(_("Barang itu tidak ada di keranjang."), code="not_in_cart")
    if quantity == 0:
        item.delete()
        return None
    if quantity > conf.get("MAX_LINE_QUANTITY"):
        raise ValidationFailed(
            _("Paling banyak %(max)d per barang.") % {"max": conf.get("MAX_LINE_QUANTITY")}, code="invalid_quantity"
        )
    item.quantity = quantity
    item.save(update_fields=["quantity"])
    return item


@transaction.atomic
def reserve_cart(buyer: User, *, now: datetime | None = None) -> datetime:
    """Hold the whole cart's stock for RESERVATION_MINUTES (all or nothing). Returns the deadline."""
    now = now or timezone.now()
    items = list(CartItem.objects.filter(buyer=buyer).order_by("variant_id"))
    if not items:
        raise ValidationFailed(_("Keranjang masih kosong."), code="empty_cart")
    wanted = {item.variant_id: item.quantity for item in items}
    variants = _sellable_variants(wanted, buyer)
    stocks = _lock_stocks(wanted)
    reserved = _reserved_by_others((s.pk for s in stocks), buyer, now)
    plan, short = _plan_allocation(wanted, variants, stocks, reserved)
    if short:
        raise insufficient_stock(short)
    until = now + timedelta(minutes=conf.get("RESERVATION_MINUTES"))
    Reservation.objects.filter(buyer=buyer).delete()
    Reservation.objects.bulk_create(
        Reservation(buyer=buyer, stock=stock, quantity=take, reserved_until=until)
        for takes in plan.values()
        for stock, take in takes
    )
    schedule_due(Kind.MARKETPLACE, until)  # the sweep deletes what expires
    return until


@transaction.atomic
def release_reservations(buyer: User) -> int:
    deleted, _detail = Reservation.objects.filter(buyer=buyer).delete()
    return deleted


def delete_expired_reservations(now: datetime | None = None) -> int:
    deleted, _detail = Reservation.objects.filter(reserved_until__lte=now or timezone.now()).delete()
    return deleted
