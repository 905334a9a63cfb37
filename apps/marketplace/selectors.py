"""Marketplace reads: catalogue and search, availability, who sees which order,
recommendations, verification, reports."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramWordSimilarity
from django.db import connection, transaction
from django.db.models import (
    Avg,
    Case,
    Count,
    Exists,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.discovery.search import WordSimilar
from apps.discovery.text import prefix_tsquery, query_words
from apps.permits.selectors import verified_holder_ids

from . import lifecycle
from .models import DeliveryMethod, Order, OrderEvent, Product, Reservation, Review, Shop, Stock, Variant

Status = lifecycle.Status

# See apps.discovery.selectors: catches one-letter typos ("kripik" ~ "keripik").
WORD_SIMILARITY_THRESHOLD = 0.5


# --- catalogue ----------------------------------------------------------------------------


# Search documents: matched in SQL, never shown; not read into lists and pages.
SEARCH_FIELDS = ("search_name", "search_text", "search_vector")
# apps.core.cache_scopes scope of the cached catalogue fragments (apps.marketplace.fragments).
CATALOGUE_SCOPE = "catalogue"


def catalogue(*, photos: bool = True) -> QuerySet[Product]:
    """Products on sale (active, in an active shop, with an active variant). Their price range
    and stock state are the denormalised `price_min`/`price_max`/`in_stock` fields kept by the
    services (services.listing.refresh_summaries), so no per-product subquery is run.
    `photos=False`: the caller prefetches them itself (one query for several lists)."""
    found = (
        Product.objects.filter(is_active=True, shop__is_active=True, price_min__isnull=False)
        .select_related("shop")
        .defer(*SEARCH_FIELDS)
    )
    return found.prefetch_related("photos") if photos else found


def search_products(query: str, *, shop: Shop | None = None, limit: int = 60, photos: bool = True) -> list[Product]:
    """Full text (simple config, prefix words) or trigram word similarity (typos), best first.

    Both conditions are served by GIN indexes (tsvector and gin_trgm_ops), never a LIKE scan.
    """
    base: Any = catalogue(photos=photos)
    if shop is not None:
        base = base.filter(shop=shop)
    words = query_words(query)
    if not words:
        return list(base.order_by("-created_at", "-id")[:limit])
    text = " ".join(words)
    tsquery = SearchQuery(prefix_tsquery(words), search_type="raw", config="simple")
    # SET LOCAL needs a transaction; inside one already (a service, a test) it simply lasts until
    # that one ends (every trigram search sets its own threshold), so no savepoint round trips.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute("SET LOCAL pg_trgm.word_similarity_threshold = %s", [WORD_SIMILARITY_THRESHOLD])
        found = (
            base.filter(Q(search_vector=tsquery) | WordSimilar("search_name", text))
            .annotate(
                rank=Greatest(
                    SearchRank(F("search_vector"), tsquery),
                    TrigramWordSimilarity(text, "search_name"),
                    output_field=FloatField(),
                )
            )
            .order_by("-rank", "price_min", "id")[:limit]
        )
        return list(found)


def product_detail(pk: int) -> Product | None:
    return (
        Product.objects.filter(pk=pk, shop__is_active=True)
        .select_related("shop")
        .defer(*SEARCH_FIELDS)
        .prefetch_related(
            "photos",
            "categories",
            Prefetch("variants", queryset=Variant.objects.filter(is_active=True).order_by("price", "id")),
        )
        .first()
    )


def available_by_variant(variant_ids: Iterable[int], *, buyer: User | None = None) -> dict[int, int]:
    """What each variant can still sell right now: physical − allocated − others' reservations."""
    ids = list(variant_ids)
    now = timezone.now()
    reserved = Reservation.objects.filter(stock=OuterRef("pk"), reserved_until__gt=now)
    if buyer is not None and buyer.is_authenticated:
        reserved = reserved.exclude(buyer=buyer)
    rows = (
        Stock.objects.filter(variant_id__in=ids, location__is_active=True)
        .annotate(
            held=Coalesce(
                Subquery(reserved.values("stock").annotate(n=Sum("quantity")).values("n")[:1]),
                0,
                output_field=IntegerField(),
            )
        )
        .values_list("variant_id", "quantity", "quantity_allocated", "held")
    )
    result = dict.fromkeys(ids, 0)
    for variant_id, quantity, allocated, held in rows:
        result[variant_id] += max(quantity - allocated - held, 0)
    return result


def shops_of(user: User) -> QuerySet[Shop]:
    return Shop.objects.filter(owner=user).order_by("name", "id")


