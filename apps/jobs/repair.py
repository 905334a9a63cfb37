"""Repair of work that after-commit hooks may have lost while the broker was down.

`apps.core.tasks.enqueue_on_commit` keeps a write alive when Redis is unreachable, but the
follow-up task is then only logged, not queued. These repairs compare what should exist with
what exists and fix the difference, in bounded batches so one sweep stays short:

- marketplace → discovery: per kelurahan, products that should be listed vs the tenant's
  `Listing` rows (missing, left over, or outdated); `feed.sync` fixes them. Outdated means
  older than the product or any of its variants, or showing another price range or stock
  state than the product has now: a variant's price or a stock count changes without touching
  the product row (and stock rows carry no timestamp), so the listed values themselves are
  compared. One grouped query per tenant computes them, no per-product work unless it drifted.
- daily facts: per tenant, today and yesterday, re-queue the roll-up when the tenant has
  activity (rows updated) newer than its last roll-up of that day.
- invoices of source documents (apps.invoicing): a delivered marketplace order on invoice terms
  or an accepted procurement delivery whose `issue_from_*` task was lost is invoiced now (both
  are idempotent, so a task that merely runs late changes nothing).
- notifications are not repaired here: they are stored as pending in the same transaction and
  `notifications.deliver_due` sends whatever is due every minute.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.cache import cache
from django.db.models import Exists, F, IntegerField, Max, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context

from apps.core.db import connection
from apps.core.tasks import publish
from apps.invoicing import selectors as invoice_selectors
from apps.invoicing import services as invoicing

logger = logging.getLogger(__name__)

FACTS_QUEUED_TTL = 3 * 24 * 3600  # longer than the two days looked at
LISTING_BATCH = 200  # products re-synced per tenant and sweep (each is a few queries)
INVOICE_BATCH = 50  # source documents invoiced per tenant and sweep

# Rows whose change feeds a daily fact: (app label, model, timestamp field).
ACTIVITY_SOURCES: tuple[tuple[str, str, str], ...] = (
    ("marketplace", "Order", "updated_at"),
    ("marketplace", "Product", "updated_at"),
    ("reports", "Report", "updated_at"),
    ("permits", "Permit", "updated_at"),
    ("aid", "Enrolment", "updated_at"),
    ("aid", "Distribution", "updated_at"),
    ("fulfillment", "Delivery", "updated_at"),
    ("payments", "GatewayCharge", "updated_at"),
)


@dataclass
class ListingRepair:
    missing: list[int] = field(default_factory=list)
    extra: list[int] = field(default_factory=list)
    outdated: list[int] = field(default_factory=list)
    published: int = 0
    withdrawn: int = 0

    @property
    def todo(self) -> list[int]:
        return sorted({*self.missing, *self.extra, *self.outdated})


def _in_stock(now: datetime.datetime) -> Exists:
    """The product has an active variant with a unit left to sell at an active location, as
    `feed.listing_data` counts it (physical − allocated − live reservations)."""
    from apps.marketplace.models import Reservation, Stock

    held = (
        Reservation.objects.filter(stock=OuterRef("pk"), reserved_until__gt=now)
        .values("stock")
        .annotate(n=Sum("quantity"))
        .values("n")[:1]
    )
    sellable = (
        Stock.objects.filter(variant__product=OuterRef("pk"), variant__is_active=True, location__is_active=True)
        .annotate(held=Coalesce(Subquery(held), 0, output_field=IntegerField()))
        .filter(quantity__gt=F("quantity_allocated") + F("held"))
    )
    return Exists(sellable)


def sellable_products() -> QuerySet[Any]:
    """(pk, changed, price, price_max, in_stock) of every product the listing should show, computed
    live from the variants and stock rows (not from the product's own summary fields, which a
    write bypassing the services may have left behind): `changed` is the newest of the
    product's and its variants' `updated_at`."""
    from apps.marketplace.models import Product

    active = Q(variants__is_active=True)
    return (
        Product.objects.filter(is_active=True, shop__is_active=True)
        .annotate(
            live_price=Min("variants__price", filter=active),
            live_price_max=Max("variants__price", filter=active),
            changed=Greatest("updated_at", Max("variants__updated_at")),
            live_in_stock=_in_stock(timezone.now()),
        )
        .filter(live_price__isnull=False)  # no active variant: nothing to sell, not listed
        .values_list("pk", "changed", "live_price", "live_price_max", "live_in_stock")
    )


def listing_difference(limit: int = LISTING_BATCH) -> ListingRepair:
    """This kelurahan's products whose listing is missing, left over, or outdated."""
    from apps.discovery.models import Listing

    tenant = connection.tenant
    result = ListingRepair()
    if getattr(tenant, "tenant_type", "") != "kelurahan":
        return result
    expected = {
        pk: (changed, (price, price_max, in_stock)) for pk, changed, price, price_max, in_stock in sellable_products()
    }
    with schema_context(get_public_schema_name()):
        rows = Listing.objects.filter(tenant_id=tenant.pk).values_list(
            "product_ref", "updated_at", "price", "price_max", "in_stock"
        )
        listed = {ref: (updated, (price, price_max, in_stock)) for ref, updated, price, price_max, in_stock in rows}
    result.missing = sorted(set(expected) - set(listed))[:limit]
    result.extra = sorted(set(listed) - set(expected))[:limit]
    result.outdated = sorted(
        pk for pk in set(expected) & set(listed) if expected[pk][0] > listed[pk][0] or expected[pk][1] != listed[pk][1]
    )[:limit]
    return result


