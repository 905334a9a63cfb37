"""Reads of the reference food prices (public schema; callable from any tenant)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from .models import FoodPrice


@dataclass(frozen=True)
class Reference:
    commodity: str
    area: str
    unit: str
    day: date
    price: int


def latest_prices(commodities: Iterable[str]) -> dict[str, Reference]:
    """commodity → its latest reference price (any area; the most recent day wins). One query."""
    names = sorted({c for c in commodities if c})
    if not names:
        return {}
    found: dict[str, Reference] = {}
    rows = (
        FoodPrice.objects.filter(commodity__in=names)
        .order_by("commodity", "-day", "area")
        .distinct("commodity")
        .values_list("commodity", "area", "unit", "day", "price")
    )
    for commodity, area, unit, day, price in rows:
        found[commodity] = Reference(commodity=commodity, area=area, unit=unit, day=day, price=int(price))
    return found


def commodities() -> list[str]:
    return list(FoodPrice.objects.order_by("commodity").values_list("commodity", flat=True).distinct())


def prices_on(commodities: Iterable[str], day: date) -> dict[str, int]:
    """commodity → its reference price as known on `day` (the latest day ≤ `day`, any area; the
    lowest area name breaks a tie), so a past day's comparison never moves. One query."""
    names = sorted({c for c in commodities if c})
    if not names:
        return {}
    rows = (
        FoodPrice.objects.filter(commodity__in=names, day__lte=day)
        .order_by("commodity", "-day", "area")
        .distinct("commodity")
        .values_list("commodity", "price")
    )
    return {commodity: int(price) for commodity, price in rows}
