"""Filters of the invoicing API list."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django_filters import rest_framework as filters

from ..models import Invoice


class InvoiceFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Invoice.Status.choices, label="Saring menurut status")
    role = filters.ChoiceFilter(
        choices=[("seller", "Faktur yang saya terbitkan"), ("buyer", "Faktur yang harus saya bayar")],
        method="by_role",
        label="Sebagai penjual atau pembeli",
    )
    due_before = filters.DateFilter(field_name="due_date", lookup_expr="lte", label="Jatuh tempo paling lambat")

    class Meta:
        model = Invoice
        fields = ["status", "source"]

    def by_role(self, queryset: QuerySet[Invoice], name: str, value: str) -> QuerySet[Invoice]:
        user = self.request.user
        if value == "seller":
            return queryset.filter(shop__owner=user)
        return queryset.exclude(shop__owner=user).filter(Q(buyer_user=user) | Q(buyer_is_office=True))
