"""Cached public fragments of the catalogue: the product grid for a query and the list of shops
are the same for every visitor of a kelurahan, so they are rendered once per catalogue version
(apps.core.cache_scopes, `CATALOGUE`) instead of on every page view.

The version moves with every write that changes what they show: products, variants, photos,
shops and reviews (signals registered in MarketplaceConfig.ready), the price range and stock
state (`services.listing.refresh_summaries`) and permits (the verified badge). Nothing here may
depend on the visitor: the buyer's own sections (near shops, cart) stay out of the cache.
"""

from __future__ import annotations

from typing import Any

from django.utils.safestring import SafeString, mark_safe

from apps.accounts.models import User
from apps.core import cache_scopes

from . import selectors
from .models import Product, Review, Shop
from .selectors import CATALOGUE_SCOPE as CATALOGUE


def results(query: str) -> SafeString:
    """The product grid of `/pasar/` (newest first, or the best matches of `query`)."""

    def context() -> dict[str, object]:
        products = selectors.search_products(query)
        return {
            "query": query,
            "products": products,
            "verified": selectors.verified_shop_ids({p.shop for p in products}),
        }

    return cache_scopes.fragment(CATALOGUE, (query,), "marketplace/_results.html", context)


def shop_list() -> SafeString:
    """The first shops by name, with their rating and verified badge."""

    def context() -> dict[str, Any]:
        shops = list(selectors.active_shops().order_by("name")[:20])
        return {"shops": shops, "verified": selectors.verified_shop_ids(shops)}

    return cache_scopes.fragment(CATALOGUE, (), "marketplace/_shop_list.html", context)


def near_you(user: User) -> SafeString:
    """ "Dari RT/RW Anda": shops of the buyer's RT, then RW, and some of their products. Cached
    per buyer; a move to another RT shows after the TTL at the latest (residencies do not bump
    the catalogue)."""
    if not user.is_authenticated:
        return mark_safe("")

    def context() -> dict[str, Any]:
        near = selectors.shops_near(user)
        products = selectors.products_of_shops(near, limit=8)
        return {"near_shops": near, "near_products": products, "verified": selectors.verified_shop_ids(near)}

    return cache_scopes.fragment(CATALOGUE, (user.pk,), "marketplace/_near_you.html", context)


def shop_products(shop: Shop, query: str) -> SafeString:
    """The product grid of a shop's page (all its products, or those matching `query`) and the
    shop's latest reviews."""

    def context() -> dict[str, Any]:
        products = selectors.search_products(query, shop=shop, limit=200)
        reviews = list(Review.objects.filter(shop=shop, line__isnull=True).select_related("buyer")[:10])
        return {"products": products, "reviews": reviews, "verified": selectors.verified_shop_ids([shop])}

    return cache_scopes.fragment(CATALOGUE, (shop.pk, query), "marketplace/_shop_products.html", context)


def product_extras(product: Product) -> SafeString:
    """ "Sering dibeli bersama" and the buyers' reviews under a product."""

    def context() -> dict[str, Any]:
        together = selectors.bought_together(product)
        reviews = list(Review.objects.filter(product=product).select_related("buyer")[:10])
        return {
            "together": together,
            "reviews": reviews,
            "verified": selectors.verified_shop_ids({p.shop for p in together}),
        }

    return cache_scopes.fragment(CATALOGUE, (product.pk,), "marketplace/_product_extras.html", context)


def product_summary(product: Product) -> dict[str, Any]:
    """The rating and the verified badge shown in a product's header (two queries saved)."""

    def build() -> dict[str, Any]:
        return {"rating": selectors.product_rating(product), "verified": selectors.is_verified(product.shop)}

    return cache_scopes.cached(CATALOGUE, ("product-summary", product.pk), build)


def product(pk: int) -> Product | None:
    """`selectors.product_detail(pk)` (with its shop, photos, categories and variants), kept
    until the catalogue changes; None (no such product on sale) is not kept."""
    return cache_scopes.cached(CATALOGUE, ("product-detail", pk), lambda: selectors.product_detail(pk))