def repair_listings(limit: int = LISTING_BATCH) -> ListingRepair:
    """Fix at most `limit` products of each kind; the next sweep takes the rest."""
    from apps.marketplace import feed
    from apps.marketplace.services.listing import refresh_summaries

    result = listing_difference(limit)
    todo = result.todo
    if todo:
        # A change that bypassed the services (a bulk update) also left the products' own
        # price range and stock state behind: recompute them before publishing.
        refresh_summaries(todo)
        result.published, result.withdrawn = feed.sync(todo)
        logger.warning(
            "listing repair in %s: %d missing, %d left over, %d outdated",
            connection.schema_name,
            len(result.missing),
            len(result.extra),
            len(result.outdated),
        )
    return result


def latest_activity(since: datetime.datetime, until: datetime.datetime) -> datetime.datetime | None:
    """The newest change in this tenant between `since` and `until`, over ACTIVITY_SOURCES."""
    newest: datetime.datetime | None = None
    for app_label, model_name, stamp in ACTIVITY_SOURCES:
        try:
            model = apps.get_model(app_label, model_name)
        except LookupError:
            continue
        value = (
            model._default_manager.filter(**{f"{stamp}__gte": since, f"{stamp}__lt": until})
            .aggregate(latest=Max(stamp))
            .get("latest")
        )
        if value is not None and (newest is None or value > newest):
            newest = value
    return newest


def stale_fact_days() -> list[datetime.date]:
    """Of yesterday and today: the days with activity newer than this tenant's last roll-up."""
    from apps.analytics.models import DailyFact

    tenant = connection.tenant
    today = timezone.localdate()
    days = []
    for day in (today - datetime.timedelta(days=1), today):
        start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
        activity = latest_activity(start, start + datetime.timedelta(days=1))
        if activity is None:
            continue
        with schema_context(get_public_schema_name()):
            rolled = DailyFact.objects.filter(tenant_id=tenant.pk, day=day).aggregate(at=Max("computed_at"))["at"]
        # A roll-up that found nothing to count writes no row: the time this repair queued it
        # stands in, so the same activity is not queued again on every sweep.
        queued = cache.get(_queued_key(tenant.pk, day))
        last = max((stamp for stamp in (rolled, queued) if stamp is not None), default=None)
        if last is None or last < activity:
            days.append(day)
    return days


def _queued_key(tenant_id: int, day: datetime.date) -> str:
    return f"jobs:facts-queued:{tenant_id}:{day.isoformat()}"


def repair_facts() -> list[datetime.date]:
    """Queue the roll-up of the days that are behind (bulk queue)."""
    from apps.analytics.tasks import rollup_tenant_recent, rollup_today

    tenant = connection.tenant
    days = stale_fact_days()
    today = timezone.localdate()
    for day in days:
        if publish(rollup_today if day == today else rollup_tenant_recent, tenant.pk):
            cache.set(_queued_key(tenant.pk, day), timezone.now(), FACTS_QUEUED_TTL)
    return days


def repair_missing_invoices(now: datetime.datetime | None = None, limit: int = INVOICE_BATCH) -> list[str]:
    """Issue the invoices a lost after-commit task never issued; the source keys invoiced."""
    now = now or timezone.now()
    issued = []
    for order_id in invoice_selectors.orders_missing_invoice(now, limit):
        if invoicing.issue_from_order(order_id) is not None:
            issued.append(f"order:{order_id}")
    for order_id in invoice_selectors.purchases_missing_invoice(now, limit):
        if invoicing.issue_from_procurement(order_id) is not None:
            issued.append(f"procurement:{order_id}")
    if issued:
        logger.warning("invoices issued by the repair sweep (lost task): %s", ", ".join(issued))
    return issued
