"""What this kelurahan publishes to the kota's city-wide listing (apps.discovery).

Runs in the seller's tenant (a Celery task queued after commit); the write itself goes to the
public schema through apps.discovery.services, never from a view."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse

from apps.core.db import connection
from apps.discovery import services as discovery
from apps.discovery.services import ListingData

from . import selectors
from .models import Product


def listing_data(product: Product, *, verified: bool) -> ListingData | None:
    """None when the product should not be listed (hidden, no active variant, shop closed)."""
    tenant = connection.tenant
    if not product.is_active or not product.shop.is_active:
        return None
    prices = [v.price for v in product.variants.all() if v.is_active]
    if not prices:
        return None
    available = selectors.available_by_variant([v.pk for v in product.variants.all() if v.is_active])
    photo = product.photos.first()
    return ListingData(
        product_ref=product.pk,
        name=product.name,
        shop_name=product.shop.name,
        price=min(prices),
        price_max=max(prices),
        in_stock=sum(available.values()) > 0,
        verified=verified,
        url=tenant.url(reverse("marketplace:product", args=[product.pk])),
        shop_url=tenant.url(reverse("marketplace:shop", args=[product.shop.slug])),
        photo_url=tenant.url(photo.file.url) if photo is not None else "",
        keywords=" ".join(
            [*(v.name for v in product.variants.all() if v.is_active), *(c.name for c in product.categories.all())]
        ),
        description=product.description[:500],
    )


def sync(product_ids: Iterable[int]) -> tuple[int, int]:
    """Publish or withdraw these products; returns (published, withdrawn). Idempotent."""
    tenant = connection.tenant
    if getattr(tenant, "tenant_type", "") != "kelurahan":
        return 0, 0  # only kelurahan sell to the kota's listing
    ids = sorted(set(product_ids))
    products = {
        p.pk: p
        for p in Product.objects.filter(pk__in=ids)
        .select_related("shop")
        .prefetch_related("variants", "categories", "photos")
    }
    verified = selectors.verified_shop_ids({p.shop for p in products.values()})
    published, gone = 0, []
    for pk in ids:
        product = products.get(pk)
        data = listing_data(product, verified=product.shop_id in verified) if product is not None else None
        if data is None:
            gone.append(pk)
            continue
        discovery.publish(tenant.pk, data)
        published += 1
    return published, discovery.withdraw(tenant.pk, gone)


def resync_all() -> tuple[int, int]:
    """Publish every product of this tenant and drop listings of products that are gone."""
    tenant = connection.tenant
    ids = list(Product.objects.values_list("pk", flat=True))
    published, withdrawn = sync(ids)
    if getattr(tenant, "tenant_type", "") == "kelurahan":
        kept = Product.objects.filter(is_active=True, shop__is_active=True).values_list("pk", flat=True)
        withdrawn += discovery.withdraw_all_except(tenant.pk, list(kept))
    return published, withdrawn
