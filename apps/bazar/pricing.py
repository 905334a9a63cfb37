"""Bazar promotions as marketplace prices (registered with `marketplace.events.provide_pricer`).

A promotion holds only while its bazar is announced and `starts_at <= moment < ends_at`, and
only for the promoted products of the shops with a stall there. Outside the window every
product sells at its list price. Two queries at most, one when no bazar is running."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from .models import BazarEvent, Discount, Stall


def running_filter(at: datetime) -> dict[str, Any]:
    return {"is_published": True, "starts_at__lte": at, "ends_at__gt": at}


def event_prices(variants: Sequence[Any], at: datetime) -> dict[int, int]:
    """variant id -> unit price under a running bazar's promotion (only variants it lowers)."""
    shop_ids = {v.shop_id for v in variants}
    if not shop_ids:
        return {}
    running = list(BazarEvent.objects.filter(**running_filter(at)).values_list("pk", flat=True))
    if not running:
        return {}
    by_shop: dict[int, list[Stall]] = {}
    for stall in Stall.objects.filter(event_id__in=running, shop_id__in=shop_ids).exclude(discount=Discount.NONE):
        by_shop.setdefault(stall.shop_id, []).append(stall)
    prices: dict[int, int] = {}
    for variant in variants:
        list_price = int(variant.price)
        # A shop in two overlapping bazars: the buyer gets the better promotion of the two.
        offers = [
            s.price_of(list_price) for s in by_shop.get(variant.shop_id, []) if variant.product_id in s.promo_products
        ]
        if offers and min(offers) < list_price:
            prices[variant.pk] = min(offers)
    return prices
