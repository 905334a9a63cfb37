"""Writes on the public listing. Called by the sellers' tenant tasks (apps.marketplace.tasks);
each call switches to the public schema for its own write and back, never in a view."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django_tenants.utils import get_public_schema_name, schema_context

from apps.discovery.text import document
from apps.tenancy.models import Tenant

from .models import Listing


@dataclass(frozen=True)
class ListingData:
    """What a kelurahan publishes about one product."""

    product_ref: int
    name: str
    shop_name: str
    price: int
    price_max: int
    in_stock: bool
    verified: bool
    url: str
    shop_url: str
    photo_url: str = ""
    keywords: str = ""  # variant names, categories
    description: str = ""


def publish(tenant_id: int, data: ListingData) -> Listing:
    """Create or update the product's listing (idempotent)."""
    with schema_context(get_public_schema_name()), transaction.atomic():
        tenant = Tenant.objects.get(pk=tenant_id)
        search_name = document(data.name, data.keywords)[:400]
        listing, _created = Listing.objects.update_or_create(
            tenant=tenant,
            product_ref=data.product_ref,
            defaults={
                "kota_id": tenant.parent_id,
                "name": data.name[:150],
                "shop_name": data.shop_name[:120],
                "tenant_name": tenant.name[:150],
                "price": data.price,
                "price_max": max(data.price, data.price_max),
                "in_stock": data.in_stock,
                "verified": data.verified,
                "url": data.url[:500],
                "shop_url": data.shop_url[:500],
                "photo_url": data.photo_url[:500],
                "search_name": search_name,
                "search_text": document(data.name, data.keywords, data.shop_name, tenant.name, data.description),
            },
        )
        return listing


def withdraw(tenant_id: int, product_refs: Iterable[int]) -> int:
    """Remove listings of products that are gone, hidden or unsellable (idempotent)."""
    refs = list(product_refs)
    if not refs:
        return 0
    with schema_context(get_public_schema_name()), transaction.atomic():
        deleted, _detail = Listing.objects.filter(tenant_id=tenant_id, product_ref__in=refs).delete()
        return deleted


def withdraw_all_except(tenant_id: int, keep: Iterable[int]) -> int:
    """After a full re-sync: drop this tenant's listings not in `keep`."""
    with schema_context(get_public_schema_name()), transaction.atomic():
        deleted, _detail = Listing.objects.filter(tenant_id=tenant_id).exclude(product_ref__in=list(keep)).delete()
        return deleted
