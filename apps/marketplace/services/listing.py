"""What the public finds: a product's search document and its entry in the kota-wide listing."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db.models import F

from apps.core import cache_scopes
from apps.core.db import connection
from apps.core.tasks import enqueue_on_commit
from apps.discovery.text import document

from ..models import Product, Stock, Variant
from ..selectors import CATALOGUE_SCOPE

# Product ids collected instead of refreshed one by one (a bulk import: `sync_deferred`).
_deferred: ContextVar[set[int] | None] = ContextVar("marketplace_listing_sync_deferred", default=None)


# One statement for any number of products, the summaries computed here rather than by a
# subquery per product: in the transaction of a big import the planner cannot see the rows just
# added, and per-product subqueries over them ran for minutes (1,500 products on PostgreSQL 18).
_WRITE_SUMMARIES = (
    "UPDATE {table} AS product SET price_min = summary.low, price_max = summary.high, in_stock = summary.sellable"
    " FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::boolean[]) AS summary(id, low, high, sellable)"
    " WHERE product.id = summary.id"
)


def refresh_summaries(product_ids: Iterable[int]) -> int:
    """Recompute the denormalised price range and stock state of these products (`updated_at`
    is not touched). Called in the writing transaction by every service that changes variants,
    prices or stock, through `queue_listing_sync`: three statements whatever the number."""
    ids = sorted(set(product_ids))
    if not ids:
        return 0
    prices: dict[int, list[int]] = {}
    product_of: dict[int, int] = {}
    active = Variant.objects.filter(product_id__in=ids, is_active=True).values_list("pk", "product_id", "price")
    for variant_id, product_id, price in active:
        product_of[variant_id] = product_id
        prices.setdefault(product_id, []).append(price)
    sellable = {
        product_of[variant_id]
        for variant_id in Stock.objects.filter(
            variant_id__in=product_of, location__is_active=True, quantity__gt=F("quantity_allocated")
        ).values_list("variant_id", flat=True)
    }
    lows = [min(prices[pk]) if pk in prices else None for pk in ids]
    highs = [max(prices[pk]) if pk in prices else None for pk in ids]
    cache_scopes.bump(CATALOGUE_SCOPE)
    with connection.cursor() as cursor:
        cursor.execute(
            _WRITE_SUMMARIES.format(table=connection.ops.quote_name(Product._meta.db_table)),
            [ids, lows, highs, [pk in sellable for pk in ids]],
        )
        return cursor.rowcount


def queue_listing_sync(product_ids: Iterable[int]) -> None:
    """These products' variants, prices, stock or shop changed: refresh their summary fields
    now (same transaction), and after commit re-publish them in the kota's public listing (a
    Celery task in this tenant; never a schema hop inside the request)."""
    deferred = _deferred.get()
    if deferred is not None:
        deferred.update(product_ids)
        return
    ids = sorted(set(product_ids))
    if not ids:
        return
    refresh_summaries(ids)
    from ..tasks import sync_listings

    enqueue_on_commit(sync_listings, ids)


def _refresh_search(product: Product) -> None:
    variants = " ".join(product.variants.filter(is_active=True).values_list("name", flat=True))
    categories = " ".join(product.categories.values_list("name", flat=True))
    search_name = document(product.name, variants, categories)[:400]
    search_text = document(product.name, variants, categories, product.shop.name, product.description[:1000])
    Product.objects.filter(pk=product.pk).update(search_name=search_name, search_text=search_text)
    product.search_name, product.search_text = search_name, search_text


@contextmanager
def sync_deferred() -> Iterator[None]:
    """Inside, `queue_listing_sync` only collects product ids; on leaving without an error they
    are refreshed in one statement and synced in one task. A bulk import's apply uses it: one
    refresh per row, each reading the rows the transaction added so far, made it quadratic."""
    ids: set[int] = set()
    token = _deferred.set(ids)
    try:
        yield
    finally:
        _deferred.reset(token)
    queue_listing_sync(ids)