def may_open_first_shop(user: User) -> bool:
    """Whether /pasar/ invites `user` to open a shop: a seller (staff or pemilik UMKM) who has
    none yet. One query: the role and the absence of shops are read together."""
    if not user.is_authenticated:
        return False
    no_shop = ~Exists(Shop.objects.filter(owner=OuterRef("pk")))
    if user.is_staff:
        return User.objects.filter(no_shop, pk=user.pk).exists()
    return User.objects.filter(no_shop, pk=user.pk, groups__name=str(Role.PEMILIK_UMKM)).exists()


def active_shops() -> QuerySet[Shop]:
    return Shop.objects.filter(is_active=True).annotate(
        rating=Avg("reviews__rating", filter=Q(reviews__line__isnull=True)),
        rating_count=Count("reviews", filter=Q(reviews__line__isnull=True)),
    )


def profile_section() -> dict[str, object]:
    """The pasar on the kelurahan's profile page: how many UMKM shops are open for business."""
    return {"shop_count": Shop.objects.filter(is_active=True).count()}


def is_open_now(shop: Shop, now: datetime | None = None) -> bool | None:
    """None when the shop gave no opening hours."""
    if not shop.opening_hours:
        return None
    local = timezone.localtime(now or timezone.now())
    span = shop.opening_hours.get(str(local.weekday()))
    if not span:
        return False
    return bool(span[0] <= local.strftime("%H:%M") < span[1])


# --- verification -------------------------------------------------------------------------


def verified_owner_ids(owner_ids: Iterable[int]) -> set[int]:
    """Owners holding a valid izin usaha or NIB (apps.permits' public selector)."""
    return verified_holder_ids(owner_ids)


def verified_shop_ids(shops: Iterable[Shop]) -> set[int]:
    """Shops that show the verified badge: marked by staff, or the owner has a permit/NIB."""
    shops = list(shops)
    by_permit = verified_owner_ids(s.owner_id for s in shops if not s.verified)
    return {s.pk for s in shops if s.verified or s.owner_id in by_permit}


def is_verified(shop: Shop) -> bool:
    return shop.pk in verified_shop_ids([shop])


# --- orders -------------------------------------------------------------------------------


def visible_orders(user: User) -> QuerySet[Order]:
    """Buyers see theirs, shop owners their shops', staff all; couriers and hub operators see
    orders on their way (handed to courier/hub or delivered, not pickup)."""
    qs = Order.objects.select_related("shop", "buyer")
    if user.is_staff:
        return qs
    mine = Q(buyer=user) | Q(shop__owner=user)
    if user.has_any_role(Role.KURIR, Role.OPERATOR_HUB):
        mine |= Q(status__in=[Status.SHIPPED, Status.DELIVERED]) & ~Q(delivery_method=DeliveryMethod.PICKUP)
    return qs.filter(mine)


def order_detail(user: User, public_id: Any) -> Order | None:
    # "events" is a prefetchable property (apps.core.audit.SubjectEvents), unknown to django-stubs.
    return (
        visible_orders(user)  # type: ignore[misc]
        .filter(public_id=public_id)
        .select_related("payment_request", "shop__owner")
        .prefetch_related(
            "lines",
            Prefetch("events", OrderEvent.objects.select_related("actor")),
            Prefetch("reviews", Review.objects.select_related("line")),
        )
        .first()
    )


def available_actions(order: Order, user: User) -> list[str]:
    from .services import order_roles

    roles = order_roles(order, user)
    return [action for action in lifecycle.MANUAL_ACTIONS if lifecycle.allowed(action, order.status, roles)]


def reviewable_lines(order: Order, user: User) -> tuple[bool, list[Any]]:
    """(may the shop be reviewed, lines not reviewed yet) for the buyer of a completed order."""
    if order.buyer_id != user.pk or order.status != Status.COMPLETED:
        return False, []
    # From the order's reviews as loaded (order_detail prefetches them with its lines).
    reviews = list(order.reviews.all())
    reviewed_lines = {r.line_id for r in reviews if r.line_id is not None}
    shop_done = any(r.line_id is None for r in reviews)
    return not shop_done, [line for line in order.lines.all() if line.pk not in reviewed_lines]


# --- recommendations ----------------------------------------------------------------------


