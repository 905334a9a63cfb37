"""Reads of Sembako Pintar: the rounds a person sees, an item's price against the market."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from apps.accounts.models import User
from apps.marketplace.lifecycle import Status as OrderStatus
from apps.pangan import selectors as pangan
from apps.rtrw.models import Residency

from .models import HouseholdOrder, Round, RoundItem


def rounds_for(user: object) -> QuerySet[Round]:
    """Rounds of the whole kelurahan, of the user's RW, and those the user organises."""
    qs = Round.objects.select_related("rw", "hub").exclude(status=Round.Status.CANCELLED)
    if not isinstance(user, User):
        return qs.filter(rw__isnull=True).order_by("-closes_at", "-pk")
    if user.is_superuser:
        return qs.order_by("-closes_at", "-pk")
    rw_id = Residency.objects.filter(user=user).values_list("rt__rw_id", flat=True).first()
    scope = Q(rw__isnull=True) | Q(organiser=user)
    if rw_id is not None:
        scope |= Q(rw_id=rw_id)
    return qs.filter(scope).order_by("-closes_at", "-pk")


@dataclass(frozen=True)
class PricedItem:
    item: RoundItem
    market_price: int | None  # per unit, from the harga-pangan series
    market_area: str
    market_day: object

    @property
    def saving(self) -> int | None:
        return None if self.market_price is None else self.market_price - self.item.price

    @property
    def left(self) -> int | None:
        return None if self.item.cap is None else max(0, self.item.cap - self.item.ordered)


def priced_items(round: Round) -> list[PricedItem]:
    """The round's items with the latest reference price of their commodity (two queries)."""
    items = list(RoundItem.objects.filter(round=round).order_by("pk"))
    refs = pangan.latest_prices(i.commodity for i in items)
    out = []
    for item in items:
        ref = refs.get(item.commodity)
        out.append(
            PricedItem(
                item=item,
                market_price=ref.price if ref else None,
                market_area=ref.area if ref else "",
                market_day=ref.day if ref else None,
            )
        )
    return out


def saving_of(order: HouseholdOrder, priced: list[PricedItem]) -> int:
    """What the household saves against the market reference (items without one count 0)."""
    by_id = {p.item.pk: p for p in priced}
    total = 0
    for line in order.lines:
        p = by_id.get(int(line["item"]))
        if p is not None and p.market_price is not None:
            total += (p.market_price - int(line["price"])) * int(line["quantity"])
    return total


def order_of(round: Round, user: object) -> HouseholdOrder | None:
    if not isinstance(user, User):
        return None
    return (
        HouseholdOrder.objects.filter(round=round, household=user)
        .exclude(status=HouseholdOrder.Status.CANCELLED)
        .select_related("payment_request", "market_order__delivery")
        .first()
    )


def orders_of(round: Round) -> QuerySet[HouseholdOrder]:
    return HouseholdOrder.objects.filter(round=round).select_related("household").order_by("pk")


def delivered(order: HouseholdOrder) -> bool:
    """A home delivery counts as received once its hand-over order was delivered."""
    if order.status == HouseholdOrder.Status.HANDED_OVER:
        return True
    market = order.market_order
    return market is not None and market.status in (OrderStatus.DELIVERED, OrderStatus.COMPLETED)
