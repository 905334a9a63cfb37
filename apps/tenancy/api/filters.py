"""Filters of the operator API's region list."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django_filters import rest_framework as filters

from apps.tenancy.models import Region


class RegionFilter(filters.FilterSet):
    q = filters.CharFilter(method="search", label="Search by name or code prefix")
    level = filters.ChoiceFilter(
        choices=Region.Level.choices, label="1 provinsi, 2 kab/kota, 3 kecamatan, 4 desa/kelurahan"
    )
    parent = filters.CharFilter(field_name="parent_id", label="Children of this code")

    def search(self, queryset: QuerySet[Region], name: str, value: str) -> QuerySet[Region]:
        return queryset.filter(Q(name__icontains=value) | Q(code__startswith=value))
