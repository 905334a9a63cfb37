"""Daily facts of the marketplace for the public roll-up (see apps.analytics.metrics).

UMKM: active shops at day end and shops opened that day, by KBLI 2-digit sector where the
owner held an issued, unrevoked permit at day end (the latest one); the "" row is the total,
sectors may not add up to it (shops without a known sector count in the total only).
Sales: an order counts on the day it was paid (COD orders: the day they completed). GMV is the
goods subtotal; per category, a line counts in each category of its product.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterator

from django.db.models import Count, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Substr

from apps.analytics.metrics import FactRow, Metric
from apps.analytics.producing import day_bounds, keys
from apps.permits.models import Permit

from .models import Order, OrderLine, Shop


def _sold(start: datetime.datetime, end: datetime.datetime) -> Q:
    return Q(paid_at__gte=start, paid_at__lt=end) | Q(
        paid_at__isnull=True, payment_method="cod", completed_at__gte=start, completed_at__lt=end
    )


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
        yield FactRow(metric, value=len(rows), entity_keys=keys("shop", [s[0] for s in rows]))
        for sec, pks in sorted(by_sector.items()):
            yield FactRow(metric, value=len(pks), dimension=sec, entity_keys=keys("shop", pks))


def _sales(day: datetime.date) -> Iterator[FactRow]:
    start, end = day_bounds(day)
    orders = Order.objects.filter(_sold(start, end))
    total = orders.aggregate(gmv=Sum("subtotal"), fees=Sum("platform_fee"), n=Count("id"))
    if total["n"]:
        shops = keys("shop", orders.values_list("shop_id", flat=True).distinct())
        yield FactRow(Metric.GMV, value=int(total["gmv"] or 0), count=total["n"], entity_keys=shops)
        yield FactRow(Metric.PLATFORM_FEES, value=int(total["fees"] or 0), count=total["n"], entity_keys=shops)
        yield FactRow(
            Metric.ACTIVE_RESIDENTS,
            value=0,
            entity_keys=keys("user", orders.values_list("buyer_id", flat=True).distinct()),
        )
    lines = OrderLine.objects.filter(order__in=orders)
    units = lines.aggregate(units=Sum("quantity"), n=Count("id"))
    if units["n"]:
        shops = keys("shop", lines.values_list("order__shop_id", flat=True).distinct())
        yield FactRow(Metric.UNITS_SOLD, value=int(units["units"] or 0), count=units["n"], entity_keys=shops)
    per_category = (
        lines.filter(product__categories__isnull=False)
        .values(slug=F("product__categories__slug"))
        .annotate(gmv=Sum("line_total"), units=Sum("quantity"), n=Count("id"), orders=Count("order_id", distinct=True))
        .order_by("slug")
    )
    shops_per_category: dict[str, set[int]] = defaultdict(set)
    for slug, shop_id in (
        lines.filter(product__categories__isnull=False)
        .values_list("product__categories__slug", "order__shop_id")
        .distinct()
    ):
        shops_per_category[slug].add(shop_id)
    for row in per_category:
        ents = keys("shop", shops_per_category[row["slug"]])
        yield FactRow(Metric.GMV, value=int(row["gmv"]), count=row["orders"], dimension=row["slug"], entity_keys=ents)
        yield FactRow(
            Metric.UNITS_SOLD, value=int(row["units"]), count=row["n"], dimension=row["slug"], entity_keys=ents
        )


def daily_facts(day: datetime.date) -> Iterator[FactRow]:
    yield from _umkm(day)
    yield from _sales(day)
