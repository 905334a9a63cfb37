"""Filters of the lender partner API's financing list (also narrowing the portfolio by buyer
and the ageing, so both can be read for one status, buyer or due-date window)."""

from __future__ import annotations

from django_filters import rest_framework as filters

from apps.core.api.filters import DateFilter, IdFilter

from ..models import Financing, Status


class FinancingFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=Status.choices, label="Status (boleh diulang)")
    buyer = filters.CharFilter(field_name="buyer_key", label="Kunci pembeli (buyer_key dari portofolio per pembeli)")
    buyer_name = filters.CharFilter(field_name="buyer_name", lookup_expr="icontains", label="Nama pembeli memuat")
    due_from = DateFilter(field_name="invoice__due_date", lookup_expr="gte", label="Jatuh tempo faktur sejak")
    due_to = DateFilter(field_name="invoice__due_date", lookup_expr="lte", label="Jatuh tempo faktur sampai")
    lender = IdFilter(field_name="product__lender_id", label="Lembaga (id)")

    class Meta:
        model = Financing
        fields = ["status", "buyer", "buyer_name", "due_from", "due_to", "lender"]
