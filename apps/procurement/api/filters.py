"""Filters of the procurement API's request list."""

from __future__ import annotations

from django.db.models import QuerySet
from django_filters import rest_framework as filters

from apps.core.api.filters import BooleanFilter
from apps.procurement import selectors
from apps.procurement.models import PurchaseRequest


class PurchaseRequestFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=PurchaseRequest.Status.choices, label="Saring menurut status")
    open_for_me = BooleanFilter(method="open_for_caller", label="UMKM: hanya yang terbuka dan boleh saya tawar")

    def open_for_caller(self, queryset: QuerySet[PurchaseRequest], name: str, value: bool) -> QuerySet[PurchaseRequest]:
        if not value:
            return queryset  # false: every request, as when left out
        ids = [purchase.pk for purchase, _eligibility in selectors.open_requests_for(self.request.user)]
        return queryset.filter(pk__in=ids)
