"""What the public finds: a product's search document and its entry in the kota-wide listing."""

from __future__ import annotations

from collections.abc import Iterable

from apps.core.tasks import enqueue_on_commit
from apps.discovery.text import document

from ..models import (
    Product,
)


def queue_listing_sync(product_ids: Iterable[int]) -> None:
    """After commit, re-publish these products in the kota's public listing (a Celery task in
    this tenant; never a schema hop inside the request)."""
    ids = sorted(set(product_ids))
    if not ids:
        return
    from ..tasks import sync_listings

    enqueue_on_commit(sync_listings, ids)


def _refresh_search(product: Product) -> None:
    variants = " ".join(product.variants.filter(is_active=True).values_list("name", flat=True))
    categories = " ".join(product.categories.values_list("name", flat=True))
    search_name = document(product.name, variants, categories)[:400]
    search_text = document(product.name, variants, categories, product.shop.name, product.description[:1000])
    Product.objects.filter(pk=product.pk).update(search_name=search_name, search_text=search_text)
    product.search_name, product.search_text = search_name, search_text