def bought_together(product: Product, *, limit: int = 6) -> list[Product]:
    """ "Sering dibeli bersama": products in the same checkouts as this one (across shops),
    by how many checkouts had both, from real sales only. One indexed read of the pair counts
    the services keep (services.copurchase), joined to the catalogue."""
    return list(
        catalogue()
        .filter(bought_with__product=product, bought_with__together__gt=0)
        .order_by("-bought_with__together", "pk")[:limit]
    )


def shops_near(user: User | None, *, limit: int = 6) -> list[Shop]:
    """At most `limit` shops of sellers in the buyer's RT first, then the rest of the RW ("dari
    RT/RW Anda"): filtered, ordered and cut in SQL, never every shop of the RW."""
    if user is None or not user.is_authenticated:
        return []
    from apps.rtrw.models import Residency

    # The buyer's RT and RW as subqueries (one residency per user): no residency, no rows, and
    # no separate round trip to read it first.
    home = Residency.objects.filter(user=user)
    home_rt = Subquery(home.values("rt_id")[:1])
    home_rw = Subquery(home.values("rt__rw_id")[:1])
    return list(
        active_shops()
        .filter(owner__residency__rt__rw_id=home_rw)
        .exclude(owner=user)
        .annotate(
            closeness=Case(
                When(owner__residency__rt_id=home_rt, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .select_related("owner__residency__rt__rw")
        .order_by("closeness", "name", "id")[:limit]
    )


def products_of_shops(shops: Iterable[Shop], *, limit: int = 12, photos: bool = True) -> list[Product]:
    ids = [s.pk for s in shops]
    if not ids:
        return []
    order = Case(*(When(shop_id=pk, then=Value(i)) for i, pk in enumerate(ids)), output_field=IntegerField())
    return list(
        catalogue(photos=photos).filter(shop_id__in=ids).annotate(shop_rank=order).order_by("shop_rank", "name")[:limit]
    )


def product_rating(product: Product) -> dict[str, Any]:
    return Review.objects.filter(product=product).aggregate(avg=Avg("rating"), count=Count("id"))


# --- reports ------------------------------------------------------------------------------


@dataclass
class PayoutRow:
    order: Order
    settled_via: str
    mdr: int
    net: int


@dataclass
class PayoutReport:
    shop: Shop
    start: date
    end: date
    rows: list[PayoutRow] = field(default_factory=list)
    subtotal: int = 0
    delivery_fees: int = 0
    total: int = 0
    platform_fee: int = 0
    mdr: int = 0
    net: int = 0
    via_wallet: int = 0  # net already in the shop's KotaKitaPay settlement account
    cash_fee_due: int = 0  # platform fee on COD orders, still owed by the shop


def _day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=tz),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz),
    )


def payout_report(shop: Shop, start: date, end: date) -> PayoutReport:
    """Completed orders of a shop in [start, end] (by completion date): what the buyer paid,
    the platform's fee (the tenant plan's rate, fixed at ordering), the payment MDR taken by
    KotaKitaPay, and the shop's net."""
    since, until = _day_bounds(start, end)
    report = PayoutReport(shop=shop, start=start, end=end)
    orders = (
        Order.objects.filter(shop=shop, status=Status.COMPLETED, completed_at__gte=since, completed_at__lt=until)
        .select_related("buyer", "payment_request__paid_entry")
        .order_by("completed_at", "id")
    )
    for order in orders:
        request = order.payment_request
        entry = request.paid_entry if request is not None else None
        mdr = entry.fee if entry is not None else 0
        cash = entry is None and request is not None  # no bill at all: a voucher paid it in full
        net = order.total - order.platform_fee - mdr
        report.rows.append(PayoutRow(order=order, settled_via="cod" if cash else "kotakitapay", mdr=mdr, net=net))
        report.subtotal += order.subtotal
        report.delivery_fees += order.delivery_fee
        report.total += order.total
        report.platform_fee += order.platform_fee
        report.mdr += mdr
        report.net += net
        if cash:
            report.cash_fee_due += order.platform_fee
        else:
            report.via_wallet += net
    return report


def platform_revenue(start: date, end: date) -> dict[str, Any]:
    """Platform fees of completed orders in the period, per shop and in total."""
    since, until = _day_bounds(start, end)
    rows = (
        Order.objects.filter(status=Status.COMPLETED, completed_at__gte=since, completed_at__lt=until)
        .values("shop_id", "shop__name")
        .annotate(orders=Count("id"), gross=Sum("subtotal"), fee=Sum("platform_fee"))
        .order_by("-fee", "shop__name")
    )
    listed = list(rows)
    return {"rows": listed, "fee": sum(r["fee"] for r in listed), "gross": sum(r["gross"] for r in listed)}
