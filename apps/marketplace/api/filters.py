"""Filters of the marketplace API's catalogue."""

from __future__ import annotations

from django.db.models import Case, QuerySet, When
from django_filters import rest_framework as filters

from apps.marketplace import selectors
from apps.marketplace.models import Product, Shop

SEARCH_LIMIT = 200


class ProductFilter(filters.FilterSet):
    q = filters.CharFilter(label="Cari (toleran salah ketik), mis. “keripik tempe”")
    shop = filters.CharFilter(label="Slug toko")

    def filter_queryset(self, queryset: QuerySet[Product]) -> QuerySet[Product]:
        """One search over both: a shop's products are ranked within that shop."""
        query, slug = self.form.cleaned_data["q"], self.form.cleaned_data["shop"]
        shop = Shop.objects.filter(slug=slug, is_active=True).first() if slug else None
        if slug and shop is None:
            return queryset.none()
        if not query and shop is None:
            return queryset
        ids = [product.pk for product in selectors.search_products(query, shop=shop, limit=SEARCH_LIMIT)]
        if not ids:
            return queryset.none()
        ranked = queryset.filter(pk__in=ids).order_by(Case(*(When(pk=pk, then=rank) for rank, pk in enumerate(ids))))
        # Read at once (at most SEARCH_LIMIT rows): the page and its count then come from these
        # rows, without a COUNT query of their own.
        len(ranked)
        return ranked
