"""Daily facts of the marketplace for the public roll-up (see apps.facts.metrics).

UMKM: active shops at day end and shops opened that day, by KBLI 2-digit sector where the
owner held an issued, unrevoked permit at day end (the latest one); the "" row is the total,
sectors may not add up to it (shops without a known sector count in the total only).
Sales: an order counts on the day it was paid (COD orders: the day they completed; orders on
invoice terms: the day their invoice was paid in full, never before). GMV is the
goods subtotal; per category, a line counts in each category of its product. Every sales and
UMKM fact carries each shop's own share (`entity_values` / `entity_counts`), which the Data-as-
a-Service release clamps per shop.
UMKM_TRADING (the UMKM half of the retention cohorts, issue 21): see `_trading`.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any

from django.db.models import Count, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Substr

from apps.facts.metrics import FactRow, Metric
from apps.facts.producing import day_bounds, keyed, keys
from apps.permits.models import Permit

from .models import Order, OrderLine, Product, Shop
from .services.handover import HANDOVER_PAYMENT


def _sold(start: datetime.datetime, end: datetime.datetime) -> Q:
    sold = Q(paid_at__gte=start, paid_at__lt=end) | Q(
        paid_at__isnull=True, payment_method="cod", completed_at__gte=start, completed_at__lt=end
    )
    # A Sembako hand-over order carries goods already sold in the group's supplier purchase.
    return sold & ~Q(payment_method=HANDOVER_PAYMENT)


def _umkm(day: datetime.date) -> Iterator[FactRow]:
    start, end = day_bounds(day)
    sector = Subquery(
        Permit.objects.filter(applicant_id=OuterRef("owner_id"), issued_at__lt=end)
        .filter(Q(revoked_at__isnull=True) | Q(revoked_at__gte=end))
        .order_by("-issued_at", "-id")
        .annotate(sector=Substr("kbli_code", 1, 2))
        .values("sector")[:1]
    )
    shops = list(
        Shop.objects.filter(is_active=True, created_at__lt=end)
        .annotate(sector=sector)
        .values_list("id", "sector", "created_at")
        .order_by("id")
    )
    for metric, rows in (
        (Metric.UMKM_ACTIVE, shops),
        (Metric.UMKM_NEW, [s for s in shops if s[2] >= start]),
    ):
        if not rows:
            continue
        by_sector: dict[str, list[int]] = defaultdict(list)
        for pk, sec, _created in rows:
            if sec:
                by_sector[sec].append(pk)
        every = keys("shop", [s[0] for s in rows])
        # A shop counts once: its own share is 1.
        yield FactRow(metric, value=len(every), entity_keys=every, entity_values=dict.fromkeys(every, 1))
        for sec, pks in sorted(by_sector.items()):
            ents = keys("shop", pks)
            yield FactRow(
                metric, value=len(ents), dimension=sec, entity_keys=ents, entity_values=dict.fromkeys(ents, 1)
            )


def _sales(day: datetime.date) -> Iterator[FactRow]:
    """Sales facts with each shop's own share, from one GROUP BY shop query per fact family
    (totals are the sums of the shops' shares, so they always agree)."""
    start, end = day_bounds(day)
    orders = Order.objects.filter(_sold(start, end))
    per_shop = list(
        orders.values("shop_id")
        .annotate(gmv=Sum("subtotal"), fees=Sum("platform_fee"), n=Count("id"))
        .order_by("shop_id")
    )
    if per_shop:
        shops = keys("shop", [r["shop_id"] for r in per_shop])
        gmv = keyed("shop", [(r["shop_id"], int(r["gmv"] or 0)) for r in per_shop])
        fees = keyed("shop", [(r["shop_id"], int(r["fees"] or 0)) for r in per_shop])
        n = keyed("shop", [(r["shop_id"], r["n"]) for r in per_shop])
        for metric, shares in ((Metric.GMV, gmv), (Metric.PLATFORM_FEES, fees)):
            yield FactRow(
                metric,
                value=sum(shares.values()),
                count=sum(n.values()),
                entity_keys=shops,
                entity_values=shares,
                entity_counts=n,
            )
        yield FactRow(
            Metric.ACTIVE_RESIDENTS,
            value=0,
            entity_keys=keys("user", orders.values_list("buyer_id", flat=True).distinct()),
        )
    lines = OrderLine.objects.filter(order__in=orders)
    units_per_shop = list(
        lines.values(shop=F("order__shop_id")).annotate(units=Sum("quantity"), n=Count("id")).order_by("shop")
    )
    if units_per_shop:
        units = keyed("shop", [(r["shop"], int(r["units"] or 0)) for r in units_per_shop])
        n_lines = keyed("shop", [(r["shop"], r["n"]) for r in units_per_shop])
        yield FactRow(
            Metric.UNITS_SOLD,
            value=sum(units.values()),
            count=sum(n_lines.values()),
            entity_keys=frozenset(units),
            entity_values=units,
            entity_counts=n_lines,
        )
    # One row per (category, shop); an order belongs to one shop, so its distinct orders per
    # category are the sum over the shops.
    per_category_shop = (
        lines.filter(product__categories__isnull=False)
        .values(slug=F("product__categories__slug"), shop=F("order__shop_id"))
        .annotate(gmv=Sum("line_total"), units=Sum("quantity"), n=Count("id"), orders=Count("order_id", distinct=True))
        .order_by("slug", "shop")
    )
    by_category: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for row in per_category_shop:
        by_category[row["slug"]].append(row)
    for slug, rows in by_category.items():
        cat_gmv = keyed("shop", [(r["shop"], int(r["gmv"] or 0)) for r in rows])
        cat_orders = keyed("shop", [(r["shop"], r["orders"]) for r in rows])
        cat_units = keyed("shop", [(r["shop"], int(r["units"] or 0)) for r in rows])
        cat_lines = keyed("shop", [(r["shop"], r["n"]) for r in rows])
        ents = frozenset(cat_gmv)
        yield FactRow(
            Metric.GMV,
            value=sum(cat_gmv.values()),
            count=sum(cat_orders.values()),
            dimension=slug,
            entity_keys=ents,
            entity_values=cat_gmv,
            entity_counts=cat_orders,
        )
        yield FactRow(
            Metric.UNITS_SOLD,
            value=sum(cat_units.values()),
            count=sum(cat_lines.values()),
            dimension=slug,
            entity_keys=ents,
            entity_values=cat_units,
            entity_counts=cat_lines,
        )


def _trading(day: datetime.date) -> Iterator[FactRow]:
    """UMKM_TRADING: the shops that did business that day, the activity behind the UMKM
    retention cohorts (UMKM_ACTIVE counts every open shop, so "retained" would be everyone).

    A shop is active on a day when (1) one of its orders was sold that day (paid, or a COD order
    completed: the `_sold` rule of the sales facts), (2) one of its orders was completed
    (delivered or picked up) that day, or (3) one of its listings was added or changed that day
    (`Product.created_at` / `updated_at`; price, variant and stock changes touch `updated_at`
    too, so a restock counts). Sembako hand-over orders are not the shop's own trade and are
    left out. Django keeps a listing's last change only, so re-running an old day may drop a
    shop whose listing changed again since (a lower bound, like accounts' last sign-in); sales
    and completions are final. Entities are the shops (value = shops, each with a share of 1).
    """
    start, end = day_bounds(day)
    own = ~Q(payment_method=HANDOVER_PAYMENT)
    sold = Order.objects.filter(_sold(start, end) | (Q(completed_at__gte=start, completed_at__lt=end) & own))
    listed = Product.objects.filter(
        Q(created_at__gte=start, created_at__lt=end) | Q(updated_at__gte=start, updated_at__lt=end)
    )
    pks = set(sold.values_list("shop_id", flat=True)) | set(listed.values_list("shop_id", flat=True))
    if pks:
        shops = keys("shop", sorted(pks))
        yield FactRow(Metric.UMKM_TRADING, value=len(shops), entity_keys=shops, entity_values=dict.fromkeys(shops, 1))


def daily_facts(day: datetime.date) -> Iterator[FactRow]:
    yield from _umkm(day)
    yield from _sales(day)
    yield from _trading(day)
