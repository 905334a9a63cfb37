"""Reads of apps.bazar: the landing page, the organiser's sales report, a holder's vouchers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from apps.accounts.models import User
from apps.marketplace import lifecycle
from apps.marketplace.models import Order, Product, Shop

from .models import BazarEvent, Discount, Stall, Voucher
from .pricing import running_filter

CACHE_SCOPE = "bazar"

# Orders that count as sold: paid (or cash on delivery) and not undone.
SOLD = (
    lifecycle.Status.PAID,
    lifecycle.Status.COD,
    lifecycle.Status.ON_TERMS,
    lifecycle.Status.ACCEPTED,
    lifecycle.Status.PACKED,
    lifecycle.Status.SHIPPED,
    lifecycle.Status.DELIVERED,
    lifecycle.Status.COMPLETED,
)


def published() -> QuerySet[BazarEvent]:
    return BazarEvent.objects.filter(is_published=True)


def upcoming(now: datetime | None = None) -> list[BazarEvent]:
    now = now or timezone.now()
    return list(published().filter(ends_at__gt=now).order_by("starts_at", "id")[:20])


def running(now: datetime | None = None) -> list[BazarEvent]:
    return list(BazarEvent.objects.filter(**running_filter(now or timezone.now())))


@dataclass
class PromoItem:
    product: Product
    price: int
    promo_price: int


@dataclass
class StallView:
    stall: Stall
    shop: Shop
    promo_label: str
    items: list[PromoItem] = field(default_factory=list)


def stalls_of(event: BazarEvent) -> list[StallView]:
    """The stalls with their shops and promoted products (three queries, whatever the size)."""
    stalls = list(Stall.objects.filter(event=event, shop__is_active=True).select_related("shop").order_by("number"))
    wanted = {pk for s in stalls for pk in s.promo_products}
    products = {p.pk: p for p in Product.objects.filter(pk__in=wanted, is_active=True).order_by("name") if p.price_min}
    views: list[StallView] = []
    for stall in stalls:
        label = ""
        if stall.discount == Discount.PERCENT:
            label = f"-{stall.discount_value}%"
        elif stall.discount == Discount.FIXED:
            label = f"-Rp{stall.discount_value:,}".replace(",", ".")
        view = StallView(stall=stall, shop=stall.shop, promo_label=label)
        if stall.discount != Discount.NONE:
            for pk in stall.promo_products:
                product = products.get(pk)
                if product is not None and product.shop_id == stall.shop_id and product.price_min is not None:
                    view.items.append(PromoItem(product, product.price_min, stall.price_of(product.price_min)))
        views.append(view)
    return views


def stall_grid(event: BazarEvent, views: list[StallView]) -> list[list[StallView | None]]:
    """The venue as rows of cells (None: an empty cell), for the stall map."""
    at = {(v.stall.column, v.stall.row): v for v in views}
    return [[at.get((c, r)) for c in range(1, event.grid_columns + 1)] for r in range(1, event.grid_rows + 1)]


@dataclass
class ShopSales:
    shop_id: int
    shop_name: str
    stall_number: int
    orders: int
    sales: int


@dataclass
class SalesReport:
    event: BazarEvent
    orders: int
    sales: int  # rupiah of goods sold (what the glossary calls "nilai penjualan")
    by_shop: list[ShopSales]


def sales_report(event: BazarEvent) -> SalesReport:
    """Orders placed during the bazar (starts_at <= placed < ends_at) at its stalls' shops and
    sold (paid or cash on delivery, not cancelled, expired or refunded): their count and the
    rupiah of goods, per shop. Two queries."""
    stalls = list(Stall.objects.filter(event=event).select_related("shop").order_by("number"))
    window = Q(created_at__gte=event.starts_at, created_at__lt=event.ends_at, status__in=SOLD)
    rows: dict[int, tuple[int, int]] = {
        int(shop_id): (int(n or 0), int(goods or 0))
        for shop_id, n, goods in Order.objects.filter(window, shop_id__in=[s.shop_id for s in stalls])
        .values("shop_id")
        .annotate(n=Count("id"), goods=Sum("subtotal"))
        .values_list("shop_id", "n", "goods")
        .order_by()
    }
    by_shop = [
        ShopSales(
            shop_id=s.shop_id,
            shop_name=s.shop.name,
            stall_number=s.number,
            orders=rows.get(s.shop_id, (0, 0))[0],
            sales=rows.get(s.shop_id, (0, 0))[1],
        )
        for s in stalls
    ]
    return SalesReport(
        event=event,
        orders=sum(r.orders for r in by_shop),
        sales=sum(r.sales for r in by_shop),
        by_shop=sorted(by_shop, key=lambda r: (-r.sales, r.stall_number)),
    )


def vouchers_of(user: User) -> list[Voucher]:
    return list(Voucher.objects.filter(holder=user).select_related("round__group").order_by("-created_at", "-id")[:50])


def shops_of(user: User) -> list[Shop]:
    return list(Shop.objects.filter(owner=user, is_active=True).order_by("name"))


# The organiser's pages ------------------------------------------------------------------------


def managed() -> QuerySet[BazarEvent]:
    """Every bazar, newest first, with its stall count (one query)."""
    return BazarEvent.objects.annotate(stall_count=Count("stalls")).order_by("-starts_at", "-id")


@dataclass
class Cell:
    column: int
    row: int
    stall: Stall | None


@dataclass
class StallMap:
    rows: list[list[Cell]]
    free: list[Cell]


def stall_map(event: BazarEvent, stalls: list[Stall]) -> StallMap:
    at = {(s.column, s.row): s for s in stalls}
    rows = [
        [Cell(c, r, at.get((c, r))) for c in range(1, event.grid_columns + 1)] for r in range(1, event.grid_rows + 1)
    ]
    return StallMap(rows=rows, free=[cell for line in rows for cell in line if cell.stall is None])


def event_stalls(event: BazarEvent) -> list[Stall]:
    """Every stall of the bazar (inactive shops too: the organiser sees them), by number."""
    return list(Stall.objects.filter(event=event).select_related("shop__owner").order_by("number"))


def products_of_shops(shop_ids: list[int]) -> dict[int, list[Product]]:
    """Shop id -> its products on sale, by name (one query), for the promotion forms."""
    found: dict[int, list[Product]] = {}
    for product in Product.objects.filter(shop_id__in=shop_ids, is_active=True).order_by("name", "pk")[:1000]:
        found.setdefault(product.shop_id, []).append(product)
    return found


def shops_to_invite(event: BazarEvent) -> list[Shop]:
    """Active shops without a stall in the bazar, by name (one query, at most 300)."""
    return list(
        Shop.objects.filter(is_active=True)
        .exclude(pk__in=Stall.objects.filter(event=event).values("shop_id"))
        .order_by("name", "pk")[:300]
    )


def open_to_join(now: datetime | None = None) -> list[BazarEvent]:
    """Announced bazars that have not ended, soonest first: a shop may still join."""
    now = now or timezone.now()
    return list(published().filter(ends_at__gt=now).order_by("starts_at", "id")[:20])


def stalls_of_owner(user: User) -> list[Stall]:
    """The user's shops' stalls in bazars that have not ended, soonest first (one query)."""
    return list(
        Stall.objects.filter(shop__owner=user, event__ends_at__gt=timezone.now())
        .select_related("event", "shop")
        .order_by("event__starts_at", "event_id", "number")[:50]
    )
